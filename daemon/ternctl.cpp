// ternctl: sends one command to a running ternd over its control socket (control_protocol.hpp)
// and prints the reply; the exit status is the reply's status (0 ok, 1 failed, 2 usage).
#include "daemon/command_line.hpp"
#include "daemon/config_loader.hpp"
#include "daemon/control_protocol.hpp"

#include <CLI/CLI.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#ifndef TERN_VERSION
#define TERN_VERSION "unknown"
#endif

namespace {

using namespace tern::daemon;

constexpr int exit_failed = static_cast<int>(ControlStatus::failed);
constexpr int exit_usage = static_cast<int>(ControlStatus::usage);
constexpr const char* default_socket = "/run/tern/ternd.ctl";

constexpr const char* usage_line = "Usage: ternctl [-s SOCKET] [-c CONFIG] COMMAND [ARGUMENT]...\n";

std::string help_text() {
  return std::string("ternctl: control a running ternd.\n") + usage_line +
         "\nOptions:\n"
         "  -s, --socket SOCKET  the control socket (default: control-socket of the\n"
         "                       configuration, else " + default_socket + ")\n"
         "  -c, --config CONFIG  read control-socket from this ternd.yaml (default\n"
         "                       " + default_config_path + ", when it exists)\n"
         "  -h, --help           print this help and exit\n"
         "      --version        print the version and exit\n\n" +
         std::string(control_commands_help()) +
         "\nExit status: 0 ok, 1 the command failed or ternd is not reachable, 2 usage error.\n"
         "See ternctl(8).\n";
}

int usage_error(const std::string& message) {
  std::cerr << "ternctl: " << message << "\n" << usage_line;
  return exit_usage;
}

/// The socket to talk to: -s, else control-socket of the configuration, else the default.
/// Nullopt (the error printed, `status` set) when the configuration cannot be read (2) or
/// has no socket (1).
std::optional<std::string> socket_path(const std::string& socket_option, std::string config_path,
                                       bool config_given, int& status) {
  if (!socket_option.empty()) return socket_option;
  std::error_code ec;
  if (!config_given && !std::filesystem::exists(config_path, ec)) return default_socket;
  try {
    std::string path = load_config(config_path, {}).control_socket;
    if (path.empty()) {
      std::cerr << "ternctl: " << config_path << " sets no control-socket: ternd takes no "
                << "commands\n";
      status = exit_failed;
      return std::nullopt;
    }
    return path;
  } catch (const ConfigError& e) {
    std::cerr << "ternctl: " << format_config_error(e) << "\n";
    status = exit_usage;
    return std::nullopt;
  }
}

int connect_to(const std::string& path) {
  sockaddr_un address{};
  if (path.size() >= sizeof address.sun_path) {
    std::cerr << "ternctl: cannot connect to " << path << ": the path is too long\n";
    return -1;
  }
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    return fd;
  }
  int error = errno;
  if (fd >= 0) ::close(fd);
  std::string hint = error == EACCES || error == EPERM ? " (the control socket is root-only)"
                                                      : " (is ternd running?)";
  std::cerr << "ternctl: cannot connect to " << path << ": "
            << std::generic_category().message(error) << hint << "\n";
  return -1;
}

bool send_all(int fd, const std::string& data) {
  for (std::size_t sent = 0; sent < data.size();) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

/// Reads the reply: the status line first, then the text, copied as it arrives (a cache dump
/// can be large) to stdout on success and to stderr otherwise. Returns the exit status.
int relay_reply(int fd, const std::string& path) {
  std::string head;
  char buffer[65536];
  std::optional<ControlReply> status;
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (status) {
      std::ostream& out = status->status == ControlStatus::ok ? std::cout : std::cerr;
      out.write(buffer, n);
      continue;
    }
    head.append(buffer, static_cast<std::size_t>(n));
    auto newline = head.find('\n');
    if (newline == std::string::npos && head.size() < 64) continue;
    status = parse_reply(head);
    if (!status) break;
    (status->status == ControlStatus::ok ? std::cout : std::cerr) << status->text;
  }
  if (!status) {
    std::cerr << "ternctl: " << path << ": no valid reply from ternd (did it stop?)\n";
    return exit_failed;
  }
  std::cout.flush();
  return static_cast<int>(status->status);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ternctl: control a running ternd.", "ternctl"};
  std::string socket_option;
  std::string config_path = default_config_path;
  app.add_option("-s,--socket", socket_option)->type_name("SOCKET");
  app.add_option("-c,--config", config_path)->type_name("CONFIG");
  app.set_help_flag();  // our own --help: CLI11's would not list the commands
  bool help = false;
  bool version = false;
  app.add_flag("-h,--help", help);
  app.add_flag("--version", version);
  app.prefix_command();  // the first word that is not an option starts the command
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }
  if (help) {
    std::cout << help_text();
    return 0;
  }
  if (version) {
    std::cout << "ternctl " TERN_VERSION "\n";
    return 0;
  }
  std::vector<std::string> words = app.remaining();
  if (words.empty()) return usage_error("no command given");
  if (words[0].starts_with("-")) return usage_error("unknown option '" + words[0] + "'");
  // Checked here too, so that a typo is a usage error even when ternd is not running.
  if (auto error = check_command(words)) return usage_error(*error);
  auto line = join_request(words);
  if (!line) {
    return usage_error("arguments must be printable ASCII without spaces, and at most " +
                       std::to_string(max_request_line) + " octets together");
  }
  bool config_given = app.get_option("--config")->count() > 0;
  int status = exit_failed;
  auto path = socket_path(socket_option, config_path, config_given, status);
  if (!path) return status;
  int fd = connect_to(*path);
  if (fd < 0) return exit_failed;
  if (!send_all(fd, *line)) {
    std::cerr << "ternctl: " << *path << ": " << std::generic_category().message(errno) << "\n";
    ::close(fd);
    return exit_failed;
  }
  ::shutdown(fd, SHUT_WR);
  status = relay_reply(fd, *path);
  ::close(fd);
  return status;
}
