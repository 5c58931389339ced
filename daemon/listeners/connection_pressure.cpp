#include "daemon/listeners/connection_pressure.hpp"

#include <algorithm>
#include <unordered_map>

namespace tern::daemon {

PressureLevel pressure_level(unsigned open, unsigned max_connections) noexcept {
  if (max_connections == 0) return PressureLevel::severe;
  const unsigned long long percent = 100ull * open / max_connections;
  if (percent > 80) return PressureLevel::severe;
  if (percent > 50) return PressureLevel::high;
  return PressureLevel::none;
}

std::chrono::milliseconds idle_timeout_under_pressure(std::chrono::milliseconds configured,
                                                      PressureLevel level) noexcept {
  switch (level) {
    case PressureLevel::none: return configured;
    case PressureLevel::high: return std::min(configured, std::max(configured / 10, pressure_idle_floor));
    case PressureLevel::severe: return std::min(configured, pressure_idle_floor);
  }
  return configured;
}

namespace {

/// True when `a` should be closed before `b`: idle before busy, then the longer idle.
bool idler(const OpenConnection& a, const OpenConnection& b) {
  if (a.busy != b.busy) return !a.busy;
  return a.last_activity < b.last_activity;
}

}  // namespace

std::optional<std::size_t> pick_eviction(std::span<const OpenConnection> open, const asio::ip::address& newcomer) {
  // Per address: how many, and its idlest connection. O(open): run only when every slot is taken.
  struct Share {
    std::size_t count = 0;
    std::size_t idlest = 0;
  };
  std::unordered_map<asio::ip::address, Share> shares;
  for (std::size_t i = 0; i < open.size(); ++i) {
    Share& s = shares[open[i].client];
    if (s.count == 0 || idler(open[i], open[s.idlest])) s.idlest = i;
    ++s.count;
  }
  const auto mine = shares.find(newcomer);
  const std::size_t newcomer_count = mine == shares.end() ? 0 : mine->second.count;
  const Share* top = nullptr;
  for (const auto& [address, share] : shares) {
    // Ties between the largest holders: the one whose idlest connection is idler.
    if (!top || share.count > top->count ||
        (share.count == top->count && idler(open[share.idlest], open[top->idlest])))
      top = &share;
  }
  if (!top || newcomer_count + 2 > top->count) return std::nullopt;
  return top->idlest;
}

}  // namespace tern::daemon
