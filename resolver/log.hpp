// The process logger: the one piece of global mutable state besides the hash key (ARCHITECTURE).
// Lines go to stderr with an ISO-8601 UTC timestamp and the level's name, or to syslog. When
// stderr is the systemd journal (JOURNAL_STREAM names it), each line instead starts with the
// sd-daemon priority prefix ("<5>", sd-daemon(3)) and carries no timestamp of its own: the
// journal stamps it and files it under that priority (journalctl -p err). Each
// kind of message (its format string) has a token bucket, so that an attack that triggers a
// message per packet cannot flood the log: lines beyond the rate are counted and a line says
// how many were suppressed (report_suppressed, called once a second by the daemon).
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

namespace tern::log {

/// Syslog's levels (RFC 5424) that ternd uses. warning: something needs the operator's
/// attention; notice: routine events worth a line (started, reloaded, stopped).
enum class Level { error = 0, warning = 1, notice = 2, info = 3, debug = 4 };

/// Messages above this level are dropped before they are formatted.
inline std::atomic<int> threshold{static_cast<int>(Level::notice)};

/// The level the verbosity setting means: 0 errors, 1 warnings and notices, 2 info, 3+ debug.
Level level_for_verbosity(int verbosity) noexcept;
/// The verbosity whose level is `level` (the inverse of level_for_verbosity; warning is 1).
int verbosity_of(Level level) noexcept;
/// The level's name: "error", "warning", "notice", "info", "debug".
std::string_view level_name(Level level) noexcept;

void write(Level level, std::string_view message);
/// From now on, lines go to syslog (facility daemon) instead of stderr: for a daemon that
/// detached from its terminal.
void use_syslog();
/// Back to stderr (the default); in the journal's format when stderr is the journal.
void use_stderr();

/// Whether JOURNAL_STREAM's value ("DEVICE:INODE", systemd.exec(5)) names the file whose
/// device and inode are given. systemd sets it for a service whose stderr is the journal; a
/// child whose stderr was redirected inherits it, hence the comparison with stderr itself.
bool journal_stream_names(std::string_view journal_stream, unsigned long long device,
                          unsigned long long inode) noexcept;

/// One line as written to stderr, '\n' included: "<N>message" for the journal, else
/// "2024-05-01T12:00:00.123Z ternd[level] message".
std::string format_line(Level level, std::string_view message, bool journal,
                        std::chrono::system_clock::time_point now);

/// Lines per second per message kind, bursts of twice that; 0 = no limit (the default).
void set_rate_limit(unsigned lines_per_second);
/// Takes a token from the bucket of `kind` (a format string: one per call site); false when
/// the line must be suppressed (it is then counted).
bool admit(std::string_view kind);
/// Logs, for each kind that had lines suppressed since the last call, how many; returns the
/// total. Called once a second and at exit.
std::uint64_t report_suppressed();

/// What an exception says (its what()), for a log line.
std::string describe(const std::exception_ptr& error);

/// The format string itself: the kind of a message, whatever its values.
inline std::string_view kind_of(fmt::string_view format) noexcept { return {format.data(), format.size()}; }

inline bool enabled(Level level) noexcept {
  return static_cast<int>(level) <= threshold.load(std::memory_order_relaxed);
}

template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::error) && admit(kind_of(f))) write(Level::error, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warning(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::warning) && admit(kind_of(f))) write(Level::warning, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void notice(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::notice) && admit(kind_of(f))) write(Level::notice, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::info) && admit(kind_of(f))) write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::debug) && admit(kind_of(f))) write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace tern::log
