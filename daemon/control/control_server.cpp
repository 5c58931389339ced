#include "daemon/control/control_server.hpp"

#include "resolver/log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/post.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace tern::daemon {

namespace {

using asio::local::stream_protocol;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string errno_text(int error) { return std::generic_category().message(error); }

/// mkdir -p with mode 0755 for the directories it creates (whatever the umask); existing
/// directories are left as they are.
void create_parents(const std::filesystem::path& dir) {
  if (dir.empty() || dir == dir.root_path()) return;
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      throw std::runtime_error("'" + dir.string() + "' is not a directory");
    }
    return;
  }
  create_parents(dir.parent_path());
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    throw std::runtime_error("cannot create directory '" + dir.string() + "': " +
                             errno_text(errno));
  }
  ::chmod(dir.c_str(), 0755);
}

}  // namespace

bool control_socket_answers(const std::string& path) {
  sockaddr_un address{};
  if (path.size() >= sizeof address.sun_path) return false;
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool answers = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return answers;
}

void prepare_control_path(const std::string& path) {
  namespace fs = std::filesystem;
  create_parents(fs::path(path).parent_path());
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw std::runtime_error("cannot inspect '" + path + "': " + errno_text(errno));
  }
  if (!S_ISSOCK(st.st_mode)) {
    throw std::runtime_error("'" + path + "' exists and is not a socket; not removing it");
  }
  // A socket file outlives a daemon that was killed; one that still accepts is a running
  // daemon whose control channel must not be stolen.
  if (control_socket_answers(path)) {
    throw std::runtime_error("a process already accepts on '" + path +
                             "' (is another ternd running?)");
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    throw std::runtime_error("cannot remove the stale socket '" + path + "': " +
                             errno_text(errno));
  }
}

ControlServer::ControlServer(std::string path, PeerControlExecutor executor)
    : path_(std::move(path)), executor_(std::move(executor)) {}

ControlServer::ControlServer(std::string path, ControlExecutor executor)
    : ControlServer(std::move(path), [executor = std::move(executor)](const std::vector<std::string>& words,
                                                                       const ControlPeer&) { return executor(words); }) {}

ControlServer::~ControlServer() { stop(); }

bool ControlServer::start() {
  try {
    prepare_control_path(path_);
    acceptor_.open(stream_protocol());
    // Linux gives the socket file the socket's mode: 0600 from the first moment, so there is no
    // window in which another user could connect; the chmod after bind makes sure of it.
    ::fchmod(acceptor_.native_handle(), 0600);
    acceptor_.bind(stream_protocol::endpoint(path_));
    bound_ = true;
    struct stat st {};
    if (::chmod(path_.c_str(), 0600) != 0 || ::stat(path_.c_str(), &st) != 0) {
      throw std::runtime_error("cannot restrict '" + path_ + "' to mode 0600: " +
                               errno_text(errno));
    }
    bound_device_ = st.st_dev;
    bound_inode_ = st.st_ino;
    acceptor_.listen(static_cast<int>(max_connections));
  } catch (const std::exception& e) {
    error_ = e.what();
    log::error("control socket {}: {}; running without ternctl access", path_, error_);
    asio::error_code ignored;
    acceptor_.close(ignored);
    if (bound_) ::unlink(path_.c_str());
    bound_ = false;
    return false;
  }
  asio::co_spawn(io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& e) {
      log::error("control thread: {}", e.what());
    }
  });
  log::info("control socket listening on {}", path_);
  return true;
}

void ControlServer::stop() {
  if (thread_.joinable()) {
    asio::co_spawn(io_, shut_down(), asio::detached);
    thread_.join();
  }
  if (bound_) {
    // Only the file this server bound: a new daemon may already have replaced it.
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == bound_device_ &&
        st.st_ino == bound_inode_) {
      ::unlink(path_.c_str());
    }
    bound_ = false;
  }
}

asio::awaitable<void> ControlServer::shut_down() {
  asio::error_code ignored;
  acceptor_.close(ignored);
  // A "stop" command raises SIGTERM before its reply is written: give replies a moment.
  asio::steady_timer timer(io_);
  for (int i = 0; i < 100 && active_ > 0; ++i) {
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(use_tuple);
  }
  io_.stop();
}

asio::awaitable<void> ControlServer::accept_loop() {
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
    if (ec) {
      log::debug("control accept: {}", ec.message());
      continue;
    }
    bool refuse = active_ >= max_connections;
    if (refuse && refusing_ >= max_connections) {
      asio::error_code ignored;  // a flood: not even a reply
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(io_, serve(std::move(socket), refuse), asio::detached);
  }
}

