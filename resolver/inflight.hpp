// The in-flight table: identical questions asked while one walk for them is running wait for
// that walk instead of starting their own (one upstream resolution, every client answered).
// Shared by all workers: clients are spread over worker threads by SO_REUSEPORT, so a
// per-worker table would let the same question be walked once per thread.
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/outcome.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace tern::resolver {

class InflightTable {
 public:
  /// One running walk and the clients waiting for it.
  class Flight {
   public:
    /// Hands the outcome to every waiter (each woken on its own executor) and leaves the table.
    void finish(Outcome outcome);

   private:
    friend class InflightTable;
    Flight(InflightTable& table, dns::Question q) : table_(table), question_(std::move(q)) {}
    InflightTable& table_;
    dns::Question question_;
    std::mutex mutex_;
    bool done_ = false;  ///< result_ is final; no waiter is added after this
    Outcome result_;
    std::vector<std::shared_ptr<asio::steady_timer>> waiters_;  ///< cancelled to wake each
  };

  /// Either the caller becomes the walker (returns the flight to finish()), or a walk is
  /// running and the caller waits for its outcome (returned in `shared`, flight null).
  asio::awaitable<std::shared_ptr<Flight>> join(const dns::Question& question,
                                                asio::any_io_executor executor, Outcome& shared);

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return flights_.size();
  }

 private:
  struct Hash {
    std::size_t operator()(const dns::Question& q) const noexcept {
      return std::hash<dns::Name>{}(q.name) ^ (std::size_t{q.type} << 16 | q.klass);
    }
  };
  mutable std::mutex mutex_;  ///< taken before a Flight's mutex, never the other way round
  std::unordered_map<dns::Question, std::shared_ptr<Flight>, Hash> flights_;
};

}  // namespace tern::resolver
