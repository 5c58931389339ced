// The answer cache: a whole resolved answer per question, so a repeated question costs one
// lookup. Positive answers live for the smallest TTL of their records; negative answers
// (NXDOMAIN per name, NODATA per name and type) for min(SOA TTL, SOA MINIMUM), RFC 2308 §5.
#pragma once

#include "cache/clock.hpp"
#include "cache/rrset_cache.hpp"
#include "cache/sharded_cache.hpp"
#include "resolver/dns/message.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tern::cache {

/// Cache key of an answer: the question, canonical.
struct AnswerKey {
  dns::Question question;
  friend bool operator==(const AnswerKey&, const AnswerKey&) = default;
  struct Hash {
    static std::uint64_t hash(const HashKey& key, const AnswerKey& k) noexcept;
  };
};

/// One cached answer. Immutable once stored; records carry their clamped original TTLs.
struct CachedAnswer {
  std::uint16_t rcode = dns::rcode::noerror;
  std::vector<dns::Record> answer;     ///< CNAME chain, then the final RRset
  std::vector<dns::Record> authority;  ///< the SOA of a negative answer
  std::uint32_t ttl = 0;               ///< lifetime of the entry
  TimePoint inserted;
};

/// A hit: the entry and how many whole seconds it has aged.
struct AnswerHit {
  std::shared_ptr<const CachedAnswer> entry;
  std::uint32_t age = 0;
};

class AnswerCache {
 public:
  AnswerCache(std::size_t byte_budget, HashKey key, const Clock& clock, TtlBounds positive,
              TtlBounds negative);

  /// Stores an answer (NOERROR with records, NXDOMAIN, or NODATA) unless its TTL is 0.
  void insert(const dns::Question& q, std::uint16_t rcode, std::vector<dns::Record> answer,
              std::vector<dns::Record> authority);
  std::optional<AnswerHit> find(const dns::Question& q);
  bool erase(const dns::Question& q);

  ShardedCache<AnswerKey, CachedAnswer, AnswerKey::Hash>& entries() noexcept { return cache_; }

 private:
  ShardedCache<AnswerKey, CachedAnswer, AnswerKey::Hash> cache_;
  const Clock& clock_;
  TtlBounds positive_;
  TtlBounds negative_;
};

}  // namespace tern::cache
