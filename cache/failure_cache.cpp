#include "cache/failure_cache.hpp"

#include "cache/heap_bytes.hpp"

#include <algorithm>
#include <chrono>

namespace tern::cache {

std::uint64_t FailureKey::Hash::hash(const HashKey& key, const FailureKey& k) noexcept {
  return siphash13(key, k.name.wire()) ^
         ((std::uint64_t{k.type} << 17 | std::uint64_t{k.klass} << 1 | (k.zone ? 1u : 0u)) * 0x9E3779B97F4A7C15ULL);
}

std::size_t FailureKey::Hash::heap_bytes(const FailureKey& k) noexcept { return cache::heap_bytes(k.name.wire()); }

FailureCache::FailureCache(std::size_t byte_budget, HashKey key, const Clock& clock, FailureBounds bounds)
    : cache_(byte_budget, key, 4), clock_(clock), min_ttl_(bounds.min_ttl), max_ttl_(bounds.max_ttl) {}

std::uint32_t FailureCache::record(const FailureKey& key, std::uint16_t ede, const std::string& why) {
  const FailureBounds b = bounds();
  if (!b.enabled()) return 0;
  const TimePoint now = clock_.now();
  auto entry = std::make_shared<FailureEntry>();
  entry->ede = ede;
  entry->why = why;
  entry->ttl = b.first();
  // Backoff: the entry outlives its TTL by `max` seconds (the ShardedCache expiry below), so
  // a key that fails again soon after its memory ran out gets twice the previous TTL.
  auto previous = cache_.find(key);
  // Already remembered (a nested walk met the same broken zone twice, or two workers failed
  // at once): one failure, one backoff step.
  if (previous.value && previous.value->until > now)
    return static_cast<std::uint32_t>(std::chrono::ceil<std::chrono::seconds>(previous.value->until - now).count());
  if (previous.value && previous.expiry > now) {
    entry->ttl = static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t{previous.value->ttl} * 2, b.max_ttl));
    entry->ttl = std::max(entry->ttl, b.first());
    entry->failures = previous.value->failures + 1;
  }
  entry->until = now + std::chrono::seconds(entry->ttl);
  const std::uint32_t ttl = entry->ttl;
  // What the entry owns on the heap; the cache charges its own block, key and nodes.
  const std::size_t bytes = heap_bytes(entry->why);
  cache_.insert(key, std::move(entry), bytes, now + std::chrono::seconds(ttl) + std::chrono::seconds(b.max_ttl));
  return ttl;
}

bool FailureCache::remembered(const FailureKey& key) {
  if (!bounds().enabled()) return false;
  auto item = cache_.find(key);
  return item.value && item.value->until > clock_.now();
}

std::optional<FailureHit> FailureCache::find(const FailureKey& key) {
  if (!bounds().enabled()) return std::nullopt;  // turned off by a reload: forget at once
  auto item = cache_.find(key);
  if (!item.value) return std::nullopt;
  const TimePoint now = clock_.now();
  if (item.value->until <= now) return std::nullopt;
  hits_.fetch_add(1, std::memory_order_relaxed);
  const auto left = std::chrono::ceil<std::chrono::seconds>(item.value->until - now).count();
  return FailureHit{item.value->ede, item.value->why, static_cast<std::uint32_t>(left), item.value->ttl};
}

}  // namespace tern::cache
