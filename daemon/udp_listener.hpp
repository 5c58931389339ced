// The UDP side of one listen address in one worker: receive, answer each query in its own
// coroutine (a cache miss must not stall the ones behind it), send.
#pragma once

#include "daemon/ip_ratelimit.hpp"
#include "daemon/query_handler.hpp"

#include <asio/awaitable.hpp>
#include <asio/ip/udp.hpp>

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

/// Opens a UDP socket on `endpoint` with SO_REUSEPORT (one per worker on the same address;
/// the kernel spreads clients over them). Throws asio::system_error when it cannot bind.
asio::ip::udp::socket open_udp_socket(const asio::any_io_executor& executor,
                                      const asio::ip::udp::endpoint& endpoint);

/// Receives until the socket is cancelled or closed: recvmmsg batches, hits answered inline
/// and sent back with sendmmsg, everything else handed to QueryHandler::handle. With
/// ip-ratelimit on, a client over its rate is dropped (or slipped a TC=1 reply) first.
asio::awaitable<void> serve_udp(asio::ip::udp::socket& socket, QueryHandler& handler,
                                ActiveQueries& active, DaemonStats& stats, IpRateLimiter& limiter);

}  // namespace tern::daemon
