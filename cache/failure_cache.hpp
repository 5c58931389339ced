// The failure cache (RFC 9520, "Negative Caching of DNS Resolution Failures"): a resolution
// that ended in SERVFAIL is remembered, and the same question is answered SERVFAIL from here,
// with no upstream query, until the memory expires. Two kinds of entry:
//  - a question (name, type, class) whose resolution failed;
//  - a zone whose servers all failed in a way that concerns the whole zone (unreachable,
//    REFUSED, lame, or a cyclic delegation with no usable address: TsuNAME;
//    resolver/exchange_verdict.hpp's FailureScope says which failures do not). Every name
//    under it fails at once, without the walk asking anything, so clients asking host1..hostN
//    under a broken zone do not each walk anew (RFC 9520 §3.3, and RFC 4697's "do not
//    requery the parent", extended).
// Exponential backoff: the first failure is remembered for `min` seconds, each failure of the
// same key while the previous one is still remembered (or was, less than `max` seconds ago)
// doubles that, up to `max` (RFC 9520 §3.2: at least 1 s, at most 5 minutes). max = 0 turns
// the cache off.
#pragma once

#include "cache/clock.hpp"
#include "cache/sharded_cache.hpp"
#include "resolver/dns/message.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

namespace tern::cache {

/// A question's failure, or (zone = true, type and class 0) a zone's servers' failure.
struct FailureKey {
  dns::Name name;
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
  bool zone = false;
  friend bool operator==(const FailureKey&, const FailureKey&) = default;
  struct Hash {
    static std::uint64_t hash(const HashKey& key, const FailureKey& k) noexcept;
    static std::size_t heap_bytes(const FailureKey& k) noexcept;
  };
  static FailureKey question(const dns::Question& q) { return {q.name, q.type, q.klass, false}; }
  static FailureKey zone_of(const dns::Name& zone) { return {zone, 0, 0, true}; }
};

/// What is remembered of one failure.
struct FailureEntry {
  std::uint16_t ede = 0;   ///< the RFC 8914 code the failure had when it happened
  std::string why;         ///< its text ("no reachable authority for loop.test.")
  std::uint32_t ttl = 0;   ///< seconds it is remembered for (the backoff step)
  TimePoint until;         ///< remembered (answered from here) until then
  unsigned failures = 1;   ///< consecutive failures of this key (1 = first)
};

/// A live failure: what it was, and for how long more it is remembered.
struct FailureHit {
  std::uint16_t ede = 0;
  std::string why;
  std::uint32_t remaining = 0;  ///< whole seconds, rounded up
  std::uint32_t ttl = 0;
};

/// The failure TTL bounds (cache-min-failure-ttl, cache-max-failure-ttl).
struct FailureBounds {
  std::uint32_t min_ttl = 1;
  std::uint32_t max_ttl = 60;
  bool enabled() const noexcept { return max_ttl > 0; }
  std::uint32_t first() const noexcept { return min_ttl < max_ttl ? (min_ttl ? min_ttl : 1) : max_ttl; }
};

class FailureCache {
 public:
  FailureCache(std::size_t byte_budget, HashKey key, const Clock& clock, FailureBounds bounds);

  /// Remembers a failure of `key`: returns the TTL given (0 when the cache is off). A key
  /// still remembered keeps its entry (the seconds it has left are returned).
  std::uint32_t record(const FailureKey& key, std::uint16_t ede, const std::string& why);
  /// The live failure of `key`, counting a hit; nullopt when none (or expired).
  std::optional<FailureHit> find(const FailureKey& key);
  /// Whether `key` is remembered as failed now, without counting a hit (the walk's probe).
  bool remembered(const FailureKey& key);
  /// Forgets `key` (a success after a failure: the next failure starts the backoff afresh).
  void erase(const FailureKey& key) { cache_.erase(key); }

  void set_bounds(FailureBounds bounds) noexcept {
    min_ttl_.store(bounds.min_ttl, std::memory_order_relaxed);
    max_ttl_.store(bounds.max_ttl, std::memory_order_relaxed);
  }
  FailureBounds bounds() const noexcept {
    return {min_ttl_.load(std::memory_order_relaxed), max_ttl_.load(std::memory_order_relaxed)};
  }
  /// Questions answered from a remembered failure (question or zone), all time.
  std::uint64_t hits() const noexcept { return hits_.load(std::memory_order_relaxed); }
  const Clock& clock() const noexcept { return clock_; }
  ShardedCache<FailureKey, FailureEntry, FailureKey::Hash>& entries() noexcept { return cache_; }

 private:
  ShardedCache<FailureKey, FailureEntry, FailureKey::Hash> cache_;
  const Clock& clock_;
  // Atomics: a reload sets them on the main thread while workers read them.
  std::atomic<std::uint32_t> min_ttl_;
  std::atomic<std::uint32_t> max_ttl_;
  std::atomic<std::uint64_t> hits_{0};
};

}  // namespace tern::cache
