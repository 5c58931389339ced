#include "daemon/control/status_server.hpp"

#include "daemon/config/access_control.hpp"
#include "daemon/control/status_limits.hpp"
#include "resolver/log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <charconv>

namespace tern::daemon {

namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
namespace limits = status_limits;
constexpr auto as_tuple = asio::experimental::as_tuple(asio::use_awaitable);

/// The page may run its own inline script and style and talk to this server only: a
/// browser then fetches nothing from elsewhere even if some data were to look like markup.
constexpr std::string_view page_headers =
    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
    "Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:\r\n";

constexpr std::string_view stream_head =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\n"
    "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n";

void close(const std::shared_ptr<tcp::socket>& socket) {
  asio::error_code ignored;
  socket->shutdown(tcp::socket::shutdown_both, ignored);
  socket->close(ignored);
}

/// Counts a stream while its coroutine runs (the count is an int of the server: its frame
/// may be destroyed with the io_context, never after the server).
struct StreamCount {
  unsigned& count;
  explicit StreamCount(unsigned& c) : count(c) { ++count; }
  ~StreamCount() { --count; }
  StreamCount(const StreamCount&) = delete;
  StreamCount& operator=(const StreamCount&) = delete;
};

}  // namespace

std::string http_reply(std::string_view status, std::string_view content_type, std::string_view body, bool head_only,
                       std::string_view extra_headers) {
  std::string out = "HTTP/1.1 ";
  out += status;
  out += "\r\nContent-Type: ";
  out += content_type;
  out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  out += extra_headers;
  out += "Connection: close\r\n\r\n";
  if (!head_only) out += body;
  return out;
}

StatusServer::StatusServer(const std::vector<ListenEndpoint>& endpoints, std::vector<AclRule> access,
                           ControlContext& context)
    : access_(std::move(access)), sampler_(context), ring_(limits::ring_events) {
  for (const ListenEndpoint& e : endpoints) {
    tcp::endpoint where(e.address, e.port);
    tcp::acceptor acceptor(io_, where.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(where);
    acceptor.listen(64);
    acceptors_.push_back(std::move(acceptor));
  }
}

StatusServer::~StatusServer() { stop(); }

void StatusServer::start() {
  asio::co_spawn(io_, sample_loop(), asio::detached);
  for (auto& a : acceptors_) asio::co_spawn(io_, accept_loop(a), asio::detached);
  thread_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& e) {
      log::error("status page thread: {}", e.what());
    }
  });
}

void StatusServer::stop() {
  if (!thread_.joinable()) return;
  io_.stop();
  thread_.join();
}

asio::awaitable<void> StatusServer::sample_loop() {
  asio::steady_timer tick(io_);
  auto next = Clock::now();
  while (true) {
    for (StatusEvent& e : sampler_.sample()) ring_.push(e.kind, e.data);
    for (asio::steady_timer* t : waiting_) t->cancel();
    next += limits::sample_interval;
    // Behind (the machine was suspended, say): the next sample now, not a burst of them.
    if (next < Clock::now()) next = Clock::now();
    tick.expires_at(next);
    auto [error] = co_await tick.async_wait(as_tuple);
    if (error == asio::error::operation_aborted) co_return;
  }
}

asio::awaitable<void> StatusServer::accept_loop(tcp::acceptor& acceptor) {
  while (true) {
    auto [error, socket] = co_await acceptor.async_accept(as_tuple);
    if (error == asio::error::operation_aborted) co_return;
    if (error) {
      asio::steady_timer pause(io_, std::chrono::milliseconds(100));  // out of descriptors: no spin
      co_await pause.async_wait(as_tuple);
      continue;
    }
    if (connections_ >= limits::max_connections) continue;  // closed as it goes out of scope
    ++connections_;
    asio::co_spawn(io_, serve(std::move(socket)), [this](std::exception_ptr) { --connections_; });
  }
}

asio::awaitable<bool> StatusServer::write_within(socket_ptr socket, std::string_view data) {
  asio::steady_timer deadline(io_, limits::write_timeout);
  deadline.async_wait([socket](const asio::error_code& e) {
    if (!e) close(socket);  // a client that does not read is dropped, not waited for
  });
  auto [error, written] = co_await asio::async_write(*socket, asio::buffer(data), as_tuple);
  (void)written;
  deadline.cancel();
  co_return !error;
}

