// The validated NSEC chains of zones, kept for aggressive negative caching (RFC 8198): a name
// that falls between two names of a chain already proven does not exist, and is answered
// NXDOMAIN (or NODATA) without asking the zone. Per worker (a Resolver owns one: no lock), in
// canonical name order (RFC 4034 section 6.1) so that the NSEC covering a name is a lookup.
// Only NSEC: an NSEC3 chain is hashed, and its opt-out spans prove nothing here (RFC 8198 5.2).
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
    std::vector<dns::Record> nsec;   ///< NSEC records only: what the proof is run on
    std::vector<dns::Record> sigs;   ///< the RRSIGs over them
    std::vector<dns::Record> soa;    ///< SOA and its RRSIGs
    std::uint32_t ttl = 0;           ///< seconds left of the shortest of them
  };

  /// Keeps NSEC RRsets (NSEC records and their RRSIGs, mixed) proven secure for `zone`, and
  /// the zone's SOA (and its RRSIGs), for `ttl` seconds from `now`.
  void add(const dns::Name& zone, const std::vector<dns::Record>& nsec_and_sigs,
           const std::vector<dns::Record>& soa_and_sigs, std::uint32_t ttl, cache::TimePoint now);
  /// The zone held that encloses `name` (the deepest), if any.
  std::optional<dns::Name> zone_of(const dns::Name& name) const;
  /// The live NSECs of `zone` around `name` and around the wildcard of each of its ancestors
  /// down from the zone (the records an NXDOMAIN proof needs); nullopt when none are live.
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
    std::vector<dns::Record> soa;
    cache::TimePoint soa_expires;
  };
  std::map<dns::Name, Zone> zones_;
  std::size_t entries_ = 0;
};

}  // namespace tern::resolver
