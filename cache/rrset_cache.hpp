// The RRset cache: (owner, type, class) -> the records, their expiry, trust and provenance.
// Used by the walk for zone cuts (NS sets and their addresses) and for CNAME links.
#pragma once

#include "cache/clock.hpp"
#include "cache/sharded_cache.hpp"
#include "resolver/dns/message.hpp"
#include "resolver/dnssec/security.hpp"  // header only: the enum

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tern::cache {

/// How far a piece of data may be believed: RFC 2181 §5.4.1's ranking, lowest first. Data of a
/// lower rank never replaces live data of a higher one.
enum class Trust : std::uint8_t {
  glue = 1,             ///< additional section of a referral (addresses of NS names)
  referral = 2,         ///< NS set in the authority section of a non-authoritative referral
  authority_auth = 3,   ///< authority section of an authoritative answer
  answer_nonauth = 4,   ///< answer section without AA (a forwarder's answer)
  answer_auth = 5,      ///< answer section of an authoritative answer
};
std::string_view to_string(Trust t) noexcept;

/// Cache key of an RRset: owner (canonical), type, class.
struct RRsetKey {
  dns::Name owner;
  std::uint16_t type = 0;
  std::uint16_t klass = dns::class_in;
  friend bool operator==(const RRsetKey&, const RRsetKey&) = default;
  struct Hash {
    static std::uint64_t hash(const HashKey& key, const RRsetKey& k) noexcept;
    static std::size_t heap_bytes(const RRsetKey& k) noexcept;
  };
};

/// One cached RRset. Immutable once stored.
struct RRset {
  std::vector<dns::Record> records;  ///< each record's ttl is the clamped original TTL
  /// The RRSIGs over this set as the authority sent them (RFC 4035 §3.1.1), TTL as the set's:
  /// served after the records, to DO clients only.
  std::vector<dns::Record> signatures;
  std::uint32_t ttl = 0;             ///< clamped TTL of the set (minimum over its records)
  Trust trust = Trust::glue;
  /// DNSSEC state of the set (RFC 4035 §4.3) when it was stored: indeterminate when not
  /// validated (validation off, glue, referral NS sets).
  resolver::dnssec::Security security = resolver::dnssec::Security::indeterminate;
  std::string source;                ///< the server it came from ("127.53.1.1"), for ternctl
  TimePoint inserted;                ///< on the cache's clock
  std::chrono::system_clock::time_point inserted_wall;  ///< for people reading `cache show`
};

/// TTL bounds applied on insert (cache-min-ttl / cache-max-ttl).
struct TtlBounds {
  std::uint32_t min_ttl = 0;
  std::uint32_t max_ttl = 86400;
  std::uint32_t clamp(std::uint32_t ttl) const noexcept {
    return ttl < min_ttl ? min_ttl : ttl > max_ttl ? max_ttl : ttl;
  }
};

class RRsetCache {
 public:
  RRsetCache(std::size_t byte_budget, HashKey key, const Clock& clock, TtlBounds bounds);

  /// Stores the records (all of one owner/type/class) unless live data of higher trust is
  /// there. Returns whether it was stored.
  bool insert(std::vector<dns::Record> records, Trust trust, std::string source,
              std::vector<dns::Record> signatures = {},
              resolver::dnssec::Security security = resolver::dnssec::Security::indeterminate);
  /// Records the DNSSEC verdict of a live set once it has been validated (a copy replaces it,
  /// same expiry): the walk stores what it learns before it knows the verdict. False when the
  /// set is gone.
  bool set_security(const dns::Name& owner, std::uint16_t type, resolver::dnssec::Security security);
  /// The live RRset, or null when absent or expired.
  std::shared_ptr<const RRset> find(const dns::Name& owner, std::uint16_t type) ;
  /// Seconds the set has left (0 when expired).
  std::uint32_t remaining_ttl(const RRset& set) const noexcept;
  bool erase(const dns::Name& owner, std::uint16_t type);

  ShardedCache<RRsetKey, RRset, RRsetKey::Hash>& entries() noexcept { return cache_; }
  const Clock& clock() const noexcept { return clock_; }
  void set_bounds(TtlBounds b) noexcept { bounds_ = b; }

 private:
  ShardedCache<RRsetKey, RRset, RRsetKey::Hash> cache_;
  const Clock& clock_;
  TtlBounds bounds_;
};

/// The heap blocks one record owns (its owner name and RDATA), for the byte budgets; the
/// record's own octets are in its vector's block.
std::size_t record_heap_bytes(const dns::Record& rr) noexcept;

}  // namespace tern::cache
