// The process logger: the one piece of global mutable state besides the hash key (ARCHITECTURE).
// Lines go to stderr with an ISO-8601 UTC timestamp and the level's name.
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <string_view>

namespace tern::log {

enum class Level { error = 0, warning = 1, info = 2, debug = 3 };

/// Messages above this level are dropped before they are formatted.
inline std::atomic<int> threshold{static_cast<int>(Level::warning)};

void write(Level level, std::string_view message);
/// From now on, lines go to syslog (facility daemon) instead of stderr: for a daemon that
/// detached from its terminal.
void use_syslog();

inline bool enabled(Level level) noexcept {
  return static_cast<int>(level) <= threshold.load(std::memory_order_relaxed);
}

template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::error)) write(Level::error, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warning(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::warning)) write(Level::warning, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::info)) write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::debug)) write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace tern::log
