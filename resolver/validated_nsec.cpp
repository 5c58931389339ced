#include "resolver/validated_nsec.hpp"

#include <algorithm>
#include <set>

namespace tern::resolver {

namespace {

/// NSEC records held per worker; past it the store starts again empty (the cost is only
/// queries that aggressive use would have saved).
constexpr std::size_t max_entries = 16384;

}  // namespace

void ValidatedNsecStore::add(const dns::Name& zone, const std::vector<dns::Record>& nsec_and_sigs,
                             const std::vector<dns::Record>& soa_and_sigs, std::uint32_t ttl, cache::TimePoint now) {
  if (ttl == 0) return;
  if (entries_ >= max_entries) {
    zones_.clear();
    entries_ = 0;
  }
  const cache::TimePoint expires = now + std::chrono::seconds(ttl);
  Zone& z = zones_[zone];
  for (const auto& rr : nsec_and_sigs) {
    if (rr.type != dns::rrtype::NSEC && rr.type != dns::rrtype::NSEC3) continue;
    Entry entry{{rr}, expires};
    for (const auto& sig : nsec_and_sigs)
      if (sig.type == dns::rrtype::RRSIG && sig.owner == rr.owner && dns::rrsig_covered(sig) == rr.type)
        entry.records.push_back(sig);
    auto& held = rr.type == dns::rrtype::NSEC ? z.chain : z.nsec3;
    if (rr.type == dns::rrtype::NSEC3 && held.size() >= max_nsec3_per_zone && !held.count(rr.owner)) {
      entries_ -= held.size();  // start the zone's NSEC3s again rather than let lookups grow
      held.clear();
    }
    auto [it, added] = held.insert_or_assign(rr.owner, std::move(entry));
    if (added) ++entries_;
  }
  if (!soa_and_sigs.empty()) {
    z.soa = soa_and_sigs;
    z.soa_expires = expires;
  }
}

std::optional<dns::Name> ValidatedNsecStore::zone_of(const dns::Name& name) const {
  for (dns::Name zone = name;; zone = zone.parent()) {
    if (zones_.count(zone)) return zone;
    if (zone.is_root()) return std::nullopt;
  }
}

std::optional<ValidatedNsecStore::Found> ValidatedNsecStore::around(const dns::Name& zone, const dns::Name& name,
                                                                    cache::TimePoint now) const {
  auto z = zones_.find(zone);
  if (z == zones_.end() || z->second.soa.empty() || z->second.soa_expires <= now) return std::nullopt;
  if (z->second.chain.empty()) return nsec3_of(z->second, now);
  const auto& chain = z->second.chain;
  // The names whose covering NSEC a proof may need: the name and the wildcard below each of
  // its ancestors within the zone (the closest encloser's is the one RFC 4035 5.4 asks for).
  std::vector<dns::Name> probes{name};
  for (dns::Name up = name; up != zone && !up.is_root();) {
    up = up.parent();
    if (auto wildcard = dns::Name::from_text("*." + up.to_text())) probes.push_back(*wildcard);
  }
  Found found;
  cache::TimePoint earliest = z->second.soa_expires;
  std::set<dns::Name, Canonical> taken;
  for (const auto& probe : probes) {
    // The NSEC at or before the probe in canonical order; before the first, the last (it wraps).
    auto it = chain.upper_bound(probe);
    it = it == chain.begin() ? std::prev(chain.end()) : std::prev(it);
    if (it->second.expires <= now || !taken.insert(it->first).second) continue;
    earliest = std::min(earliest, it->second.expires);
    for (const auto& rr : it->second.records) (rr.type == dns::rrtype::NSEC ? found.nsec : found.sigs).push_back(rr);
  }
  if (found.nsec.empty()) return std::nullopt;
  found.soa = z->second.soa;
  found.ttl = static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(earliest - now).count());
  if (found.ttl == 0) return std::nullopt;
  return found;
}

std::optional<ValidatedNsecStore::Found> ValidatedNsecStore::nsec3_of(const Zone& z, cache::TimePoint now) {
  Found found;
  cache::TimePoint earliest = z.soa_expires;
  for (const auto& [owner, entry] : z.nsec3) {
    if (entry.expires <= now) continue;
    earliest = std::min(earliest, entry.expires);
    for (const auto& rr : entry.records) (rr.type == dns::rrtype::NSEC3 ? found.nsec : found.sigs).push_back(rr);
  }
  if (found.nsec.empty()) return std::nullopt;
  found.soa = z.soa;
  found.ttl = static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(earliest - now).count());
  if (found.ttl == 0) return std::nullopt;
  return found;
}

}  // namespace tern::resolver
