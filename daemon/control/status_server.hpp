// The live status page (http-listen, issue 22): a small HTTP/1.1 server on its own thread and
// io_context, like the metrics endpoint's, serving
//   GET /        the page (status_page.html, built into ternd),
//   GET /events  a server-sent event stream of StatusSampler's events, from an EventRing,
//   GET /watch?name=NAME&type=TYPE  pins a name for the page.
// Workers never wait on it: the sampler reads their counters on this thread, and a stream
// that cannot take its events is dropped. Bounds: status_limits.hpp.
#pragma once

#include "daemon/config/config.hpp"
#include "daemon/control/event_ring.hpp"
#include "daemon/control/http_request.hpp"
#include "daemon/control/status_sampler.hpp"

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <list>
#include <string>
#include <thread>
#include <vector>

namespace tern::daemon {

/// The page, built into ternd from status_page.html (embed_text.py).
extern const char status_page_html[];

/// A reply that is not a stream: the whole response, then the connection closes.
std::string http_reply(std::string_view status, std::string_view content_type, std::string_view body,
                       bool head_only = false, std::string_view extra_headers = {});

class StatusServer {
 public:
  /// Binds every endpoint now (as root, before the privilege drop); throws std::system_error.
  StatusServer(const std::vector<ListenEndpoint>& endpoints, std::vector<AclRule> access, ControlContext& context);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  void start();
  void stop();

 private:
  using socket_ptr = std::shared_ptr<asio::ip::tcp::socket>;

  asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor);
  asio::awaitable<void> sample_loop();
  asio::awaitable<void> serve(asio::ip::tcp::socket socket);
  asio::awaitable<void> stream(socket_ptr socket, const HttpRequest& request);
  /// The reply to a request that is not a stream.
  std::string respond(const HttpRequest& request);
  /// Writes all of `data` within write_timeout; false when the client is gone or too slow.
  asio::awaitable<bool> write_within(socket_ptr socket, std::string_view data);

  asio::io_context io_{1};  ///< run by thread_ only; everything below is used on it alone
  std::vector<asio::ip::tcp::acceptor> acceptors_;
  std::vector<AclRule> access_;
  StatusSampler sampler_;
  EventRing ring_;
  std::list<asio::steady_timer*> waiting_;  ///< streams waiting for an event: cancelled to wake them
  unsigned connections_ = 0;               ///< <= status_limits::max_connections
  unsigned streams_ = 0;                   ///< <= status_limits::max_streams
  std::thread thread_;
};

}  // namespace tern::daemon
