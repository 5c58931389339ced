#include "daemon/tcp_listener.hpp"

#include "resolver/log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <deque>
#include <memory>

namespace tern::daemon {

using asio::ip::tcp;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

tcp::acceptor open_tcp_acceptor(const asio::any_io_executor& executor, const tcp::endpoint& endpoint) {
  tcp::acceptor acceptor(executor);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
  if (endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor;
}

namespace {

/// One client connection. Invariant: at most one write in progress (writing_), responses
/// queue in outbox_ in completion order; the connection lives while any coroutine holds it.
class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  TcpConnection(tcp::socket socket, QueryHandler& handler, ActiveQueries& active,
                const TcpLimits& limits, DaemonStats& stats)
      : socket_(std::move(socket)), handler_(handler), active_(active), limits_(limits),
        stats_(stats), idle_timer_(socket_.get_executor()), slot_timer_(socket_.get_executor()) {
    asio::error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    client_ = ec ? asio::ip::address() : peer.address();
  }

  asio::awaitable<void> run() {
    auto self = shared_from_this();
    asio::co_spawn(socket_.get_executor(), watch_idle(self), asio::detached);
    while (socket_.is_open()) {
      while (pending_ >= max_pipelined_per_connection && socket_.is_open()) {
        slot_timer_.expires_at(asio::steady_timer::time_point::max());
        co_await slot_timer_.async_wait(use_tuple);  // cancelled when a query completes
      }
      std::array<std::uint8_t, 2> prefix;
      auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(prefix), use_tuple);
      if (ec) break;
      std::size_t length = static_cast<std::size_t>(prefix[0] << 8 | prefix[1]);
      if (length == 0) {
        DaemonStats::bump(stats_.tcp_bad_frames);  // nothing to answer: the stream is broken
        break;
      }
      std::vector<std::uint8_t> packet(length);
      auto [body_ec, m] = co_await asio::async_read(socket_, asio::buffer(packet), use_tuple);
      if (body_ec) break;
      last_activity_ = std::chrono::steady_clock::now();
      ++pending_;
      asio::co_spawn(socket_.get_executor(), answer(self, std::move(packet)), asio::detached);
    }
    // Reading is over (EOF, error, idle); answers already being worked on still go out.
    reading_done_ = true;
    close_if_finished();
  }

 private:
  static asio::awaitable<void> answer(std::shared_ptr<TcpConnection> self, std::vector<std::uint8_t> packet) {
    ActiveQueries::Guard guard(self->active_);
    auto response = co_await self->handler_.handle(std::move(packet), self->client_, ClientTransport::tcp);
    --self->pending_;
    self->slot_timer_.cancel();
    self->last_activity_ = std::chrono::steady_clock::now();
    if (response && response->size() <= 65535) {
      std::vector<std::uint8_t> frame(2 + response->size());
      frame[0] = static_cast<std::uint8_t>(response->size() >> 8);
      frame[1] = static_cast<std::uint8_t>(response->size() & 0xff);
      std::copy(response->begin(), response->end(), frame.begin() + 2);
      self->outbox_.push_back(std::move(frame));
      if (!self->writing_) co_await self->drain_outbox();
    }
    self->close_if_finished();
  }

  asio::awaitable<void> drain_outbox() {
    writing_ = true;
    while (!outbox_.empty() && socket_.is_open()) {
      std::vector<std::uint8_t> frame = std::move(outbox_.front());
      outbox_.pop_front();
      auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(frame), use_tuple);
      if (ec) close();
    }
    writing_ = false;
  }

  /// RFC 7766 §6.2.3: close a connection that has been idle (nothing pending, nothing read).
  static asio::awaitable<void> watch_idle(std::shared_ptr<TcpConnection> self) {
    auto next_check = self->last_activity_ + self->limits_.idle_timeout;
    while (self->socket_.is_open()) {
      self->idle_timer_.expires_at(next_check);
      co_await self->idle_timer_.async_wait(use_tuple);
      if (!self->socket_.is_open()) break;
      const auto now = std::chrono::steady_clock::now();
      const auto idle_deadline = self->last_activity_ + self->limits_.idle_timeout;
      if (now < idle_deadline) {
        next_check = idle_deadline;
      } else if (self->pending_ == 0) {
        DaemonStats::bump(self->stats_.tcp_idle_closed);
        self->close();
      } else {
        // Not idle: queries are in progress. Re-arming at the expired deadline would complete
        // at once and spin this loop until they finish; the answer moves last_activity_ on.
        next_check = now + self->limits_.idle_timeout;
      }
    }
  }

  void close_if_finished() {
    if (reading_done_ && pending_ == 0 && !writing_) close();
  }

  void close() {
    if (!socket_.is_open()) return;
    asio::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    idle_timer_.cancel();
    slot_timer_.cancel();
  }

 public:
  ~TcpConnection() { limits_.open_connections->fetch_sub(1, std::memory_order_relaxed); }

 private:
  tcp::socket socket_;
  QueryHandler& handler_;
  ActiveQueries& active_;
  const TcpLimits& limits_;
  DaemonStats& stats_;
  asio::ip::address client_;
  asio::steady_timer idle_timer_;
  asio::steady_timer slot_timer_;
  std::chrono::steady_clock::time_point last_activity_ = std::chrono::steady_clock::now();
  unsigned pending_ = 0;  ///< queries read and not yet answered
  bool writing_ = false;
  bool reading_done_ = false;
  std::deque<std::vector<std::uint8_t>> outbox_;
};

}  // namespace

asio::awaitable<void> serve_tcp(tcp::acceptor& acceptor, QueryHandler& handler, ActiveQueries& active,
                                const TcpLimits& limits, DaemonStats& stats) {
  while (true) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
    if (ec) {
      log::debug("tcp accept: {}", ec.message());
      continue;
    }
    if (limits.open_connections->fetch_add(1, std::memory_order_relaxed) >= limits.max_connections) {
      limits.open_connections->fetch_sub(1, std::memory_order_relaxed);
      DaemonStats::bump(stats.tcp_rejected);
      asio::error_code ignored;
      socket.close(ignored);
      continue;
    }
    DaemonStats::bump(stats.tcp_accepted);
    auto connection = std::make_shared<TcpConnection>(std::move(socket), handler, active, limits, stats);
    asio::co_spawn(acceptor.get_executor(), connection->run(), asio::detached);
  }
}

}  // namespace tern::daemon
