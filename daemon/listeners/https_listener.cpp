#include "daemon/listeners/https_listener.hpp"

#include "daemon/answering/edns_padding.hpp"
#include "daemon/listeners/tcp_listener.hpp"
#include "daemon/listeners/tls_handshake.hpp"
#include "daemon/listeners/tls_stream.hpp"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <array>
#include <memory>

namespace tern::daemon {

namespace {

using asio::ip::tcp;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

/// One DoH connection. Invariant: one reader (run), at most one writer (writing_); the
/// connection lives while any coroutine holds it, and holds its connection slot.
class HttpsConnection : public std::enable_shared_from_this<HttpsConnection> {
 public:
  HttpsConnection(TlsStream stream, const asio::ip::address& client, ConnectionCounter::Slot slot,
                  StreamServices services, const Http2Settings& settings)
      : stream_(std::move(stream)), client_(client), slot_(std::move(slot)), services_(services),
        session_(settings, services.stats,
                 [this](std::int32_t id, std::vector<std::uint8_t> query) { start_answer(id, std::move(query)); }),
        idle_timer_(stream_.get_executor()) {}

  TlsStream& stream() noexcept { return stream_; }
  void mark_active() { slot_.activity().touch(); }
  bool evicted() { return slot_.activity().evicted(); }
  bool is_open() const { return stream_.lowest_layer().is_open(); }

  /// Reads HTTP/2 frames until EOF, an error, a protocol error or the idle timeout.
  asio::awaitable<void> run() {
    auto self = shared_from_this();
    slot_.activity().touch();
    slot_.on_wake([weak = std::weak_ptr<HttpsConnection>(self), executor = stream_.get_executor()] {
      asio::post(executor, [weak] {
        if (auto connection = weak.lock()) connection->idle_timer_.cancel();
      });
    });
    asio::co_spawn(stream_.get_executor(), watch_idle(self), CountEscaped(services_.stats, "https idle watch"));
    // The server's SETTINGS, sent once the handshake is over: on its own coroutine, so that
    // this one reads early data meanwhile.
    asio::co_spawn(stream_.get_executor(), send_held(self), CountEscaped(services_.stats, "https send"));
    std::array<std::uint8_t, 16384> buffer;
    while (is_open()) {
      std::size_t got = 0;
      bool early = false;
      if (auto ec = co_await stream_.read_some(asio::buffer(buffer), got, early)) break;
      slot_.activity().touch();
      const bool good = session_.receive(std::span(buffer.data(), got), early);
      co_await send(self);
      if (!good || session_.finished()) break;
    }
    close();
  }

  void close() {
    if (!is_open()) return;
    asio::error_code ignored;
    stream_.lowest_layer().shutdown(asio::socket_base::shutdown_both, ignored);
    stream_.lowest_layer().close(ignored);
    idle_timer_.cancel();
  }

 private:
  /// Called by the session inside receive(): resolves on its own coroutine.
  void start_answer(std::int32_t id, std::vector<std::uint8_t> query) {
    slot_.activity().query_started();
    asio::co_spawn(stream_.get_executor(), answer(shared_from_this(), id, std::move(query)),
                   CountEscaped(services_.stats, "https query"));
  }

  static asio::awaitable<void> answer(std::shared_ptr<HttpsConnection> self, std::int32_t id,
                                      std::vector<std::uint8_t> query) {
    ActiveQueries::Guard guard(self->services_.active);
    const bool pad = query_asks_for_padding(query);  // RFC 8467: HTTPS is encrypted, as DoT
    // handle() never throws: its catch-all turns an exception into SERVFAIL for this client.
    auto response = co_await self->services_.handler.handle(std::move(query), self->client_, ClientTransport::https);
    self->slot_.activity().query_finished();
    self->slot_.activity().touch();
    if (!self->is_open()) co_return;
    if (response && pad) pad_response(*response, padding_block_size);
    // A query the handler drops (a response sent to us, an ACL's deny) still ends its stream.
    if (response) self->session_.respond(id, std::move(*response));
    else self->session_.respond_status(id, DohStatus::bad_request);
    co_await self->send(self);
  }

