// The upstream sockets one worker may hold open at once (max-upstream-sockets-per-worker). Issue
// 16's flood (12,000 slow queries outstanding) held 6,345 descriptors, mostly upstream TCP
// connections to authorities that rate-limit; past the process's RLIMIT_NOFILE a resolver can
// no longer accept a client connection or open a file. An exchange takes a permit before it
// opens its socket and gives it back when the socket closes; when none is free it waits, in
// order of arrival, until one is (Unbound's outgoing-range and outgoing-num-tcp queue waiting
// queries the same way), and gives up when its own deadline passes first.
// One per worker, used from its thread only: no locks; the gauges are atomics so that another
// thread may read them. It must outlive the io_context whose coroutines hold its permits (a
// Worker declares it before its io_context): destroying a waiting or holding frame gives back.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <utility>

namespace tern::resolver {

class SocketBudget {
 public:
  explicit SocketBudget(unsigned limit) : limit_(limit) {}
  SocketBudget(const SocketBudget&) = delete;
  SocketBudget& operator=(const SocketBudget&) = delete;

  /// One socket's share of the budget; giving it back (release() or the destructor) hands it to
  /// the first exchange waiting.
  class Permit {
   public:
    Permit() = default;
    explicit Permit(SocketBudget* budget) : budget_(budget) {}
    Permit(Permit&& other) noexcept : budget_(std::exchange(other.budget_, nullptr)) {}
    Permit& operator=(Permit&& other) noexcept {
      if (this != &other) {
        release();
        budget_ = std::exchange(other.budget_, nullptr);
      }
      return *this;
    }
    ~Permit() { release(); }
    /// True while this holds a share of the budget.
    explicit operator bool() const noexcept { return budget_ != nullptr; }
    void release() noexcept {
      if (budget_) std::exchange(budget_, nullptr)->give_back();
    }

   private:
    SocketBudget* budget_ = nullptr;
  };

  /// A permit as soon as one is free, or an empty one when `deadline` passes first.
  asio::awaitable<Permit> acquire(std::chrono::steady_clock::time_point deadline);

  /// Takes effect for the next acquire(); permits held beyond a lowered limit are not taken back.
  void set_limit(unsigned limit) noexcept { limit_ = limit; }
  unsigned limit() const noexcept { return limit_; }
  /// Sockets open now under this budget (a gauge).
  std::uint64_t open() const noexcept { return open_.load(std::memory_order_relaxed); }
  /// Acquisitions that had to wait for a permit (a counter).
  std::uint64_t waits() const noexcept { return waits_.load(std::memory_order_relaxed); }
  /// Acquisitions that gave up at their deadline without a permit (a counter).
  std::uint64_t timeouts() const noexcept { return timeouts_.load(std::memory_order_relaxed); }

 private:
  void give_back() noexcept;

  /// An exchange waiting for a permit; `granted` is set before `wake` is cancelled.
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& executor)
        : wake(executor, asio::steady_timer::time_point::max()) {}
    asio::steady_timer wake;
    bool granted = false;
  };

  unsigned limit_;
  std::atomic<std::uint64_t> open_{0};      ///< permits held now
  std::atomic<std::uint64_t> waits_{0};     ///< acquisitions that had to wait
  std::atomic<std::uint64_t> timeouts_{0};  ///< of which gave up at their deadline
  std::deque<std::shared_ptr<Waiter>> waiting_;  ///< oldest first
};

}  // namespace tern::resolver
