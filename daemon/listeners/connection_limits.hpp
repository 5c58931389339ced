// The bound on open client connections of one kind (TCP, DoT), all workers together, and per
// client address, so that one client cannot take every slot; and, with every slot taken, the
// eviction that lets an address with fewer connections in (connection_pressure.hpp says which
// connection goes). Shared by the workers: a connection evicted by one worker's admission may
// live on another's thread, so it is told through its wake function, which posts to its own.
#pragma once

#include "daemon/listeners/connection_pressure.hpp"

#include <asio/ip/address.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

namespace tern::daemon {

/// What a connection and the counter share: how recently the connection was used, whether a
/// query is in progress, and whether it was evicted. Written by the connection's thread, read
/// by any admitting thread (atomics, no lock).
class ConnectionActivity {
 public:
  ConnectionActivity() noexcept { touch(); }
  /// A query was read or an answer sent (or the TLS handshake finished): idleness counts from now.
  void touch() noexcept { last_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed); }
  void query_started() noexcept { pending_.fetch_add(1, std::memory_order_relaxed); }
  void query_finished() noexcept { pending_.fetch_sub(1, std::memory_order_relaxed); }
  std::chrono::steady_clock::time_point last_activity() const noexcept {
    return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(last_.load(std::memory_order_relaxed)));
  }
  bool busy() const noexcept { return pending_.load(std::memory_order_relaxed) > 0; }
  /// Set (once) when another connection took this one's slot: the connection must close.
  bool evicted() const noexcept { return evicted_.load(std::memory_order_acquire); }

 private:
  friend class ConnectionCounter;
  std::atomic<std::chrono::steady_clock::rep> last_{0};
  std::atomic<unsigned> pending_{0};
  std::atomic<bool> evicted_{false};
};

class ConnectionCounter {
 public:
  /// Called, from any thread and under the counter's lock, to make a connection look at its
  /// state again (evicted, or a shorter idle timeout): it must only post to the connection's
  /// own executor.
  using Wake = std::function<void()>;

  /// One admitted connection; releases its slot when destroyed (nothing to release when it was
  /// evicted: the eviction gave the slot away). Holds the counter: the counter must outlive
  /// every slot (it lives in SharedState, destroyed after the workers).
  class Slot {
   public:
    Slot(ConnectionCounter& counter, std::uint64_t id, std::shared_ptr<ConnectionActivity> activity)
        : counter_(&counter), id_(id), activity_(std::move(activity)) {}
    Slot(Slot&& other) noexcept
        : counter_(std::exchange(other.counter_, nullptr)), id_(other.id_), activity_(std::move(other.activity_)) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&& other) noexcept {
      if (this != &other) {
        if (counter_) counter_->release(id_);
        counter_ = std::exchange(other.counter_, nullptr);
        id_ = other.id_;
        activity_ = std::move(other.activity_);
      }
      return *this;
    }
    ~Slot() {
      if (counter_) counter_->release(id_);
    }
    ConnectionActivity& activity() noexcept { return *activity_; }
    /// How to tell the connection of an eviction or a pressure change; until it is set, an
    /// eviction only sets the flag, which the connection reads when it starts.
    void on_wake(Wake wake) {
      if (counter_) counter_->set_wake(id_, std::move(wake));
    }

   private:
    ConnectionCounter* counter_;
    std::uint64_t id_;
    std::shared_ptr<ConnectionActivity> activity_;
  };

  /// admitted_by_eviction: admitted in the slot of a connection that was closed for it.
  enum class Verdict { admitted, admitted_by_eviction, over_total, over_client };

  /// Admits a connection from `client` when fewer than `max_per_client` are open from that
  /// address and either fewer than `max_total` in all or pick_eviction() names a connection to
  /// close for it; on success `slot` holds it. When the admission raises the pressure level,
  /// every connection is woken to apply the shorter idle timeout at once (see wake_all).
  Verdict try_admit(const asio::ip::address& client, unsigned max_total, unsigned max_per_client,
                    std::optional<Slot>& slot);

  unsigned open() const;

 private:
  struct Entry {
    asio::ip::address client;
    std::shared_ptr<ConnectionActivity> activity;
    Wake wake;  ///< empty until the connection runs
  };

  void release(std::uint64_t id);
  void set_wake(std::uint64_t id, Wake wake);
  /// Closes a connection so that `client` can have its slot; false when fairness says no.
  bool evict_for(const asio::ip::address& client);
  void forget(std::unordered_map<std::uint64_t, Entry>::iterator entry);
  /// Wakes every running connection to apply the shorter idle timeout of `level`, at most
  /// every 100 ms.
  void wake_all(PressureLevel level);

  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 0;
  std::unordered_map<std::uint64_t, Entry> entries_;            ///< the open connections, by id
  std::unordered_map<asio::ip::address, unsigned> per_client_;  ///< no zero entries; sums to entries_.size()
  unsigned max_total_ = 0;  ///< the bound of the last admission (a reload may change it)
  /// The highest level every running connection has been told of since the level was last
  /// lower: an admission above it wakes them all.
  PressureLevel told_level_ = PressureLevel::none;
  bool woken_once_ = false;
  std::chrono::steady_clock::time_point last_wake_all_;  ///< meaningful once woken_once_
};

}  // namespace tern::daemon
