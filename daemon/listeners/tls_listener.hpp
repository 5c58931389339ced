// DNS over TLS (RFC 7858): accepts on tls-listen, admits under tls-max-connections (in all and
// per client address), runs the TLS handshake under tls-handshake-timeout, then serves the
// connection with the same framing and pipelining as TCP (StreamConnection).
#pragma once

#include "daemon/listeners/stream_connection.hpp"
#include "daemon/listeners/tls_context.hpp"

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

namespace tern::daemon {

/// Accepts until the acceptor is closed. `contexts` outlives the worker (SharedState).
/// `handshake_timeout` is read for every handshake (reload changes it).
asio::awaitable<void> serve_tls(asio::ip::tcp::acceptor& acceptor, const TlsContextStore& contexts,
                                StreamServices services, const std::chrono::milliseconds& handshake_timeout);

}  // namespace tern::daemon
