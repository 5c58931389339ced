#include "cache/answer_cache.hpp"

#include <algorithm>

namespace tern::cache {

std::uint64_t AnswerKey::Hash::hash(const HashKey& key, const AnswerKey& k) noexcept {
  return siphash13(key, k.question.name.wire()) ^
         (std::uint64_t{k.question.type} << 16 | k.question.klass) * 0x9E3779B97F4A7C15ULL;
}

AnswerCache::AnswerCache(std::size_t byte_budget, HashKey key, const Clock& clock,
                         TtlBounds positive, TtlBounds negative)
    : cache_(byte_budget, key), clock_(clock), positive_(positive), negative_(negative) {}

void AnswerCache::insert(const dns::Question& q, std::uint16_t rcode,
                         std::vector<dns::Record> answer, std::vector<dns::Record> authority) {
  auto entry = std::make_shared<CachedAnswer>();
  std::uint32_t ttl = UINT32_MAX;
  std::size_t bytes = sizeof(CachedAnswer) + q.name.wire().size() + 64;
  for (auto& rr : answer) {
    rr.ttl = positive_.clamp(rr.ttl);
    ttl = std::min(ttl, rr.ttl);
    bytes += approximate_bytes(rr);
  }
  bool negative = rcode == dns::rcode::nxdomain || answer.empty() ||
                  answer.back().type != q.type;
  if (negative) {
    // RFC 2308 §5: the negative TTL is the smaller of the SOA's TTL and its MINIMUM field;
    // without an SOA the answer is not cached at all.
    auto soa = std::find_if(authority.begin(), authority.end(),
                            [](const dns::Record& r) { return r.type == dns::rrtype::SOA; });
    if (soa == authority.end()) return;
    std::uint32_t neg = negative_.clamp(std::min(soa->ttl, dns::soa_minimum(*soa).value_or(0)));
    soa->ttl = neg;
    ttl = std::min(ttl, neg);
    for (auto& rr : authority) bytes += approximate_bytes(rr);
  }
  if (ttl == 0 || ttl == UINT32_MAX) return;
  entry->rcode = rcode;
  entry->answer = std::move(answer);
  entry->authority = std::move(authority);
  entry->ttl = ttl;
  entry->inserted = clock_.now();
  cache_.insert(AnswerKey{q}, std::move(entry), bytes,
                clock_.now() + std::chrono::seconds(ttl));
}

std::optional<AnswerHit> AnswerCache::find(const dns::Question& q) {
  auto item = cache_.find(AnswerKey{q});
  TimePoint now = clock_.now();
  if (!item.value || item.expiry <= now) return std::nullopt;
  auto age = std::chrono::duration_cast<std::chrono::seconds>(now - item.value->inserted).count();
  return AnswerHit{item.value, static_cast<std::uint32_t>(age)};
}

bool AnswerCache::erase(const dns::Question& q) { return cache_.erase(AnswerKey{q}); }

}  // namespace tern::cache
