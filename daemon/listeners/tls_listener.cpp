#include "daemon/listeners/tls_listener.hpp"

#include "daemon/listeners/tcp_listener.hpp"
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

/// One DoT connection: the handshake, bounded in time, with the DNS stream running beside it
/// (it reads 0-RTT queries as they come and waits for the handshake to write). Holds the
/// context the handshake used, so a reload in between changes nothing for this connection.
asio::awaitable<void> tls_session([[maybe_unused]] std::shared_ptr<TlsServerContext> context, std::shared_ptr<TlsConnection> connection,
                                  StreamServices services, std::chrono::milliseconds handshake_timeout) {
  // A client that stalls mid-handshake would hold its slot for ever: the timer closes the
  // socket, which ends the handshake with an error. `state` stops a timer that fired just
  // as the handshake finished from closing a good connection, and counts each failure once.
  enum class Handshake { running, over, timed_out };
  auto state = std::make_shared<Handshake>(Handshake::running);
  asio::steady_timer deadline(connection->stream().get_executor(), handshake_timeout);
  deadline.async_wait([weak = std::weak_ptr<TlsConnection>(connection), state, &stats = services.stats](asio::error_code ec) {
    if (ec || *state != Handshake::running) return;
    auto c = weak.lock();
    if (!c) return;
    *state = Handshake::timed_out;
    DaemonStats::bump(stats.tls_handshake_timeouts);
    c->close();
  });
  // The DNS stream ends by itself when the handshake fails (its reads fail).
  asio::co_spawn(connection->stream().get_executor(), run_connection(connection),
                 CountEscaped(services.stats, "tls connection"));
  auto ec = co_await connection->stream().handshake();
  if (*state == Handshake::running) *state = Handshake::over;
  deadline.cancel();
  if (ec) {
    // A handshake cut by an eviction is counted as the eviction (tls.evicted), not as a failure.
    if (*state != Handshake::timed_out && !connection->evicted())
      DaemonStats::bump(services.stats.tls_handshake_failures);
    log::debug("tls handshake: {}", ec.message());
    connection->close();
    co_return;
  }
  connection->mark_active();  // the idle timeout counts from the end of the handshake
  if (SSL_session_reused(connection->stream().native_handle())) DaemonStats::bump(services.stats.tls_resumed);
  if (connection->stream().early_data_accepted()) DaemonStats::bump(services.stats.tls_early_data_accepted);
}

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
                       tls_session(std::move(context), std::move(connection), services, handshake_timeout),
                       CountEscaped(services.stats, "tls handshake"));
      });
}

}  // namespace tern::daemon
