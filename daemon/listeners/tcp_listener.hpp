// DNS over TCP (RFC 7766): the acceptor and its admission (a bound on open connections across
// all workers and per client address); the connections themselves are StreamConnection, shared
// with DNS over TLS.
#pragma once

#include "daemon/listeners/stream_connection.hpp"

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

namespace tern::daemon {

asio::ip::tcp::acceptor open_tcp_acceptor(const asio::any_io_executor& executor,
                                          const asio::ip::tcp::endpoint& endpoint);

/// The peer's address of an accepted socket; unspecified when the peer already left.
asio::ip::address peer_address(const asio::ip::tcp::socket& socket);

/// Admits a connection from `client` under `limits`, counting a refusal in `rejected`.
std::optional<ConnectionCounter::Slot> admit(const StreamLimits& limits, const asio::ip::address& client,
                                             std::atomic<std::uint64_t>& rejected);

/// Accepts until the acceptor is closed; each connection runs in its own coroutine.
asio::awaitable<void> serve_tcp(asio::ip::tcp::acceptor& acceptor, StreamServices services);

}  // namespace tern::daemon
