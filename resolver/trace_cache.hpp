// What one traced walk (ternctl trace) has learnt: the RRsets its referrals, priming and answers
// brought, kept for that walk alone. A trace neither reads nor writes the shared RRset and answer
// caches, yet it must cost what a cold client walk costs: without a memory of its own it primed
// the root again at every CNAME link and walked every glue-less NS lookup from the root. With
// this one, it finds the cuts and addresses it has already learnt exactly where a client walk
// would find them in the shared cache. Used from the one worker thread the trace runs on: no locks.
#pragma once

#include "cache/rrset_cache.hpp"
#include "resolver/dns/message.hpp"

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace tern::resolver {

class TraceCache {
 public:
  /// Keeps `records` grouped into RRsets (their RRSIGs with them), as RRsetCache::insert does:
  /// a set replaces a known one only at the same or a higher trust (RFC 2181 §5.4.1).
  void store(const std::vector<dns::Record>& records, cache::Trust trust, const std::string& source,
             const std::vector<dns::Record>& signatures = {});
  /// The set of `owner` and `type` learnt so far; null when there is none. TTLs are as received:
  /// a trace lasts seconds, nothing it learnt expires during it.
  std::shared_ptr<const cache::RRset> find(const dns::Name& owner, std::uint16_t type) const;
  /// RRsets kept (for tests).
  std::size_t size() const noexcept { return sets_.size(); }

 private:
  struct Key {
    dns::Name owner;
    std::uint16_t type = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept { return std::hash<dns::Name>{}(k.owner) ^ k.type; }
  };
  std::unordered_map<Key, std::shared_ptr<const cache::RRset>, KeyHash> sets_;
};

}  // namespace tern::resolver
