#include "daemon/listeners/connection_limits.hpp"

#include <algorithm>
#include <vector>

namespace tern::daemon {

ConnectionCounter::Verdict ConnectionCounter::try_admit(const asio::ip::address& client, unsigned max_total,
                                                        unsigned max_per_client, std::optional<Slot>& slot) {
  std::lock_guard lock(mutex_);
  const auto mine = per_client_.find(client);
  if (mine != per_client_.end() && mine->second >= max_per_client) return Verdict::over_client;
  max_total_ = max_total;
  bool evicted = false;
  if (entries_.size() >= max_total) {
    if (!evict_for(client)) return Verdict::over_total;
    evicted = true;
  }
  ++per_client_[client];
  auto activity = std::make_shared<ConnectionActivity>();
  const std::uint64_t id = next_id_++;
  entries_.emplace(id, Entry{client, activity, {}});
  slot.emplace(*this, id, std::move(activity));
  const PressureLevel level = pressure_level(static_cast<unsigned>(entries_.size()), max_total);
  if (level > told_level_) wake_all(level);
  return evicted ? Verdict::admitted_by_eviction : Verdict::admitted;
}

bool ConnectionCounter::evict_for(const asio::ip::address& client) {
  // A copy of the registry for the pure policy: O(open), only when every slot is taken.
  std::vector<OpenConnection> open;
  std::vector<std::uint64_t> ids;
  open.reserve(entries_.size());
  ids.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) {
    open.push_back({entry.client, entry.activity->last_activity(), entry.activity->busy()});
    ids.push_back(id);
  }
  const auto victim = pick_eviction(open, client);
  if (!victim) return false;
  auto it = entries_.find(ids[*victim]);
  it->second.activity->evicted_.store(true, std::memory_order_release);
  // Not yet running: no wake, but it reads the flag when it starts (watch_idle).
  if (it->second.wake) it->second.wake();
  forget(it);  // the slot is the newcomer's now; the victim's own release finds nothing
  return true;
}

void ConnectionCounter::wake_all(PressureLevel level) {
  // Under churn the level crosses a threshold up and down with every connection: waking every
  // connection each time would cost O(open) per admission. A shortened timeout applied up to
  // this much later changes nothing a client could notice; a rise not told now is told by the
  // next admission (told_level_ stays below the level).
  constexpr auto min_interval = std::chrono::milliseconds(100);
  const auto now = std::chrono::steady_clock::now();
  if (woken_once_ && now - last_wake_all_ < min_interval) return;
  woken_once_ = true;
  last_wake_all_ = now;
  told_level_ = level;
  for (auto& [id, entry] : entries_)
    if (entry.wake) entry.wake();
}

unsigned ConnectionCounter::open() const {
  std::lock_guard lock(mutex_);
  return static_cast<unsigned>(entries_.size());
}

void ConnectionCounter::set_wake(std::uint64_t id, Wake wake) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it != entries_.end()) it->second.wake = std::move(wake);
}

void ConnectionCounter::release(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it != entries_.end()) forget(it);  // absent: evicted, already forgotten
}

void ConnectionCounter::forget(std::unordered_map<std::uint64_t, Entry>::iterator entry) {
  auto count = per_client_.find(entry->second.client);
  if (count != per_client_.end() && --count->second == 0) per_client_.erase(count);
  entries_.erase(entry);
  // A connection that starts now reads the lower level itself; the next rise must be told.
  told_level_ = std::min(told_level_, pressure_level(static_cast<unsigned>(entries_.size()), max_total_));
}

}  // namespace tern::daemon
