// The server side of the control socket (control_protocol.hpp): its own thread and io_context,
// so that a slow command (a cache dump) never delays queries, and a busy worker never delays
// ternctl. Commands run one at a time on that thread; what they touch is thread-safe (sharded
// caches, atomic counters, kill(2)).
#pragma once

#include "daemon/control/control_protocol.hpp"

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>

#include <sys/types.h>

#include <chrono>

#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tern::daemon {

/// Runs one command; called on the control thread only. An exception is answered "status 1".
using ControlExecutor = std::function<ControlReply(const std::vector<std::string>& words)>;
/// The same, also told who sent the request (for the log: "ternctl stop" says who asked).
using PeerControlExecutor =
    std::function<ControlReply(const std::vector<std::string>& words, const ControlPeer& peer)>;

/// Prepares the socket's place: creates missing parent directories (mode 0755) and removes a
/// leftover socket file that no process accepts on. Throws std::runtime_error with the reason
/// when the path is taken by something else: a live daemon, or a file that is not a socket.
void prepare_control_path(const std::string& path);

/// True when a process accepts connections on the unix socket at `path`.
bool control_socket_answers(const std::string& path);

class ControlServer {
 public:
  /// Connections served at once; more (as many again) are answered "status 1" without being
  /// read, and beyond that closed without a word.
  static constexpr unsigned max_connections = 16;
  /// How long writing a reply may take before the connection is dropped.
  static constexpr std::chrono::seconds write_timeout{30};
  /// How long input after the request line is read away before the connection is closed.
  static constexpr std::chrono::seconds drain_timeout{1};

  ControlServer(std::string path, PeerControlExecutor executor);
  ControlServer(std::string path, ControlExecutor executor);
  /// Calls stop().
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  /// Binds the socket (mode 0600), listens and starts the thread. On failure logs the error,
  /// leaves nothing behind and returns false (error() says why); the daemon runs on without.
  bool start();
  /// Closes the acceptor, lets replies being written finish (up to one second), removes the
  /// socket file if it is still the one bound, joins the thread. Idempotent.
  void stop();

  const std::string& path() const noexcept { return path_; }
  const std::string& error() const noexcept { return error_; }

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(asio::local::stream_protocol::socket socket, bool refuse);
  /// Reads the request line and runs it; nullopt when the client went away.
  asio::awaitable<std::optional<ControlReply>> receive(
      asio::local::stream_protocol::socket& socket);
  /// Writes the reply, then reads away the client's leftovers (until EOF or drain_timeout).
  asio::awaitable<void> respond(asio::local::stream_protocol::socket& socket,
                                const ControlReply& reply);
  asio::awaitable<void> shut_down();
  ControlReply run_command(const std::string& line, const ControlPeer& peer);

  std::string path_;
  PeerControlExecutor executor_;
  std::string error_;
  asio::io_context io_{1};
  asio::local::stream_protocol::acceptor acceptor_{io_};
  unsigned active_ = 0;        ///< connections being served; touched on the control thread only
  unsigned refusing_ = 0;      ///< connections being told "too many"; control thread only
  dev_t bound_device_ = 0;     ///< identity of the socket file bound, so stop() removes only it
  ino_t bound_inode_ = 0;
  bool bound_ = false;
  std::thread thread_;
};

}  // namespace tern::daemon
