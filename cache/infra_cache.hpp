// What tern has learnt about each authority address: smoothed RTT, failures, backoff, EDNS,
// 0x20 support and DNS cookies.
// Bounded like every cache (a byte budget) and expiring (a server's record ages out after
// `infra_ttl`, so a server that was down is tried afresh later).
#pragma once

#include "cache/clock.hpp"
#include "cache/sharded_cache.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace tern::cache {

/// Key: the server's address in network byte order (4 or 16 octets).
struct InfraKey {
  std::string address;
  friend bool operator==(const InfraKey&, const InfraKey&) = default;
  struct Hash {
    static std::uint64_t hash(const HashKey& key, const InfraKey& k) noexcept {
      return siphash13(key, k.address);
    }
    static std::size_t heap_bytes(const InfraKey& k) noexcept { return cache::heap_bytes(k.address); }
  };
};

/// Everything known about one server address.
struct ServerStats {
  std::uint32_t srtt_us = 0;           ///< smoothed RTT (RFC 6298 style, alpha 1/8); 0 = unknown
  std::uint32_t rttvar_us = 0;         ///< RTT variation
  std::uint32_t consecutive_failures = 0;
  TimePoint backoff_until{};           ///< not chosen before this unless nothing else is left
  bool edns_unsupported = false;       ///< answered FORMERR to EDNS: query it without
  std::uint64_t queries = 0;           ///< sent to it, all time (for ternctl)
  std::uint64_t failures = 0;          ///< timeouts and errors, all time
  std::uint64_t timeouts = 0;          ///< of the failures, the exchanges that timed out
  std::uint64_t tcp_failures = 0;      ///< of the failures, TC=1 answers whose TCP retry failed
  bool no_caps_for_id = false;         ///< does not echo 0x20 case: query it without
  std::string client_cookie;           ///< RFC 7873: the 8-octet client cookie we use with it
  std::string server_cookie;           ///< the last server cookie it gave us (none or 8..32)
};

class InfraCache {
 public:
  static constexpr std::chrono::minutes infra_ttl{15};

  InfraCache(std::size_t byte_budget, HashKey key, const Clock& clock)
      : cache_(byte_budget, key, 4), clock_(clock) {}

  std::optional<ServerStats> find(const std::string& address) {
    auto item = cache_.find(InfraKey{address});
    if (!item.value || item.expiry <= clock_.now()) return std::nullopt;
    return *item.value;
  }
  void store(const std::string& address, const ServerStats& stats) {
    auto value = std::make_shared<ServerStats>(stats);
    const std::size_t owned = heap_bytes(value->client_cookie) + heap_bytes(value->server_cookie);
    cache_.insert(InfraKey{address}, std::move(value), owned, clock_.now() + infra_ttl);
  }
  /// Forgets `address` (ternctl infra flush): the next query measures it afresh.
  bool erase(const std::string& address) { return cache_.erase(InfraKey{address}); }
  const Clock& clock() const noexcept { return clock_; }
  ShardedCache<InfraKey, ServerStats, InfraKey::Hash>& entries() noexcept { return cache_; }

 private:
  ShardedCache<InfraKey, ServerStats, InfraKey::Hash> cache_;
  const Clock& clock_;
};

}  // namespace tern::cache
