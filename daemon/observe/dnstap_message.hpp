// One dnstap payload (https://dnstap.info): a DNS message ternd received or sent, with its
// times, both ends of its socket, its protocol and its octets, serialized as the dnstap
// protobuf (dnstap.proto, compiled by protoc-c). Pure: no socket, no clock; the writer
// (dnstap_writer.hpp) frames it for the collector.
#pragma once

#include "resolver/upstream_tap.hpp"

#include <asio/ip/address.hpp>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace tern::daemon::dnstap {

/// The dnstap Message types ternd sends, with the schema's numbers.
enum class MessageType : std::uint8_t {
  resolver_query = 3,
  resolver_response = 4,
  client_query = 5,
  client_response = 6,
};

/// The schema's SocketProtocol numbers.
enum class SocketProtocol : std::uint8_t { udp = 1, tcp = 2, dot = 3 };

using Time = resolver::TapTime;

/// One end of a socket.
struct Endpoint {
  asio::ip::address address;
  std::uint16_t port = 0;
};

/// What one Message says. The query's initiator is query_end (the client, or ternd towards an
/// authority), its responder response_end. Spans only need to live during encode().
struct MessageFields {
  MessageType type = MessageType::client_query;
  SocketProtocol protocol = SocketProtocol::udp;
  Endpoint query_end;
  Endpoint response_end;
  Time query_time;
  std::optional<Time> response_time;        ///< responses only
  std::span<const std::uint8_t> query_message;     ///< queries only
  std::span<const std::uint8_t> response_message;  ///< responses only
  std::span<const std::uint8_t> query_zone;        ///< resolver messages; empty: not sent
};

/// What the Dnstap wrapper says about the sender; empty = not sent (dnstap-send-identity,
/// dnstap-send-version off).
struct Sender {
  std::string_view identity;
  std::string_view version;
};

struct FreeDeleter {
  void operator()(std::uint8_t* p) const noexcept { std::free(p); }
};

/// A serialized payload in a malloc'd buffer: fstrm takes it and frees it with free().
struct Payload {
  std::unique_ptr<std::uint8_t, FreeDeleter> data;
  std::size_t size = 0;
};

/// The Dnstap protobuf for `fields` from `sender`. Both ends are written in one family: an
/// IPv4 end facing an IPv6 one is written IPv4-mapped. Throws std::bad_alloc only.
Payload encode(const MessageFields& fields, const Sender& sender);

}  // namespace tern::daemon::dnstap
