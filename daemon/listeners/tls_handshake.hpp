// The TLS handshake of one admitted connection, DoT's or DoH's: bounded by tls-handshake-timeout,
// with the connection's reader running beside it (it takes 0-RTT data as it comes and its writes
// wait for the handshake), counted in the tls.* counters both share.
#pragma once

#include "daemon/listeners/client_coroutine.hpp"
#include "daemon/listeners/tls_context.hpp"
#include "daemon/observe/daemon_stats.hpp"
#include "resolver/log.hpp"

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/steady_timer.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <memory>

namespace tern::daemon {

/// Runs `connection` holding it, so it lives until its run() ends (co_spawn this).
template <typename Connection>
asio::awaitable<void> run_held(std::shared_ptr<Connection> connection) {
  co_await connection->run();
}

/// One TLS connection's handshake, the connection's run() beside it. Holds the context the
/// handshake used, so a reload in between changes nothing for this connection. Connection:
/// stream() (a TlsStream), run(), close(), evicted(), mark_active().
template <typename Connection>
asio::awaitable<void> tls_session([[maybe_unused]] std::shared_ptr<TlsServerContext> context,
                                  std::shared_ptr<Connection> connection, DaemonStats& stats,
                                  std::chrono::milliseconds handshake_timeout) {
  // A client that stalls mid-handshake would hold its slot for ever: the timer closes the
  // socket, which ends the handshake with an error. `state` stops a timer that fired just
  // as the handshake finished from closing a good connection, and counts each failure once.
  enum class Handshake { running, over, timed_out };
  auto state = std::make_shared<Handshake>(Handshake::running);
  asio::steady_timer deadline(connection->stream().get_executor(), handshake_timeout);
  deadline.async_wait([weak = std::weak_ptr<Connection>(connection), state, &stats](asio::error_code ec) {
    if (ec || *state != Handshake::running) return;
    auto c = weak.lock();
    if (!c) return;
    *state = Handshake::timed_out;
    DaemonStats::bump(stats.tls_handshake_timeouts);
    c->close();
  });
  // The connection's reader ends by itself when the handshake fails (its reads fail).
  asio::co_spawn(connection->stream().get_executor(), run_held(connection), CountEscaped(stats, "tls connection"));
  auto ec = co_await connection->stream().handshake();
  if (*state == Handshake::running) *state = Handshake::over;
  deadline.cancel();
  if (ec) {
    // A handshake cut by an eviction is counted as the eviction (tls.evicted), not as a failure.
    if (*state != Handshake::timed_out && !connection->evicted()) DaemonStats::bump(stats.tls_handshake_failures);
    log::debug("tls handshake: {}", ec.message());
    connection->close();
    co_return;
  }
  connection->mark_active();  // the idle timeout counts from the end of the handshake
  if (SSL_session_reused(connection->stream().native_handle())) DaemonStats::bump(stats.tls_resumed);
  if (connection->stream().early_data_accepted()) DaemonStats::bump(stats.tls_early_data_accepted);
}

}  // namespace tern::daemon
