// The metrics endpoint (metrics-listen): a minimal HTTP/1.1 server on its own thread and
// io_context that answers GET /metrics with render_metrics() and closes the connection.
// Built for Prometheus scrapers, not browsers: no keep-alive, no chunking, small bounded
// requests; a slow or hostile client is cut off by a deadline and a connection limit.
#pragma once

#include "daemon/config/config.hpp"

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace tern::daemon {

class MetricsServer {
 public:
  static constexpr std::size_t max_request = 8192;            ///< request line + headers
  static constexpr unsigned max_connections = 16;             ///< more are closed at once
  static constexpr std::chrono::seconds request_timeout{5};   ///< to read the request and reply

  /// Binds every endpoint now (as root, before the privilege drop); throws
  /// std::system_error naming none (the caller says which).
  MetricsServer(const std::vector<ListenEndpoint>& endpoints, std::function<std::string()> render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  void start();
  void stop();

 private:
  asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor);
  asio::awaitable<void> serve(asio::ip::tcp::socket socket);

  std::function<std::string()> render_;          ///< the body of a 200; called on the metrics thread
  asio::io_context io_{1};                        ///< run by thread_ only
  std::vector<asio::ip::tcp::acceptor> acceptors_; ///< one per endpoint, bound by the constructor
  unsigned active_ = 0;                           ///< connections being served (<= max_connections)
  std::thread thread_;                            ///< joinable between start() and stop()
};

/// The HTTP response for one request head ("GET /metrics HTTP/1.1\r\n..."): 200 with the
/// metrics, 404 for another path, 405 for another method, 400 for anything unreadable.
std::string metrics_http_response(std::string_view request_head, const std::function<std::string()>& render);

}  // namespace tern::daemon
