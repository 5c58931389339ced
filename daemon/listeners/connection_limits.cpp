#include "daemon/listeners/connection_limits.hpp"

namespace tern::daemon {

ConnectionCounter::Verdict ConnectionCounter::try_admit(const asio::ip::address& client, unsigned max_total,
                                                        unsigned max_per_client, std::optional<Slot>& slot) {
  std::lock_guard lock(mutex_);
  if (total_ >= max_total) return Verdict::over_total;
  auto [it, inserted] = per_client_.try_emplace(client, 0u);
  if (it->second >= max_per_client) return Verdict::over_client;
  ++it->second;
  ++total_;
  slot.emplace(*this, client);
  return Verdict::admitted;
}

unsigned ConnectionCounter::open() const {
  std::lock_guard lock(mutex_);
  return total_;
}

void ConnectionCounter::release(const asio::ip::address& client) {
  std::lock_guard lock(mutex_);
  auto it = per_client_.find(client);
  if (it == per_client_.end()) return;  // cannot happen: every slot was counted
  --total_;
  if (--it->second == 0) per_client_.erase(it);
}

}  // namespace tern::daemon
