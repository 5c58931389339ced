// All TTL arithmetic reads time through a Clock: the daemon uses the monotonic clock (a wall
// clock step must never expire or revive cache entries), tests use a FakeClock they advance.
#pragma once

#include <atomic>
#include <chrono>

namespace tern::cache {

using Duration = std::chrono::steady_clock::duration;
using TimePoint = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const noexcept = 0;
};

/// The monotonic clock.
class SteadyClock final : public Clock {
 public:
  TimePoint now() const noexcept override { return std::chrono::steady_clock::now(); }
};

/// A clock that moves only when told; thread-safe so concurrency tests can share it.
class FakeClock final : public Clock {
 public:
  TimePoint now() const noexcept override { return TimePoint(Duration(ticks_.load())); }
  void advance(Duration d) noexcept { ticks_ += d.count(); }

 private:
  std::atomic<Duration::rep> ticks_{std::chrono::hours(1).count()};
};

}  // namespace tern::cache