namespace {

/// The process at the other end of a unix socket (SO_PEERCRED); pid 0 when unknown.
ControlPeer peer_of(int fd) {
  ucred credentials{};
  socklen_t length = sizeof credentials;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return {};
  return {static_cast<long>(credentials.pid), static_cast<long>(credentials.uid)};
}

}  // namespace

ControlReply ControlServer::run_command(const std::string& line, const ControlPeer& peer) {
  std::string error;
  auto words = split_request(line, error);
  if (!words) return {ControlStatus::usage, error + "\n"};
  log::info("control: {} (pid {}, uid {})", line.size() <= 200 ? line : line.substr(0, 200) + "...", peer.pid,
            peer.uid);
  try {
    return executor_(*words, peer);
  } catch (const std::exception& e) {
    log::error("control command '{}' failed: {}", line, e.what());
    return {ControlStatus::failed, std::string("internal error: ") + e.what() + "\n"};
  }
}

asio::awaitable<std::optional<ControlReply>> ControlServer::receive(
    stream_protocol::socket& socket) {
  std::string buffer;
  asio::steady_timer deadline(io_, request_timeout);
  // One octet more than a line may hold: its '\n'. A full buffer without one is too long.
  auto read = asio::async_read_until(socket, asio::dynamic_buffer(buffer, max_request_line + 1),
                                     '\n', use_tuple);
  auto wait = deadline.async_wait(use_tuple);
  auto either = std::move(read) || std::move(wait);
  auto got = co_await std::move(either);
  if (got.index() == 1) {
    co_return ControlReply{ControlStatus::usage, "no request line within " +
                                                     std::to_string(request_timeout.count()) +
                                                     " seconds\n"};
  }
  auto [ec, n] = std::get<0>(got);
  if (!ec) co_return run_command(buffer.substr(0, n - 1), peer_of(socket.native_handle()));
  if (ec == asio::error::not_found) {
    co_return ControlReply{ControlStatus::usage, "line too long (more than " +
                                                     std::to_string(max_request_line) +
                                                     " octets)\n"};
  }
  if (ec == asio::error::eof) {
    co_return ControlReply{ControlStatus::usage,
                           buffer.empty() ? "no request line\n"
                                          : "the request line has no final newline\n"};
  }
  co_return std::nullopt;  // the client went away: nobody to answer
}

asio::awaitable<void> ControlServer::respond(stream_protocol::socket& socket,
                                             const ControlReply& reply) {
  std::string out = format_reply(reply);
  asio::steady_timer deadline(io_, write_timeout);
  auto write = asio::async_write(socket, asio::buffer(out), use_tuple);
  auto wait = deadline.async_wait(use_tuple);
  auto written = std::move(write) || std::move(wait);
  auto result = co_await std::move(written);
  if (result.index() == 1 || std::get<0>(std::get<0>(result))) co_return;
  // The reply is complete: EOF tells the client so. Closing with unread input would make
  // the kernel reset the connection, so whatever the client still sends is read away first.
  asio::error_code ignored;
  socket.shutdown(stream_protocol::socket::shutdown_send, ignored);
  deadline.expires_after(drain_timeout);
  std::array<char, 4096> scratch;
  while (true) {
    auto read = socket.async_read_some(asio::buffer(scratch), use_tuple);
    auto wait_read = deadline.async_wait(use_tuple);
    auto either = std::move(read) || std::move(wait_read);
    auto got = co_await std::move(either);
    if (got.index() == 1 || std::get<0>(std::get<0>(got))) break;
  }
}

asio::awaitable<void> ControlServer::serve(stream_protocol::socket socket, bool refuse) {
  unsigned& count = refuse ? refusing_ : active_;
  ++count;
  struct Release {
    unsigned& count;
    ~Release() { --count; }
  } release{count};
  try {
    std::optional<ControlReply> reply;
    if (refuse) {
      reply = ControlReply{ControlStatus::failed,
                           "too many control connections (" + std::to_string(max_connections) +
                               " at once); try again\n"};
    } else {
      reply = co_await receive(socket);
    }
    if (reply) co_await respond(socket, *reply);
  } catch (const std::exception& e) {
    log::error("control connection: {}", e.what());
  }
  asio::error_code ignored;
  socket.close(ignored);
}

}  // namespace tern::daemon