asio::awaitable<void> StatusServer::serve(tcp::socket accepted) {
  auto socket = std::make_shared<tcp::socket>(std::move(accepted));
  asio::error_code peer_error;
  const tcp::endpoint peer = socket->remote_endpoint(peer_error);
  if (peer_error) co_return;
  const AclAction action = decide_access(access_, peer.address());
  if (action == AclAction::deny) co_return;  // closed without a word
  if (action == AclAction::refuse) {
    co_await write_within(socket, http_reply("403 Forbidden", "text/plain", "http-access-control refuses this address\n"));
    close(socket);
    co_return;
  }
  asio::steady_timer deadline(io_, limits::request_timeout);
  deadline.async_wait([socket](const asio::error_code& e) {
    if (!e) close(socket);
  });
  asio::streambuf buffer(limits::max_request);
  auto [read_error, n] = co_await asio::async_read_until(*socket, buffer, "\r\n\r\n", as_tuple);
  deadline.cancel();
  std::string reply;
  if (read_error == asio::error::not_found) {
    reply = http_reply("431 Request Header Fields Too Large", "text/plain", "request too large\n");
  } else if (read_error) {
    co_return;
  } else {
    const std::string head(asio::buffers_begin(buffer.data()), asio::buffers_begin(buffer.data()) + n);
    const std::optional<HttpRequest> request = parse_http_request(head);
    if (!request) {
      reply = http_reply("400 Bad Request", "text/plain", "bad request\n");
    } else if (request->method != "GET" && request->method != "HEAD") {
      reply = http_reply("405 Method Not Allowed", "text/plain", "only GET and HEAD: the page changes nothing\n",
                         false, "Allow: GET, HEAD\r\n");
    } else if (request->path == "/events" && request->method == "GET") {
      co_await stream(socket, *request);
      close(socket);
      co_return;
    } else {
      reply = respond(*request);
    }
  }
  co_await write_within(socket, reply);
  close(socket);
}

std::string StatusServer::respond(const HttpRequest& request) {
  const bool head = request.method == "HEAD";
  if (request.path == "/" || request.path == "/index.html") {
    // The page comes with the last events in it, so that it shows them as soon as it loads
    // (and a headless browser's dump of it does); its stream then resumes after them.
    std::string backlog;
    for (std::uint64_t id = ring_.resume_from(std::nullopt, limits::backfill_events); id < ring_.next_id(); ++id)
      backlog += ring_.text(id);
    std::string initial = json_string(backlog);
    for (std::size_t at = 0; (at = initial.find("</", at)) != std::string::npos; at += 3) initial.replace(at, 2, "<\\/");
    std::string page = status_page_html;
    const std::string marker = "\"__INITIAL_EVENTS__\"";
    if (const std::size_t at = page.find(marker); at != std::string::npos) page.replace(at, marker.size(), initial);
    return http_reply("200 OK", "text/html; charset=utf-8", page, head, page_headers);
  }
  if (request.path == "/events") return std::string(stream_head);  // HEAD: the headers alone
  if (request.path == "/watch") {
    const std::optional<std::string> name = request.param("name");
    if (!name) return http_reply("400 Bad Request", "text/plain", "/watch needs name=NAME (and type=TYPE, default A)\n");
    const std::string type = request.param("type").value_or("A");
    std::string error;
    // HEAD asks whether the pin would be taken, without taking it.
    if (!sampler_.pin(*name, type, error, !head))
      return http_reply("400 Bad Request", "text/plain", error + "\n");
    return http_reply("200 OK", "text/plain", "pinned " + *name + " " + type + "\n", head);
  }
  return http_reply("404 Not Found", "text/plain", "not here: the page is /, its events /events, pins /watch\n", head);
}

asio::awaitable<void> StatusServer::stream(socket_ptr socket, const HttpRequest& request) {
  if (streams_ >= limits::max_streams) {
    co_await write_within(socket, http_reply("503 Service Unavailable", "text/plain",
                                             "too many event streams open; try again later\n", false,
                                             "Retry-After: 5\r\n"));
    co_return;
  }
  StreamCount counted(streams_);
  // retry: how long a browser waits before it reconnects (with Last-Event-ID) when cut off.
  if (!co_await write_within(socket, std::string(stream_head) + "retry: 2000\n\n")) co_return;
  // Last-Event-ID, or (the page's first connection, after the events it came with) the
  // same number as ?last_event_id=N.
  std::optional<std::uint64_t> last_seen = request.last_event_id;
  if (const auto q = request.param("last_event_id"); q && !last_seen) {
    std::uint64_t id = 0;
    auto [ptr, ec] = std::from_chars(q->data(), q->data() + q->size(), id);
    if (ec == std::errc() && ptr == q->data() + q->size() && !q->empty()) last_seen = id;
  }
  std::uint64_t next = ring_.resume_from(last_seen, limits::backfill_events);
  auto heartbeat_due = Clock::now() + limits::heartbeat_interval;
  asio::steady_timer wake(io_);
  while (true) {
    std::string out;
    if (next < ring_.oldest_id()) {
      // Cannot happen while writes keep up (each is bounded by write_timeout), but say so if it does.
      out += ": " + std::to_string(ring_.oldest_id() - next) + " events were lost: no longer in the ring\n\n";
      next = ring_.oldest_id();
    }
    while (next < ring_.next_id()) out += ring_.text(next++);
    if (Clock::now() >= heartbeat_due) {
      out += ": heartbeat\n\n";  // a comment: keeps proxies from closing an idle stream
      heartbeat_due = Clock::now() + limits::heartbeat_interval;
    }
    if (!out.empty() && !co_await write_within(socket, out)) co_return;
    wake.expires_at(heartbeat_due);
    auto waiting = waiting_.insert(waiting_.end(), &wake);
    co_await wake.async_wait(as_tuple);  // cancelled by the sampler: new events
    waiting_.erase(waiting);
  }
}

}  // namespace tern::daemon
