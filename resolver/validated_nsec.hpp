// The validated NSEC and NSEC3 chains of zones, kept for aggressive negative caching (RFC 8198):
// a name that falls between two names of a chain already proven does not exist, and is answered
// NXDOMAIN (or NODATA) without asking the zone. Per worker (a Resolver owns one: no lock), in
// canonical name order (RFC 4034 section 6.1) so that the NSEC covering a name is a lookup.
// NSEC3 (RFC 8198 section 4): which record covers a name is known only once the name is hashed,
// and the hashing is charged to the query's budget in the proof (dnssec/aggressive_denial.hpp),
// so a lookup hands over the zone's live NSEC3 records, at most max_nsec3_per_zone of them; the
// proof refuses opt-out spans (RFC 8198 section 5.2).
#pragma once

#include "cache/clock.hpp"
#include "resolver/dns/message.hpp"
#include "resolver/dnssec/name_order.hpp"

#include <map>
#include <optional>
#include <vector>

namespace tern::resolver {

class ValidatedNsecStore {
 public:
  /// What a lookup found: the zone's NSEC records that may cover the name or its wildcards,
  /// with their RRSIGs (to serve), and the zone's SOA with its RRSIGs (a negative answer's).
  struct Found {
    std::vector<dns::Record> nsec;   ///< NSEC (or NSEC3) records only: what the proof is run on
    std::vector<dns::Record> sigs;   ///< the RRSIGs over them
    std::vector<dns::Record> soa;    ///< SOA and its RRSIGs
    std::uint32_t ttl = 0;           ///< seconds left of the shortest of them
  };

  /// NSEC3 records held per zone: a lookup hands all of them to the proof, so this bounds the
  /// work a query does besides its hashes (which the ValidationBudget bounds).
  static constexpr std::size_t max_nsec3_per_zone = 256;

  /// Keeps NSEC or NSEC3 RRsets (the records and their RRSIGs, mixed) proven secure for `zone`, and
  /// the zone's SOA (and its RRSIGs), for `ttl` seconds from `now`.
  void add(const dns::Name& zone, const std::vector<dns::Record>& nsec_and_sigs,
           const std::vector<dns::Record>& soa_and_sigs, std::uint32_t ttl, cache::TimePoint now);
  /// The zone held that encloses `name` (the deepest), if any.
  std::optional<dns::Name> zone_of(const dns::Name& name) const;
  /// The live NSECs of `zone` around `name` and around the wildcard of each of its ancestors
  /// down from the zone (the records an NXDOMAIN proof needs); for an NSEC3 zone every live
  /// NSEC3 of it. nullopt when none are live.
  std::optional<Found> around(const dns::Name& zone, const dns::Name& name, cache::TimePoint now) const;
  std::size_t size() const noexcept { return entries_; }

 private:
  struct Canonical {
    bool operator()(const dns::Name& a, const dns::Name& b) const noexcept { return dnssec::canonical_less(a, b); }
  };
  /// One NSEC RRset (the record and its RRSIGs) until it expires.
  struct Entry {
    std::vector<dns::Record> records;
    cache::TimePoint expires;
  };
  struct Zone {
    std::map<dns::Name, Entry, Canonical> chain;
    std::map<dns::Name, Entry, Canonical> nsec3;  ///< by hashed owner
    std::vector<dns::Record> soa;
    cache::TimePoint soa_expires;
  };
  /// Every live NSEC3 of an NSEC3 zone (the proof hashes the names and picks).
  static std::optional<Found> nsec3_of(const Zone& z, cache::TimePoint now);
  std::map<dns::Name, Zone> zones_;
  std::size_t entries_ = 0;
};

}  // namespace tern::resolver
