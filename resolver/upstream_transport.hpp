// The only way the walk talks to authorities. The daemon plugs in UdpTcpTransport; tests may
// plug in anything that answers (the resolver tests use the real transport against scripted
// authorities on loopback, so that ID, port and question matching are exercised too).
#pragma once

#include "resolver/dns/message.hpp"

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace tern::resolver {

/// One question to one server.
struct ExchangeRequest {
  asio::ip::address server;
  std::uint16_t port = 53;
  dns::Question question;
  std::chrono::milliseconds timeout{1000};  ///< for the UDP attempt
  std::uint16_t edns_size = 1232;           ///< 0: send no OPT (for servers that choke on it)
  /// RFC 7873: the client cookie (8 octets) then the server cookie we hold for this server
  /// (none or 8..32 octets); empty: no COOKIE option. Sent only with EDNS.
  std::string cookie;
  bool randomise_case = false;              ///< 0x20 over UDP: random case, exact echo required
  /// Over TCP straight away, no UDP first: a reply an off-path forger cannot inject. With
  /// randomise_case the question goes out in random case here too, and case_echoed says
  /// whether the reply repeated it (a mismatch is reported, not rejected).
  bool tcp_only = false;
  bool recursion_desired = false;           ///< RD=1: to a forward zone's recursive servers
  bool tls = false;                         ///< DNS over TLS (RFC 7858) instead of UDP/TCP
  std::string tls_name = {};                ///< tls: SNI and the certificate's expected host name
  dns::Name zone = {};                      ///< the zone cut asked: dnstap's query_zone, nothing else
};

enum class ExchangeStatus {
  ok,           ///< reply holds a matching, well-formed response
  timeout,      ///< nothing matching arrived in time
  unreachable,  ///< the kernel reported the port or host unreachable / connection refused
  tcp_failed,   ///< TC=1 over UDP and the TCP retry did not produce an answer
  error,        ///< local failure (no socket, no route)
};
std::string_view to_string(ExchangeStatus s) noexcept;

/// The outcome of one exchange: a value, never an exception.
struct ExchangeResult {
  ExchangeStatus status = ExchangeStatus::error;
  dns::Message reply;                 ///< valid when status == ok
  std::chrono::microseconds rtt{0};   ///< send to matching reply (UDP leg)
  bool over_tcp = false;              ///< the reply came over TCP (after TC=1)
  unsigned mismatched = 0;            ///< replies ignored for wrong ID/question: spoofing near-misses
  unsigned malformed = 0;             ///< replies ignored for failing the wire check
  unsigned case_mismatches = 0;       ///< 0x20: replies ignored for not echoing the case exactly
  std::string server_cookie;          ///< the server cookie of the accepted reply, if it had one
  bool case_echoed = false;           ///< tcp_only + randomise_case: the reply's question
                                      ///< name came back in our case, octet for octet
  bool shared = false;                ///< the result of an identical exchange already in flight
                                      ///< (CoalescingTransport): nothing was sent for this one
};

class UpstreamTransport {
 public:
  virtual ~UpstreamTransport() = default;
  virtual asio::awaitable<ExchangeResult> exchange(const ExchangeRequest& request) = 0;
};

}  // namespace tern::resolver
