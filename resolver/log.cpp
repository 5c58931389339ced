#include "resolver/log.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <sys/stat.h>
#include <syslog.h>

#include <charconv>
#include <cstdlib>
#include <system_error>

namespace tern::log {

namespace {
std::mutex write_mutex;  // whole lines, never interleaved between worker threads
std::atomic<bool> to_syslog{false};
std::atomic<bool> to_journal{false};  // stderr is the journal: "<N>" prefixes, no timestamps

constexpr std::string_view level_names[] = {"error", "warning", "notice", "info", "debug"};

/// Whether stderr is the stream JOURNAL_STREAM names.
bool stderr_is_journal() {
  const char* value = std::getenv("JOURNAL_STREAM");
  struct stat st {};
  if (value == nullptr || ::fstat(2, &st) != 0) return false;
  return journal_stream_names(value, st.st_dev, st.st_ino);
}

/// One kind's token bucket. Kinds are told apart by their format string's address (one per
/// call site), hashed into a fixed table: two kinds sharing a slot share a budget, which errs
/// on the side of fewer lines.
struct Bucket {
  const char* kind = nullptr;  // the last kind that used the slot, for the suppression line
  double tokens = 0;
  std::chrono::steady_clock::time_point refilled{};
  std::uint64_t suppressed = 0;
};
constexpr std::size_t bucket_count = 64;
std::mutex bucket_mutex;
std::array<Bucket, bucket_count> buckets;
std::atomic<unsigned> rate_limit{0};
}  // namespace

void use_syslog() {
  // Once: the connection to /dev/log is made now (LOG_NDELAY), while it is still reachable; a
  // reload after chroot must not try again.
  static std::once_flag opened;
  std::call_once(opened, [] { openlog("ternd", LOG_PID | LOG_NDELAY, LOG_DAEMON); });
  to_syslog = true;
}

void use_stderr() {
  to_journal = stderr_is_journal();
  to_syslog = false;
}

Level level_for_verbosity(int verbosity) noexcept {
  if (verbosity <= 0) return Level::error;
  if (verbosity == 1) return Level::notice;
  if (verbosity == 2) return Level::info;
  return Level::debug;
}

int verbosity_of(Level level) noexcept {
  switch (level) {
    case Level::error: return 0;
    case Level::warning:
    case Level::notice: return 1;
    case Level::info: return 2;
    case Level::debug: return 3;
  }
  return 1;
}

std::string_view level_name(Level level) noexcept { return level_names[static_cast<int>(level)]; }

bool journal_stream_names(std::string_view journal_stream, unsigned long long device,
                          unsigned long long inode) noexcept {
  const auto colon = journal_stream.find(':');
  if (colon == std::string_view::npos) return false;
  auto number = [](std::string_view text, unsigned long long& out) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc() && end == text.data() + text.size() && !text.empty();
  };
  unsigned long long dev = 0, ino = 0;
  return number(journal_stream.substr(0, colon), dev) && number(journal_stream.substr(colon + 1), ino) &&
         dev == device && ino == inode;
}

std::string format_line(Level level, std::string_view message, bool journal,
                        std::chrono::system_clock::time_point now) {
  // sd-daemon(3) prefixes are syslog priorities: LOG_ERR 3 ... LOG_DEBUG 7.
  static constexpr int priorities[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};
  if (journal) return fmt::format("<{}>{}\n", priorities[static_cast<int>(level)], message);
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z ternd[{}] {}\n", stamp, static_cast<int>(ms), level_name(level), message);
}

void set_rate_limit(unsigned lines_per_second) { rate_limit = lines_per_second; }

bool admit(std::string_view kind) {
  const unsigned rate = rate_limit.load(std::memory_order_relaxed);
  if (rate == 0) return true;
  const auto now = std::chrono::steady_clock::now();
  const double burst = 2.0 * rate;
  std::lock_guard lock(bucket_mutex);
  Bucket& b = buckets[(reinterpret_cast<std::uintptr_t>(kind.data()) >> 3) % bucket_count];
  if (b.kind == nullptr) {
    b.tokens = burst;
    b.refilled = now;
  }
  b.kind = kind.data();
  const double elapsed = std::chrono::duration<double>(now - b.refilled).count();
  b.tokens = std::min(burst, b.tokens + elapsed * rate);
  b.refilled = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  ++b.suppressed;
  return false;
}

std::uint64_t report_suppressed() {
  std::vector<std::pair<std::string, std::uint64_t>> lines;
  {
    std::lock_guard lock(bucket_mutex);
    for (Bucket& b : buckets) {
      if (b.suppressed == 0) continue;
      lines.emplace_back(b.kind, b.suppressed);
      b.suppressed = 0;
    }
  }
  std::uint64_t total = 0;
  for (const auto& [kind, count] : lines) {
    total += count;
    // Not through admit(): this line must get out, and it comes at most once a second per kind.
    write(Level::warning, fmt::format("log-rate-limit: {} line(s) like \"{}\" suppressed", count, kind));
  }
  return total;
}

void write(Level level, std::string_view message) {
  if (to_syslog.load(std::memory_order_relaxed)) {
    static constexpr int priorities[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};
    syslog(priorities[static_cast<int>(level)], "%.*s", static_cast<int>(message.size()), message.data());
    return;
  }
  const std::string line =
      format_line(level, message, to_journal.load(std::memory_order_relaxed), std::chrono::system_clock::now());
  std::lock_guard lock(write_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception not derived from std::exception";
  }
}

}  // namespace tern::log
