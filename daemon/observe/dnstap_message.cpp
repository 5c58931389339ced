#include "daemon/observe/dnstap_message.hpp"

#include "dnstap.pb-c.h"

#include <array>
#include <new>

namespace tern::daemon::dnstap {

namespace {

/// An address's octets in the family chosen for the message; v6 = write IPv4 as v4-mapped.
struct AddressOctets {
  std::array<std::uint8_t, 16> octets{};
  std::size_t size = 0;
};

AddressOctets octets_of(const asio::ip::address& address, bool v6) {
  AddressOctets out;
  if (!v6) {
    const auto bytes = address.to_v4().to_bytes();
    std::copy(bytes.begin(), bytes.end(), out.octets.begin());
    out.size = 4;
  } else {
    const asio::ip::address_v6 a =
        address.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4()) : address.to_v6();
    const auto bytes = a.to_bytes();
    std::copy(bytes.begin(), bytes.end(), out.octets.begin());
    out.size = 16;
  }
  return out;
}

ProtobufCBinaryData binary(std::span<const std::uint8_t> octets) {
  // protobuf-c only reads through this pointer when packing.
  return ProtobufCBinaryData{octets.size(), const_cast<std::uint8_t*>(octets.data())};
}

ProtobufCBinaryData binary(std::string_view text) {
  return ProtobufCBinaryData{text.size(), reinterpret_cast<std::uint8_t*>(const_cast<char*>(text.data()))};
}

}  // namespace

Payload encode(const MessageFields& f, const Sender& sender) {
  Dnstap__Message message = DNSTAP__MESSAGE__INIT;
  message.type = static_cast<Dnstap__Message__Type>(f.type);
  message.has_socket_protocol = true;
  message.socket_protocol = static_cast<Dnstap__SocketProtocol>(f.protocol);
  const bool v6 = f.query_end.address.is_v6() || f.response_end.address.is_v6();
  message.has_socket_family = true;
  message.socket_family = v6 ? DNSTAP__SOCKET_FAMILY__INET6 : DNSTAP__SOCKET_FAMILY__INET;
  const AddressOctets query_address = octets_of(f.query_end.address, v6);
  const AddressOctets response_address = octets_of(f.response_end.address, v6);
  message.has_query_address = message.has_response_address = true;
  message.query_address = binary(std::span(query_address.octets.data(), query_address.size));
  message.response_address = binary(std::span(response_address.octets.data(), response_address.size));
  message.has_query_port = message.has_response_port = true;
  message.query_port = f.query_end.port;
  message.response_port = f.response_end.port;
  message.has_query_time_sec = message.has_query_time_nsec = true;
  message.query_time_sec = f.query_time.sec;
  message.query_time_nsec = f.query_time.nsec;
  if (f.response_time) {
    message.has_response_time_sec = message.has_response_time_nsec = true;
    message.response_time_sec = f.response_time->sec;
    message.response_time_nsec = f.response_time->nsec;
  }
  if (!f.query_message.empty()) {
    message.has_query_message = true;
    message.query_message = binary(f.query_message);
  }
  if (!f.response_message.empty()) {
    message.has_response_message = true;
    message.response_message = binary(f.response_message);
  }
  if (!f.query_zone.empty()) {
    message.has_query_zone = true;
    message.query_zone = binary(f.query_zone);
  }

  Dnstap__Dnstap top = DNSTAP__DNSTAP__INIT;
  top.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
  top.message = &message;
  if (!sender.identity.empty()) {
    top.has_identity = true;
    top.identity = binary(sender.identity);
  }
  if (!sender.version.empty()) {
    top.has_version = true;
    top.version = binary(sender.version);
  }
  Payload payload;
  payload.size = dnstap__dnstap__get_packed_size(&top);
  payload.data.reset(static_cast<std::uint8_t*>(std::malloc(payload.size == 0 ? 1 : payload.size)));
  if (!payload.data) throw std::bad_alloc();
  dnstap__dnstap__pack(&top, payload.data.get());
  return payload;
}

}  // namespace tern::daemon::dnstap
