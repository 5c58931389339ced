// The UDP side of one listen address in one worker: receive, answer each query in its own
// coroutine (a cache miss must not stall the ones behind it), send.
#pragma once

#include "daemon/answering/ip_ratelimit.hpp"
#include "daemon/answering/query_handler.hpp"
#include "daemon/listeners/port_claim.hpp"
#include "daemon/listeners/proxy_sources.hpp"

#include <asio/awaitable.hpp>
#include <asio/ip/udp.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tern::daemon {

/// Queries a worker is still answering; the graceful stop waits for this to reach zero.
struct ActiveQueries {
  unsigned count = 0;
  /// Counts one query for as long as it lives.
  struct Guard {
    explicit Guard(ActiveQueries& a) : active(a) { ++active.count; }
    ~Guard() { --active.count; }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ActiveQueries& active;
  };
};

/// Kernel buffer sizes of a listening socket (so-rcvbuf, so-sndbuf); 0 keeps the default.
struct UdpSocketOptions {
  std::uint64_t receive_buffer = 0;
  std::uint64_t send_buffer = 0;
};

/// Opens a UDP socket on `endpoint` with SO_REUSEPORT (one per worker on the same address;
/// the kernel spreads clients over them): claiming the address or joining the claimed group
/// (port_claim.hpp). A buffer the kernel grants smaller than asked is a line in `warnings`,
/// not an error. Throws asio::system_error when it cannot bind.
asio::ip::udp::socket open_udp_socket(const asio::any_io_executor& executor,
                                      const asio::ip::udp::endpoint& endpoint,
                                      const UdpSocketOptions& options = {},
                                      std::vector<std::string>* warnings = nullptr,
                                      PortClaim claim = PortClaim::join);

/// Receives until the socket is cancelled or closed: recvmmsg batches of up to `batch_size`
/// datagrams, hits answered inline
/// and sent back with sendmmsg, everything else handed to QueryHandler::handle. With
/// ip-ratelimit on, a client over its rate is dropped (or slipped a TC=1 reply) first. With
/// `proxy` (proxy-protocol-from; null = off), a datagram passes admit_datagram before all that,
/// and the client everything else sees is the one its PROXY header names.
asio::awaitable<void> serve_udp(asio::ip::udp::socket& socket, QueryHandler& handler,
                                ActiveQueries& active, DaemonStats& stats, IpRateLimiter& limiter,
                                unsigned batch_size, const ProxySources* proxy = nullptr);

}  // namespace tern::daemon
