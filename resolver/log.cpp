#include "resolver/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <syslog.h>

namespace tern::log {

namespace {
std::mutex write_mutex;  // whole lines, never interleaved between worker threads
std::atomic<bool> to_syslog{false};
}  // namespace

void use_syslog() {
  openlog("ternd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
  to_syslog = true;
}

void write(Level level, std::string_view message) {
  static constexpr const char* names[] = {"error", "warning", "info", "debug"};
  if (to_syslog.load(std::memory_order_relaxed)) {
    static constexpr int priorities[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
    syslog(priorities[static_cast<int>(level)], "%.*s", static_cast<int>(message.size()), message.data());
    return;
  }
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard lock(write_mutex);
  std::fprintf(stderr, "%s.%03dZ ternd[%s] %.*s\n", stamp, static_cast<int>(ms),
               names[static_cast<int>(level)], static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
}

}  // namespace tern::log
