// DNS over TCP (RFC 7766): 2-octet length framing, many queries in flight on one connection
// answered as each finishes (out of order), an idle timeout, and a bound on open connections
// across all workers. The framing is written against a generic stream so DoT can share it.
#pragma once

#include "daemon/query_handler.hpp"
#include "daemon/udp_listener.hpp"

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>

namespace tern::daemon {

/// Limits of the TCP side, shared by all workers.
struct TcpLimits {
  std::chrono::milliseconds idle_timeout{10000};
  unsigned max_connections = 1024;
  std::atomic<unsigned>* open_connections = nullptr;  ///< shared counter, all workers
};

/// Queries in flight on one connection before tern stops reading more from it.
inline constexpr unsigned max_pipelined_per_connection = 64;

asio::ip::tcp::acceptor open_tcp_acceptor(const asio::any_io_executor& executor,
                                          const asio::ip::tcp::endpoint& endpoint);

/// Accepts until the acceptor is closed; each connection runs in its own coroutine.
asio::awaitable<void> serve_tcp(asio::ip::tcp::acceptor& acceptor, QueryHandler& handler,
                                ActiveQueries& active, const TcpLimits& limits, DaemonStats& stats);

}  // namespace tern::daemon
