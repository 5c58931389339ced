// What the upstream transports show an observer of the wire (dnstap's RESOLVER_QUERY and
// RESOLVER_RESPONSE): each query as sent and each reply as accepted, with both ends of the
// socket. The daemon plugs its dnstap writer in; the resolver knows only this interface. A
// transport without a tap (the default, and always with dnstap off) tests one null pointer
// per exchange, and reads no clock and asks the kernel for no address.
#pragma once

#include <asio/ip/address.hpp>

#include <time.h>

#include <cstdint>
#include <span>

namespace tern::resolver {

/// Wall-clock time as dnstap carries it: seconds since the Unix epoch and nanoseconds.
struct TapTime {
  std::uint64_t sec = 0;
  std::uint32_t nsec = 0;
};

/// Now, by the wall clock (dnstap's times are calendar times, read by people and tools).
inline TapTime tap_now() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return TapTime{static_cast<std::uint64_t>(ts.tv_sec), static_cast<std::uint32_t>(ts.tv_nsec)};
}

enum class UpstreamProtocol { udp, tcp, tls };

/// One exchange as the socket saw it; spans valid during the call only.
struct UpstreamTapExchange {
  UpstreamProtocol protocol = UpstreamProtocol::udp;
  asio::ip::address local_address;  ///< our end (the query's initiator)
  std::uint16_t local_port = 0;
  asio::ip::address server;         ///< the authority or forwarder (the responder)
  std::uint16_t server_port = 0;
  std::span<const std::uint8_t> zone;  ///< the zone cut asked, wire form; empty when unknown
  TapTime sent;                     ///< when the query left
};

class UpstreamTap {
 public:
  virtual ~UpstreamTap() = default;
  /// A query just sent, `query` its octets as they went out (ID, 0x20 case, cookie).
  virtual void upstream_query(const UpstreamTapExchange& exchange, std::span<const std::uint8_t> query) = 0;
  /// A reply the transport accepted (ID, question, case and cookie matched; TC=1 included).
  virtual void upstream_response(const UpstreamTapExchange& exchange, std::span<const std::uint8_t> response,
                                 TapTime received) = 0;
};

}  // namespace tern::resolver
