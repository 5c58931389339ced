// ternctl: sends one command to a running ternd over its control socket (control_protocol.hpp)
// and prints the reply; the exit status is the reply's status (0 ok, 1 failed, 2 usage).
#include "daemon/config/command_line.hpp"
#include "daemon/config/config_loader.hpp"
#include "daemon/config/config_values.hpp"
#include "daemon/control/control_protocol.hpp"
#include "daemon/control/ternctl_help.hpp"

#include <CLI/CLI.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <sstream>
#include <thread>
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
int usage_error(const std::string& message) {
  std::cerr << "ternctl: " << message << "\n" << ternctl_usage_line;
  return exit_usage;
}

/// "unknown option '--sokcet' (did you mean '--socket'?)".
std::string unknown_option(const std::string& option) {
  static constexpr std::string_view options[] = {"--socket", "--config", "--help", "--version"};
  std::string_view best = closest_match(option, options);
  return "unknown option '" + option + "'" + (best.empty() ? "" : " (did you mean '" + std::string(best) + "'?)");
}

/// The socket to talk to: -s, else control-socket of the configuration, else the default.
/// Nullopt (the error printed, `status` set) when the configuration cannot be read (2) or
/// has no socket (1).
std::optional<std::string> socket_path(const std::string& socket_option, std::string config_path,
                                       bool config_given, int& status) {
  if (!socket_option.empty()) return socket_option;
  std::error_code ec;
  if (!config_given && !std::filesystem::exists(config_path, ec)) return ternctl_default_socket;
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

/// Sends one request line and reads the whole reply; nullopt (the reason printed) when ternd
/// cannot be reached or sends no valid reply.
std::optional<ControlReply> request(const std::string& path, const std::string& line) {
  int fd = connect_to(path);
  if (fd < 0) return std::nullopt;
  std::string stream;
  if (send_all(fd, line)) {
    ::shutdown(fd, SHUT_WR);
    char buffer[65536];
    while (true) {
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      stream.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  auto reply = parse_reply(stream);
  if (!reply) std::cerr << "ternctl: " << path << ": no valid reply from ternd (did it stop?)\n";
  return reply;
}

/// The entry `cache watch` follows in a `cache show` reply: the answer-cache entry (what a
/// client gets) if there is one, else the first. Empty when nothing is cached.
struct Watched {
  std::string header;  ///< "db.shop.lab. A answer"
  std::string remaining;
  std::string data;    ///< the records without owner and TTL: "A 127.0.10.1, A ..."
};

Watched watched_entry(const std::string& text) {
  std::vector<Watched> entries;
  std::istringstream lines(text);
  std::string line;
  bool records = false;
  bool failure = false;  // a remembered failure's block (after the data): not an entry to watch
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line[0] != ' ') {
      if (line.starts_with("no cached entries")) break;
      failure = line.ends_with(" failure") || line.ends_with(" zone-failure");
      if (!failure) entries.push_back({line, "?", ""});
      records = false;
      continue;
    }
    if (entries.empty() || failure) continue;
    Watched& e = entries.back();
    if (line.starts_with("  remaining-ttl: ")) e.remaining = line.substr(17);
    if (line.starts_with("  inserted: ")) {
      records = true;
      continue;
    }
    if (!records) continue;
    std::istringstream words(line);
    std::string owner, ttl, rest, word;
    words >> owner >> ttl;
    while (words >> word) rest += (rest.empty() ? "" : " ") + word;
    if (rest.starts_with("IN ")) rest = rest.substr(3);
    e.data += (e.data.empty() ? "" : ", ") + rest;
  }
  for (const Watched& e : entries)
    if (!e.header.ends_with(" rrset")) return e;
  return entries.empty() ? Watched{} : entries.front();
}

std::string clock_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%H:%M:%S", &tm);
  return text;
}

