// DNS over HTTPS (RFC 8484) on HTTP/2: accepts on https-listen under the DoT connection bounds
// (tls-max-connections and its per-client bound, the same counter), runs the TLS handshake with
// the DoT context (ALPN "h2"), then serves HTTP/2 streams (http2_session.hpp), each query
// answered by the query handler every transport uses.
#pragma once

#include "daemon/listeners/http2_session.hpp"
#include "daemon/listeners/stream_connection.hpp"
#include "daemon/listeners/tls_context.hpp"

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>

namespace tern::daemon {

/// Accepts until the acceptor is closed. `contexts` outlives the worker (SharedState);
/// `handshake_timeout` and `settings` are read for every connection (reload changes them).
/// `services.limits` are the DoT limits (shared bounds).
asio::awaitable<void> serve_https(asio::ip::tcp::acceptor& acceptor, const TlsContextStore& contexts,
                                  StreamServices services, const std::chrono::milliseconds& handshake_timeout,
                                  const Http2Settings& settings);

}  // namespace tern::daemon
