#include "daemon/control/metrics_server.hpp"

#include "resolver/log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

namespace tern::daemon {

namespace {

using asio::ip::tcp;
constexpr auto as_tuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string http_reply(std::string_view status, std::string_view content_type, const std::string& body) {
  std::string out = "HTTP/1.1 ";
  out += status;
  out += "\r\nContent-Type: ";
  out += content_type;
  out += "\r\nContent-Length: " + std::to_string(body.size());
  out += "\r\nConnection: close\r\n\r\n";
  out += body;
  return out;
}

}  // namespace

std::string metrics_http_response(std::string_view head, const std::function<std::string()>& render) {
  const std::size_t line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.substr(sp2 + 1).substr(0, 7) != "HTTP/1.")
    return http_reply("400 Bad Request", "text/plain", "bad request\n");
  const std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (method != "GET" && method != "HEAD")
    return http_reply("405 Method Not Allowed", "text/plain", "only GET\n");
  // A scraper may add a query string; the path is what counts.
  if (target.substr(0, target.find('?')) != "/metrics")
    return http_reply("404 Not Found", "text/plain", "the metrics are at /metrics\n");
  std::string reply = http_reply("200 OK", "text/plain; version=0.0.4; charset=utf-8", render());
  if (method == "HEAD") reply.resize(reply.find("\r\n\r\n") + 4);
  return reply;
}

MetricsServer::MetricsServer(const std::vector<ListenEndpoint>& endpoints, std::function<std::string()> render)
    : render_(std::move(render)) {
  for (const ListenEndpoint& e : endpoints) {
    tcp::endpoint where(e.address, e.port);
    tcp::acceptor acceptor(io_, where.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(where);
    acceptor.listen(64);
    acceptors_.push_back(std::move(acceptor));
  }
}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::start() {
  for (auto& a : acceptors_) asio::co_spawn(io_, accept_loop(a), asio::detached);
  thread_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& e) {
      log::error("metrics thread: {}", e.what());
    }
  });
}

void MetricsServer::stop() {
  if (!thread_.joinable()) return;
  io_.stop();
  thread_.join();
}

asio::awaitable<void> MetricsServer::accept_loop(tcp::acceptor& acceptor) {
  while (true) {
    auto [error, socket] = co_await acceptor.async_accept(as_tuple);
    if (error == asio::error::operation_aborted) co_return;
    if (error) {
      // Out of descriptors and the like: wait a little instead of spinning.
      asio::steady_timer pause(io_, std::chrono::milliseconds(100));
      co_await pause.async_wait(as_tuple);
      continue;
    }
    if (active_ >= max_connections) continue;  // the socket closes as it goes out of scope
    ++active_;
    asio::co_spawn(io_, serve(std::move(socket)), [this](std::exception_ptr) { --active_; });
  }
}

asio::awaitable<void> MetricsServer::serve(tcp::socket accepted) {
  // Shared with the deadline's handler, which may run after this coroutine has ended.
  auto socket = std::make_shared<tcp::socket>(std::move(accepted));
  asio::steady_timer deadline(io_, request_timeout);
  deadline.async_wait([socket](const asio::error_code& e) {
    if (!e) {
      asio::error_code ignored;
      socket->close(ignored);
    }
  });
  asio::streambuf buffer(max_request);
  auto [read_error, n] = co_await asio::async_read_until(*socket, buffer, "\r\n\r\n", as_tuple);
  std::string reply;
  if (read_error == asio::error::not_found) {
    reply = http_reply("431 Request Header Fields Too Large", "text/plain", "request too large\n");
  } else if (read_error) {
    deadline.cancel();
    co_return;
  } else {
    const std::string head(asio::buffers_begin(buffer.data()), asio::buffers_begin(buffer.data()) + n);
    reply = metrics_http_response(head, render_);
  }
  auto [write_error, written] = co_await asio::async_write(*socket, asio::buffer(reply), as_tuple);
  (void)write_error;
  (void)written;
  asio::error_code ignored;
  socket->shutdown(tcp::socket::shutdown_both, ignored);
  deadline.cancel();
}

}  // namespace tern::daemon
