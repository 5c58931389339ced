// Denial of existence: what a set of already-verified NSEC or NSEC3 records proves about a
// question (RFC 4035 section 5.4, RFC 5155 section 8, RFC 6840 section 4). Pure functions:
// the walk verifies the RRSIGs of the NSEC/NSEC3 RRsets first, then asks these what the
// records prove. With NSEC3 records present the NSEC3 rules apply, else the NSEC rules.
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/dns/name.hpp"
#include "resolver/dnssec/security.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tern::resolver::dnssec {

/// What a proof established (with Security::secure, or insecure for opt-out and no-DS).
enum class Proven : std::uint8_t {
  nothing,   ///< no proof: the verdict says why
  nxdomain,  ///< the name does not exist, nor a wildcard that would have matched it
  nodata,    ///< the name exists (maybe as an empty non-terminal) without the type or a CNAME
  wildcard_nodata,  ///< no such name; the wildcard that matches it has neither the type nor a CNAME
  wildcard_answer,  ///< no closer match exists: the wildcard expansion in the answer is legitimate
  no_ds,            ///< a delegation without DS: the child zone is unsigned (insecure)
  opt_out,          ///< an opt-out NSEC3 span covers the name: an unsigned delegation may be there
};

/// A question and the zone whose NSEC/NSEC3 records answer it.
struct DenialQuestion {
  dns::Name qname;
  std::uint16_t qtype = 0;
  dns::Name zone;  ///< the signer name of the NSEC/NSEC3 RRSIGs; qname must be at or below it
};

/// A verdict and what it rests on.
struct DenialResult {
  Verdict verdict;
  Proven proven = Proven::nothing;
  /// The closest encloser proven (NXDOMAIN, wildcard and opt-out proofs), else nullopt.
  std::optional<dns::Name> closest_encloser;
  /// Indices, into the records given, of the NSEC/NSEC3 records the proof used.
  std::vector<std::size_t> proof;
};

/// NXDOMAIN: no such name and no wildcard that could have produced it (RFC 4035 section
/// 5.4, RFC 5155 section 8.4).
DenialResult prove_nxdomain(const DenialQuestion& q, std::span<const dns::Record> records,
                            ValidationBudget& budget);
/// NODATA: the name without the type (RFC 4035 section 5.4, RFC 5155 sections 8.5-8.7),
/// including empty non-terminals, the DS case at a delegation and wildcard NODATA.
DenialResult prove_nodata(const DenialQuestion& q, std::span<const dns::Record> records,
                          ValidationBudget& budget);
/// A positive answer expanded from a wildcard: `rrsig_labels` (the RRSIG Labels field, fewer
/// than qname's labels) names the wildcard; proves no closer name exists (RFC 4035 section
/// 5.3.4, RFC 5155 section 8.8).
DenialResult prove_wildcard_answer(const DenialQuestion& q, std::uint8_t rrsig_labels,
                                   std::span<const dns::Record> records, ValidationBudget& budget);
/// A referral from `q.zone` to the child `q.qname` without DS: insecure when the child
/// provably has no DS (RFC 4035 section 5.2, RFC 6840 section 4.4, RFC 5155 section 8.9).
DenialResult prove_insecure_delegation(const DenialQuestion& q,
                                       std::span<const dns::Record> records,
                                       ValidationBudget& budget);

/// Verdict builders shared by the NSEC and NSEC3 proofs.
DenialResult denial_bogus(std::uint16_t ede, std::string why);
DenialResult denial_proven(Security security, Proven proven, std::string why);

}  // namespace tern::resolver::dnssec
