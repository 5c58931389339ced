#include "cache/rrset_cache.hpp"

#include <algorithm>

namespace tern::cache {

std::string_view to_string(Trust t) noexcept {
  switch (t) {
    case Trust::glue: return "glue";
    case Trust::referral: return "referral";
    case Trust::authority_auth: return "authority";
    case Trust::answer_nonauth: return "answer-nonauth";
    case Trust::answer_auth: return "answer";
  }
  return "unknown";
}

std::uint64_t RRsetKey::Hash::hash(const HashKey& key, const RRsetKey& k) noexcept {
  // type and class folded into the key so (name, A) and (name, AAAA) land apart.
  return siphash13(key, k.owner.wire()) ^ (std::uint64_t{k.type} << 16 | k.klass) * 0x9E3779B97F4A7C15ULL;
}

std::size_t RRsetKey::Hash::heap_bytes(const RRsetKey& k) noexcept { return cache::heap_bytes(k.owner.wire()); }

std::size_t record_heap_bytes(const dns::Record& rr) noexcept {
  return heap_bytes(rr.owner.wire()) + heap_bytes(rr.rdata);
}

RRsetCache::RRsetCache(std::size_t byte_budget, HashKey key, const Clock& clock, TtlBounds bounds)
    : cache_(byte_budget, key), clock_(clock), bounds_(bounds) {}

bool RRsetCache::insert(std::vector<dns::Record> records, Trust trust, std::string source,
                        std::vector<dns::Record> signatures, resolver::dnssec::Security security) {
  if (records.empty()) return false;
  auto set = std::make_shared<RRset>();
  std::uint32_t ttl = UINT32_MAX;
  // What the set owns on the heap; the cache adds the set's own block, key and nodes.
  std::size_t bytes = heap_bytes(records) + heap_bytes(source);
  for (auto& rr : records) {
    rr.ttl = bounds_.clamp(rr.ttl);
    ttl = std::min(ttl, rr.ttl);
    bytes += record_heap_bytes(rr);
  }
  // RFC 2181 §5.2: the TTLs of an RRset's records are one value; take the smallest.
  for (auto& rr : records) rr.ttl = ttl;
  // A signature does not outlive the set it covers (it is served with it).
  bytes += heap_bytes(signatures);
  for (auto& sig : signatures) {
    sig.ttl = ttl;
    bytes += record_heap_bytes(sig);
  }
  RRsetKey key{records.front().owner, records.front().type, records.front().klass};
  set->records = std::move(records);
  set->signatures = std::move(signatures);
  set->ttl = ttl;
  set->trust = trust;
  set->security = security;
  set->source = std::move(source);
  set->inserted = clock_.now();
  set->inserted_wall = std::chrono::system_clock::now();
  TimePoint now = set->inserted;
  TimePoint expiry = now + std::chrono::seconds(ttl);
  return cache_.insert(key, std::move(set), bytes, expiry, [&](const auto& old) {
    return old.expiry <= now || old.value->trust <= trust;
  });
}

std::shared_ptr<const RRset> RRsetCache::find(const dns::Name& owner, std::uint16_t type) {
  auto item = cache_.find(RRsetKey{owner, type, dns::class_in});
  if (!item.value || item.expiry <= clock_.now()) return nullptr;
  return item.value;
}

bool RRsetCache::set_security(const dns::Name& owner, std::uint16_t type, resolver::dnssec::Security security) {
  const RRsetKey key{owner, type, dns::class_in};
  auto item = cache_.find(key);
  if (!item.value || item.expiry <= clock_.now() || item.value->security == security) return item.value != nullptr;
  auto copy = std::make_shared<RRset>(*item.value);
  copy->security = security;
  std::size_t bytes = heap_bytes(copy->records) + heap_bytes(copy->source) + heap_bytes(copy->signatures);
  for (const auto& rr : copy->records) bytes += record_heap_bytes(rr);
  for (const auto& rr : copy->signatures) bytes += record_heap_bytes(rr);
  const auto* old = item.value.get();
  return cache_.insert(key, std::move(copy), bytes, item.expiry, [&](const auto& current) {
    return current.value.get() == old;  // not replaced meanwhile by newer data
  });
}

std::uint32_t RRsetCache::remaining_ttl(const RRset& set) const noexcept {
  auto age = std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - set.inserted).count();
  return age >= set.ttl ? 0 : static_cast<std::uint32_t>(set.ttl - age);
}

bool RRsetCache::erase(const dns::Name& owner, std::uint16_t type) {
  return cache_.erase(RRsetKey{owner, type, dns::class_in});
}

}  // namespace tern::cache
