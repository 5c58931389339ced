#include "daemon/observe/query_log.hpp"

#include "resolver/dns/message.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <system_error>

namespace tern::daemon {

namespace {

std::string_view cache_word(CacheResult r) {
  switch (r) {
    case CacheResult::hit: return "hit";
    case CacheResult::miss: return "miss";
    case CacheResult::stale: return "stale";
    case CacheResult::prefetch: return "prefetch";
    case CacheResult::local: return "local";
    case CacheResult::failure: return "failure";
  }
  return "miss";
}

/// RFC 8259 string body: quotes, backslash and control octets escaped; other octets as they
/// are (a DNS name's presentation form is ASCII: ldns writes other octets as \DDD).
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

}  // namespace

std::string_view security_word(resolver::dnssec::Security security) noexcept {
  using resolver::dnssec::Security;
  switch (security) {
    case Security::secure: return "secure";
    case Security::insecure: return "insecure";
    case Security::bogus: return "bogus";
    case Security::indeterminate: break;
  }
  return "indeterminate";
}

std::string format_query_log_line(const QueryLogEntry& e, std::chrono::system_clock::time_point now) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[40];
  const std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(stamp + n, sizeof stamp - n, ".%06dZ", static_cast<int>(micros));
  std::string out;
  out.reserve(200);
  out += "{\"time\":\"";
  out += stamp;
  out += "\",\"client\":\"";
  out += e.client.to_string();  // digits, dots, colons and hex: nothing to escape
  out += "\",\"name\":";
  append_json_string(out, e.name);
  out += ",\"type\":";
  append_json_string(out, dns::type_to_text(e.type));
  out += ",\"rcode\":";
  append_json_string(out, dns::rcode_to_text(e.rcode));
  out += ",\"cache\":\"";
  out += cache_word(e.cache);
  out += "\",\"dnssec\":\"";
  out += security_word(e.security);
  out += "\",\"ttl\":" + std::to_string(e.ttl);
  out += ",\"upstream\":" + std::to_string(e.upstream);
  out += ",\"latency_us\":" + std::to_string(e.latency.count());
  out += "}\n";
  return out;
}

QueryLog::~QueryLog() { replace_fd(-1); }

std::string QueryLog::open_target(const std::string& target, int& fd) {
  fd = -1;
  if (target.empty()) return "";
  if (target == "stderr") {
    fd = STDERR_FILENO;
    return "";
  }
  fd = ::open(target.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return "query-log: cannot open '" + target + "': " + std::generic_category().message(errno);
  return "";
}

void QueryLog::replace_fd(int fd) {
  std::lock_guard lock(mutex_);
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
  fd_ = fd;
  owns_fd_ = fd >= 0 && fd != STDERR_FILENO;
  enabled_.store(fd >= 0, std::memory_order_relaxed);
}

std::string QueryLog::configure(const std::string& target) {
  std::lock_guard lock(config_mutex_);
  int fd = -1;
  if (std::string error = open_target(target, fd); !error.empty()) return error;
  target_ = target;
  replace_fd(fd);
  return "";
}

std::string QueryLog::reopen() {
  std::lock_guard lock(config_mutex_);
  int fd = -1;
  if (std::string error = open_target(target_, fd); !error.empty()) return error;
  replace_fd(fd);
  return "";
}

void QueryLog::retarget(const std::string& target) {
  std::lock_guard lock(config_mutex_);
  target_ = target;
}

void QueryLog::write(const QueryLogEntry& entry) {
  const std::string line = format_query_log_line(entry, std::chrono::system_clock::now());
  std::lock_guard lock(mutex_);
  if (fd_ < 0) return;
  // O_APPEND: each line lands whole at the end, even with another writer on the file.
  if (::write(fd_, line.data(), line.size()) < 0) {
    // A full disk must not stop the answers; the line is lost.
  }
}

}  // namespace tern::daemon
