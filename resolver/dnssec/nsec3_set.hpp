// The usable NSEC3 records of one zone and the two questions every NSEC3 proof asks of them:
// which record matches a name, which covers it (RFC 5155 sections 8.2 and 8.3), in hash order.
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/dns/types.hpp"
#include "resolver/dnssec/denial.hpp"
#include "resolver/dnssec/nsec3_hash.hpp"
#include "resolver/dnssec/nsec_records.hpp"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tern::resolver::dnssec::nsec3 {

/// One usable NSEC3: SHA-1, flags 0 or 1, owned one label below the zone by a base32hex hash.
struct Nsec3 {
  std::size_t index;       ///< into the records given
  std::string owner_hash;  ///< raw 20 octets decoded from the owner's first label
  Nsec3Rdata rdata;
  bool has(std::uint16_t type) const noexcept { return rdata.types.has(type); }
  bool is_delegation() const noexcept { return has(dns::rrtype::NS) && !has(dns::rrtype::SOA); }
};

/// The records screened, or the verdict that ends the proof before any hashing.
struct Nsec3Screen {
  std::vector<Nsec3> usable;
  std::optional<DenialResult> verdict;  ///< set: too many records, too many iterations
};

/// RFC 5155 section 8.2 (unknown algorithms and flags ignored), RFC 9276 section 3.2 (over
/// limits::max_nsec3_iterations: insecure, EDE 27, nothing hashed), CVE-2023-50868 (over
/// max_records NSEC3 records: bogus, EDE 6).
Nsec3Screen screen_nsec3s(std::span<const dns::Record> records, const dns::Name& zone,
                          std::size_t max_records);

/// The closest encloser proof of RFC 5155 section 8.3.
struct EncloserProof {
  dns::Name encloser;
  const Nsec3* encloser_match = nullptr;
  std::optional<dns::Name> next_closer;  ///< nullopt when qname itself matched
  const Nsec3* next_closer_cover = nullptr;
};

/// Matches and covers with the hashes of one call, charged to the query's budget.
class Nsec3Matcher {
 public:
  Nsec3Matcher(const std::vector<Nsec3>& usable, ValidationBudget& budget)
      : usable_(usable), hasher_(budget) {}
  const Nsec3* match(const dns::Name& name);
  const Nsec3* cover(const dns::Name& name);
  /// Walks up from qname to the longest ancestor with a matching NSEC3 whose next closer name
  /// is covered. nullopt when there is none; `problem` says why.
  std::optional<EncloserProof> closest_encloser(const dns::Name& qname, const dns::Name& zone,
                                                std::string& problem);
  bool budget_exhausted() const noexcept { return hasher_.exhausted(); }
  unsigned hashes_computed() const noexcept { return hasher_.computed(); }

 private:
  const std::vector<Nsec3>& usable_;
  Nsec3Hasher hasher_;
};

/// The verdict when the hashing budget ran out (bogus, EDE 6, naming the limit).
DenialResult budget_exhausted_verdict();

}  // namespace tern::resolver::dnssec::nsec3
