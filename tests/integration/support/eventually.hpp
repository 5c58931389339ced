// Bounded polling for state that changes asynchronously (reloads reach the workers one by one,
// connections close on a timer): tests wait for the state, never for a fixed time.
#pragma once

#include <chrono>
#include <thread>

namespace tern::itest {

/// Polls `pred` every 50 ms until it holds or `bound` has passed; returns its last value.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds bound = std::chrono::milliseconds(5000)) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

}  // namespace tern::itest
