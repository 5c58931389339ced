#include "resolver/trace_cache.hpp"

#include <algorithm>
#include <map>

namespace tern::resolver {

void TraceCache::store(const std::vector<dns::Record>& records, cache::Trust trust, const std::string& source,
                       const std::vector<dns::Record>& signatures) {
  std::map<std::pair<dns::Name, std::uint16_t>, std::vector<dns::Record>> grouped;
  for (const auto& rr : records) grouped[{rr.owner, rr.type}].push_back(rr);
  for (auto& [key, set_records] : grouped) {
    Key k{key.first, key.second};
    if (auto it = sets_.find(k); it != sets_.end() && it->second->trust > trust) continue;
    auto set = std::make_shared<cache::RRset>();
    set->ttl = std::min_element(set_records.begin(), set_records.end(), [](const auto& a, const auto& b) {
                 return a.ttl < b.ttl;
               })->ttl;
    set->records = std::move(set_records);
    for (const auto& sig : signatures)
      if (sig.owner == key.first && dns::rrsig_covered(sig) == key.second) set->signatures.push_back(sig);
    set->trust = trust;
    set->source = source;
    sets_[std::move(k)] = std::move(set);
  }
}

std::shared_ptr<const cache::RRset> TraceCache::find(const dns::Name& owner, std::uint16_t type) const {
  auto it = sets_.find(Key{owner, type});
  return it == sets_.end() ? nullptr : it->second;
}

}  // namespace tern::resolver
