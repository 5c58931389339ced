// The bound on open client connections of one kind (TCP, DoT), all workers together, and per
// client address, so that one client cannot take every slot. Shared by the workers.
#pragma once

#include <asio/ip/address.hpp>

#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

namespace tern::daemon {

class ConnectionCounter {
 public:
  /// One admitted connection; releases its slot when destroyed. Holds the counter: the counter
  /// must outlive every slot (it lives in SharedState, destroyed after the workers).
  class Slot {
   public:
    Slot(ConnectionCounter& counter, asio::ip::address client) : counter_(&counter), client_(client) {}
    Slot(Slot&& other) noexcept : counter_(other.counter_), client_(other.client_) { other.counter_ = nullptr; }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&& other) noexcept {
      if (this != &other) {
        if (counter_) counter_->release(client_);
        counter_ = std::exchange(other.counter_, nullptr);
        client_ = other.client_;
      }
      return *this;
    }
    ~Slot() {
      if (counter_) counter_->release(client_);
    }

   private:
    ConnectionCounter* counter_;
    asio::ip::address client_;
  };

  enum class Verdict { admitted, over_total, over_client };

  /// Admits a connection from `client` when fewer than `max_total` are open and fewer than
  /// `max_per_client` from that address; on success `slot` holds it.
  Verdict try_admit(const asio::ip::address& client, unsigned max_total, unsigned max_per_client,
                    std::optional<Slot>& slot);

  unsigned open() const;

 private:
  void release(const asio::ip::address& client);

  mutable std::mutex mutex_;
  unsigned total_ = 0;                                   ///< == sum of per_client_ values
  std::unordered_map<asio::ip::address, unsigned> per_client_;  ///< no zero entries
};

}  // namespace tern::daemon
