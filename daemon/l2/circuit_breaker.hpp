// The circuit breaker in front of Redis: after `failures` errors or timeouts in a row it opens
// and Redis is skipped (every lookup a miss, nothing stored) for a back-off period; then one
// probe is let through (half-open). A probe that succeeds closes it; one that fails opens it
// again for twice as long, up to a ceiling. So a dead or slow Redis costs at most the timeout
// on the few lookups before it opens, then one probe per back-off. Pure: time is passed in.
#pragma once

#include <chrono>
#include <cstdint>

namespace tern::daemon {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State : std::uint8_t { closed, open, half_open };

  /// `failures`: consecutive failures that open it (at least 1); `backoff`: the first open
  /// period; `max_backoff`: the longest one.
  CircuitBreaker(unsigned failures, std::chrono::milliseconds backoff, std::chrono::milliseconds max_backoff) noexcept
      : threshold_(failures == 0 ? 1 : failures), first_backoff_(backoff), max_backoff_(max_backoff),
        backoff_(backoff) {}

  /// Whether a command may be sent now. When open and the back-off has passed, the first
  /// caller gets true and becomes the probe (half-open); others get false until it reports.
  bool allow(Clock::time_point now) noexcept;
  /// The command sent got an answer (a hit or a miss, either is Redis working).
  void succeeded() noexcept;
  /// The command sent failed or timed out. Returns true when this opened the breaker.
  bool failed(Clock::time_point now) noexcept;

  State state() const noexcept { return state_; }
  /// The back-off the next opening will use.
  std::chrono::milliseconds backoff() const noexcept { return backoff_; }

 private:
  unsigned threshold_;
  std::chrono::milliseconds first_backoff_;
  std::chrono::milliseconds max_backoff_;
  std::chrono::milliseconds backoff_;  ///< doubles on each failed probe, back to first on success
  unsigned consecutive_ = 0;           ///< failures in a row while closed
  State state_ = State::closed;
  Clock::time_point open_until_{};     ///< open: when a probe may go
};

}  // namespace tern::daemon
