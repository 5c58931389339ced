// DNS over TCP (RFC 7766): the acceptor and its admission (a bound on open connections across
// all workers and per client address); the connections themselves are StreamConnection, shared
// with DNS over TLS.
#pragma once

#include "daemon/listeners/port_claim.hpp"
#include "daemon/listeners/stream_connection.hpp"

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <functional>

namespace tern::daemon {

/// A listening TCP acceptor on `endpoint` (SO_REUSEPORT, claimed or joined: port_claim.hpp).
asio::ip::tcp::acceptor open_tcp_acceptor(const asio::any_io_executor& executor,
                                          const asio::ip::tcp::endpoint& endpoint,
                                          PortClaim claim = PortClaim::join);

/// What one stream listener (TCP, DoT) counts, and its name in log lines.
struct AcceptCounters {
  const char* transport;                   ///< "tcp", "tls"
  std::atomic<std::uint64_t>& accepted;    ///< admitted connections
  std::atomic<std::uint64_t>& rejected;    ///< refused over the connection bounds
  std::atomic<std::uint64_t>& evicted;     ///< open connections closed to admit a fairer newcomer
};

/// Takes an accepted socket, its client's address and the connection slot it holds.
using ServeConnection = std::function<void(asio::ip::tcp::socket, const asio::ip::address&, ConnectionCounter::Slot)>;

/// The accept loop of TCP and DoT: accepts until the acceptor is closed, admits each connection
/// under `services.limits` (in all and per client address, counted in `counters`; with every
/// slot taken, by evicting a connection of the address holding the most) and hands the admitted
/// ones to `serve`; a refused one is closed at once.
asio::awaitable<void> accept_connections(asio::ip::tcp::acceptor& acceptor, StreamServices services,
                                         AcceptCounters counters, ServeConnection serve);

/// Accepts until the acceptor is closed; each connection runs in its own coroutine.
asio::awaitable<void> serve_tcp(asio::ip::tcp::acceptor& acceptor, StreamServices services);

}  // namespace tern::daemon
