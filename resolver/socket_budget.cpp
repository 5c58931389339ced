#include "resolver/socket_budget.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>

namespace tern::resolver {

asio::awaitable<SocketBudget::Permit> SocketBudget::acquire(std::chrono::steady_clock::time_point deadline) {
  if (waiting_.empty() && open_.load(std::memory_order_relaxed) < limit_) {
    open_.fetch_add(1, std::memory_order_relaxed);
    co_return Permit(this);
  }
  waits_.fetch_add(1, std::memory_order_relaxed);
  auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  waiter->wake.expires_at(deadline);
  waiting_.push_back(waiter);
  // However this frame ends (woken, deadline, or destroyed with its io_context), the waiter
  // leaves the queue; a permit granted to a frame destroyed before it resumed is given back.
  struct Leave {
    SocketBudget& budget;
    std::shared_ptr<Waiter>& waiter;
    bool taken = false;
    ~Leave() {
      auto& queue = budget.waiting_;
      queue.erase(std::remove(queue.begin(), queue.end(), waiter), queue.end());
      if (waiter->granted && !taken) budget.give_back();
    }
  } leave{*this, waiter};
  // Woken early (cancelled) by give_back() with the permit granted, or at the deadline; a
  // cancellation of the waiting coroutine (a shed resolution) also ends the wait.
  co_await waiter->wake.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  if (waiter->granted) {
    leave.taken = true;
    co_return Permit(this);  // give_back() kept the count for us
  }
  timeouts_.fetch_add(1, std::memory_order_relaxed);
  co_return Permit();
}

void SocketBudget::give_back() noexcept {
  // The permit passes straight to the oldest waiter, so that the open count never dips below
  // the limit while exchanges wait (a new caller cannot overtake them).
  while (!waiting_.empty()) {
    std::shared_ptr<Waiter> next = std::move(waiting_.front());
    waiting_.pop_front();
    if (next->granted) continue;
    // Its deadline may have fired already (its completion queued): then it is not handed over.
    if (next->wake.expiry() <= std::chrono::steady_clock::now()) continue;
    next->granted = true;
    next->wake.cancel();
    return;
  }
  open_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace tern::resolver