/// ternctl cache watch NAME [TYPE] [--count N] [--for S] [--interval S]
int watch(const std::vector<std::string>& words, const std::string& path) {
  std::vector<std::string> show{"cache", "show"};
  long count = -1;
  double seconds = -1, interval = 1;
  for (std::size_t i = 2; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--count" || w == "--for" || w == "--interval") {
      if (i + 1 >= words.size()) return usage_error(w + " needs a value");
      try {
        std::size_t used = 0;
        double v = std::stod(words[i + 1], &used);
        if (used != words[i + 1].size() || v <= 0) throw std::invalid_argument("not positive");
        if (w == "--count") count = static_cast<long>(v);
        if (w == "--for") seconds = v;
        if (w == "--interval") interval = v;
      } catch (const std::exception&) {
        return usage_error(w + " needs a positive number, not '" + words[i + 1] + "'");
      }
      ++i;
    } else if (w.starts_with("-")) {
      return usage_error("unknown option '" + w + "' of cache watch (--count, --for, --interval)");
    } else {
      show.push_back(w);
    }
  }
  if (show.size() < 3 || show.size() > 4) {
    return usage_error("usage: cache watch NAME [TYPE] [--count N] [--for S] [--interval S]");
  }
  auto line = join_request(show);
  if (!line) return usage_error("bad name or type");
  auto start = std::chrono::steady_clock::now();
  Watched last;
  bool first = true;
  for (long n = 0; count < 0 || n < count; ++n) {
    if (n > 0) std::this_thread::sleep_until(start + std::chrono::duration<double>(interval * static_cast<double>(n)));
    if (seconds > 0 && std::chrono::steady_clock::now() - start > std::chrono::duration<double>(seconds)) break;
    auto reply = request(path, *line);
    if (!reply) return exit_failed;
    if (reply->status != ControlStatus::ok) {
      std::cerr << reply->text;
      return static_cast<int>(reply->status);
    }
    Watched now = watched_entry(reply->text);
    if (now.header.empty()) {
      std::cout << clock_now() << " " << show[2] << " not cached" << std::endl;
    } else {
      // A refresh: other data, or a TTL that went up instead of counting down (compared with
      // the last entry seen, across "not cached" gaps: an expired entry that is fetched again).
      bool refreshed = !first && !last.header.empty() &&
                       (now.data != last.data || std::atol(now.remaining.c_str()) > std::atol(last.remaining.c_str()));
      if (refreshed) {
        std::cout << clock_now() << " " << now.header << " refresh: " << last.data << " -> " << now.data << std::endl;
      }
      std::cout << clock_now() << " " << now.header << " remaining-ttl=" << now.remaining << " " << now.data
                << std::endl;
    }
    if (!now.header.empty()) last = now;
    first = false;
  }
  return 0;
}

}  // namespace

/// The FILE of `cache dump --binary FILE` and `cache load FILE`, made absolute: ternd opens
/// it, and ternd's working directory is not the caller's.
void absolute_file_argument(std::vector<std::string>& words) {
  if (words.size() < 3 || words[0] != "cache") return;
  std::string* file = nullptr;
  if (words[1] == "load") file = &words[2];
  if (words[1] == "dump" && words.size() == 4) file = &words[3];
  if (file == nullptr || file->empty() || file->front() == '/') return;
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(*file, ec);
  if (!ec) *file = absolute.lexically_normal().string();
}

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
    std::cout << ternctl_help_text();
    return 0;
  }
  if (version) {
    std::cout << "ternctl " TERN_VERSION "\n";
    return 0;
  }
  std::vector<std::string> words = app.remaining();
  if (words.empty()) return usage_error("no command given");
  if (words[0].starts_with("-")) return usage_error(unknown_option(words[0]));
  bool watching = words.size() >= 2 && words[0] == "cache" && words[1] == "watch";
  // Checked here too, so that a typo is a usage error even when ternd is not running.
  if (auto error = watching ? std::nullopt : check_command(words)) return usage_error(*error);
  absolute_file_argument(words);
  auto line = join_request(watching ? std::vector<std::string>{"stats"} : words);
  if (!line) {
    return usage_error("arguments must be printable ASCII without spaces, and at most " +
                       std::to_string(max_request_line) + " octets together");
  }
  bool config_given = app.get_option("--config")->count() > 0;
  int status = exit_failed;
  auto path = socket_path(socket_option, config_path, config_given, status);
  if (!path) return status;
  if (watching) return watch(words, *path);
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
