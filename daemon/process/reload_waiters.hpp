// `ternctl reload` waits for the outcome of the reload it asked for. The control thread adds a
// waiter, then raises SIGHUP; the main thread, which does every reload (signals are taken
// there), takes the waiters before it reads the configuration and answers each with that
// reload's outcome. A waiter added while a reload runs raised its own SIGHUP, so the next
// reload answers it: nobody is told about a file read before they asked.
#pragma once

#include "daemon/control/control_protocol.hpp"

#include <future>
#include <mutex>
#include <vector>

namespace tern::daemon {

class ReloadWaiters {
 public:
  /// A waiter for the next reload; its future gets that reload's outcome.
  std::future<ControlReply> add() {
    std::lock_guard lock(mutex_);
    waiting_.emplace_back();
    return waiting_.back().get_future();
  }
  /// The waiters so far, removed: the reload about to start answers them.
  std::vector<std::promise<ControlReply>> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(waiting_, {});
  }
  /// Answers every waiter with `reply` (at stop: no reload will come).
  void answer_all(const ControlReply& reply) {
    for (auto& waiter : take()) waiter.set_value(reply);
  }

 private:
  std::mutex mutex_;
  std::vector<std::promise<ControlReply>> waiting_;  ///< guarded by mutex_
};

}  // namespace tern::daemon
