#include "daemon/l2/circuit_breaker.hpp"

#include <algorithm>

namespace tern::daemon {

bool CircuitBreaker::allow(Clock::time_point now) noexcept {
  switch (state_) {
    case State::closed: return true;
    case State::half_open: return false;  // the probe is out: wait for what it says
    case State::open:
      if (now < open_until_) return false;
      state_ = State::half_open;
      return true;
  }
  return false;
}

void CircuitBreaker::succeeded() noexcept {
  state_ = State::closed;
  consecutive_ = 0;
  backoff_ = first_backoff_;
}

bool CircuitBreaker::failed(Clock::time_point now) noexcept {
  if (state_ == State::half_open) {
    // The probe failed: open again, for longer (a Redis that stays down is asked less and less).
    backoff_ = std::min(backoff_ * 2, max_backoff_);
    state_ = State::open;
    open_until_ = now + backoff_;
    return true;
  }
  if (state_ == State::open) return false;  // a command sent before it opened, answered late
  if (++consecutive_ < threshold_) return false;
  state_ = State::open;
  consecutive_ = 0;
  open_until_ = now + backoff_;
  return true;
}

}  // namespace tern::daemon
