#include "resolver/inflight.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

namespace tern::resolver {

void InflightTable::Flight::finish(Outcome outcome) {
  {
    std::lock_guard table_lock(table_.mutex_);
    table_.flights_.erase(question_);
  }
  std::vector<std::shared_ptr<asio::steady_timer>> waiters;
  {
    std::lock_guard lock(mutex_);
    result_ = std::move(outcome);
    done_ = true;
    waiters.swap(waiters_);
  }
  // A timer may only be touched from its own executor's thread.
  for (auto& timer : waiters)
    asio::post(timer->get_executor(), [timer] { timer->cancel(); });
}

asio::awaitable<std::shared_ptr<InflightTable::Flight>> InflightTable::join(
    const dns::Question& question, asio::any_io_executor executor, Outcome& shared) {
  std::shared_ptr<Flight> flight;
  auto timer = std::make_shared<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
  {
    std::lock_guard table_lock(mutex_);
    auto it = flights_.find(question);
    if (it == flights_.end()) {
      flight.reset(new Flight(*this, question));
      flights_.emplace(question, flight);
      co_return flight;
    }
    flight = it->second;
    std::lock_guard lock(flight->mutex_);
    if (!flight->done_) flight->waiters_.push_back(timer);
    else timer->cancel();
  }
  co_await timer->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  std::lock_guard lock(flight->mutex_);
  shared = flight->result_;
  co_return nullptr;
}

}  // namespace tern::resolver