  static asio::awaitable<void> send_held(std::shared_ptr<HttpsConnection> self) { co_await self->send(self); }

  /// Writes what the session has to send, until it has nothing; one writer at a time (a
  /// second caller leaves it to the first, which loops).
  asio::awaitable<void> send([[maybe_unused]] std::shared_ptr<HttpsConnection> self) {  // self: keeps this alive
    if (writing_) co_return;
    writing_ = true;
    while (is_open()) {
      std::vector<std::vector<std::uint8_t>> out = session_.take_output();
      if (out.empty()) break;
      if (auto ec = co_await stream_.write_records(out)) {
        close();
        break;
      }
      slot_.activity().touch();
    }
    writing_ = false;
    if (session_.finished()) close();
  }

  std::chrono::milliseconds idle_timeout_now() const {
    const StreamLimits& limits = services_.limits;
    const unsigned open = limits.open_connections ? limits.open_connections->open() : 0;
    return idle_timeout_under_pressure(limits.idle_timeout, pressure_level(open, limits.max_connections));
  }

  /// As StreamConnection's: idle means nothing read or written for the timeout in force and
  /// no query being answered (an answer waiting for a client that does not open its flow-
  /// control window is idle: the slow-read attack ends here).
  static asio::awaitable<void> watch_idle(std::shared_ptr<HttpsConnection> self) {
    ConnectionActivity& activity = self->slot_.activity();
    while (self->is_open()) {
      if (activity.evicted()) {
        self->close();
        break;
      }
      const auto timeout = self->idle_timeout_now();
      const auto now = std::chrono::steady_clock::now();
      const auto idle_since = activity.last_activity();
      auto wake_at = idle_since + timeout;
      if (now >= wake_at) {
        if (self->session_.resolving() == 0 && !self->stream_.handshaking()) {
          const bool only_under_pressure = now < idle_since + self->services_.limits.idle_timeout;
          DaemonStats::bump(only_under_pressure ? self->services_.stats.tcp_pressure_closed
                                                : self->services_.stats.tcp_idle_closed);
          self->close();
          break;
        }
        wake_at = now + timeout;
      }
      self->idle_timer_.expires_at(wake_at);
      co_await self->idle_timer_.async_wait(use_tuple);
    }
  }

  TlsStream stream_;
  asio::ip::address client_;
  ConnectionCounter::Slot slot_;
  StreamServices services_;
  Http2Session session_;
  asio::steady_timer idle_timer_;
  bool writing_ = false;
};

}  // namespace

asio::awaitable<void> serve_https(tcp::acceptor& acceptor, const TlsContextStore& contexts, StreamServices services,
                                  const std::chrono::milliseconds& handshake_timeout, const Http2Settings& settings) {
  co_await accept_connections(
      acceptor, services, {"https", services.stats.tls_accepted, services.stats.tls_rejected, services.stats.tls_evicted},
      [&](tcp::socket socket, const asio::ip::address& client, ConnectionCounter::Slot slot) {
        // HTTP/2 answers leave as several small writes (HEADERS and DATA, WINDOW_UPDATE, SETTINGS
        // acks): with Nagle's algorithm each would wait for the client's delayed ACK (40 ms).
        asio::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto context = contexts.current();
        TlsStream stream(std::move(socket), context->ssl.native_handle());
        set_listener_alpn(stream.native_handle(), TlsAlpn::h2);
        auto connection = std::make_shared<HttpsConnection>(std::move(stream), client, std::move(slot), services, settings);
        asio::co_spawn(acceptor.get_executor(),
                       tls_session(std::move(context), std::move(connection), services.stats, handshake_timeout),
                       CountEscaped(services.stats, "https handshake"));
      });
}

}  // namespace tern::daemon
