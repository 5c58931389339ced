#include "daemon/listeners/tls_listener.hpp"

#include "daemon/listeners/tcp_listener.hpp"
#include "daemon/listeners/tls_handshake.hpp"
#include "daemon/listeners/tls_stream.hpp"
#include "resolver/log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <memory>

namespace tern::daemon {

namespace {

using asio::ip::tcp;
using TlsConnection = StreamConnection<TlsStream>;

}  // namespace

asio::awaitable<void> serve_tls(tcp::acceptor& acceptor, const TlsContextStore& contexts, StreamServices services,
                                const std::chrono::milliseconds& handshake_timeout) {
  co_await accept_connections(
      acceptor, services, {"tls", services.stats.tls_accepted, services.stats.tls_rejected, services.stats.tls_evicted},
      [&](tcp::socket socket, const asio::ip::address& client, ConnectionCounter::Slot slot) {
        auto context = contexts.current();
        auto connection = std::make_shared<TlsConnection>(TlsStream(std::move(socket), context->ssl.native_handle()),
                                                          client, std::move(slot), services, ClientTransport::tls);
        asio::co_spawn(acceptor.get_executor(),
                       tls_session(std::move(context), std::move(connection), services.stats, handshake_timeout),
                       CountEscaped(services.stats, "tls handshake"));
      });
}

}  // namespace tern::daemon
