// Trusting a zone's DNSKEY RRset (RFC 4035 section 5.2): a DS from the parent (or a trust
// anchor) must match a DNSKEY of the RRset, and that key must sign the RRset. Then every key
// of the RRset is trusted to sign the zone's other RRsets.
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/dnssec/crypto.hpp"
#include "resolver/dnssec/security.hpp"
#include "resolver/dnssec/verify.hpp"

#include <span>
#include <vector>

namespace tern::resolver::dnssec {

/// The verdict on a DNSKEY RRset; `keys` holds the DNSKEY records of the zone when secure
/// (to pass to verify_rrset), nothing otherwise.
struct DnskeyVerdict {
  RrsetVerdict rrset;
  std::vector<dns::Record> keys;
};

/// Validates `dnskeys` (the zone's DNSKEY RRset) with its `rrsigs` against the parent's
/// `ds_set` (DS records of `zone`, already secure). RFC 8624 section 3.3 / RFC 4509 section 3:
/// DS digests SHA-256 and SHA-384 are used, SHA-1 only when the set offers no other digest
/// tern computes; unknown digests are skipped. No usable DS: insecure, EDE 2 (no known digest)
/// or EDE 1 (no supported algorithm). No DS of the zone at all: indeterminate (proving an
/// unsigned delegation is the denial proofs' work, not this one's). A DS must match a DNSKEY by key tag, algorithm and
/// digest (the SEP bit is not required, RFC 4035 section 5.2); no match: bogus EDE 9. Each DS
/// without a matching DNSKEY spends one of budget.ds_match_failures; the matched keys must then
/// sign the RRset (verify_rrset's rules and verdicts).
DnskeyVerdict validate_dnskeys(std::span<const dns::Record> dnskeys, std::span<const dns::Record> rrsigs,
                               std::span<const dns::Record> ds_set, const dns::Name& zone,
                               std::uint64_t now, ValidationBudget& budget, KeyCache& cache);

/// The same against trust anchors given as DNSKEY records (RFC 4033 section 2, e.g. the root
/// KSK): a DNSKEY of the RRset identical to an anchor must sign the RRset. Anchors whose
/// algorithms are all unsupported: insecure, EDE 1.
DnskeyVerdict validate_dnskeys_with_anchors(std::span<const dns::Record> dnskeys,
                                            std::span<const dns::Record> rrsigs,
                                            std::span<const dns::Record> anchors,
                                            const dns::Name& zone, std::uint64_t now,
                                            ValidationBudget& budget, KeyCache& cache);

}  // namespace tern::resolver::dnssec
