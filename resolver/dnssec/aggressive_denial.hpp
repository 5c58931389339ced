// Aggressive use of DNSSEC-validated cache (RFC 8198): answering NXDOMAIN or NODATA from NSEC
// or NSEC3 records already validated for a zone, without asking the zone. Pure: the cache
// hands over the zone's validated records, this says what they prove for a new question.
#pragma once

#include "resolver/dnssec/denial.hpp"

namespace tern::resolver::dnssec {

/// Whether `cached` (the zone's validated NSEC, or NSEC3, records) proves `q.qname` absent
/// (Proven::nxdomain) or `q.qtype` absent at it (Proven::nodata / wildcard_nodata), and with
/// which records (DenialResult::proof, indices into `cached`). Only a secure proof counts:
/// an opt-out NSEC3 span proves nothing here (RFC 8198 section 5.2: an unsigned delegation may
/// hide in it), and a delegation NSEC never denies names below it. Anything else gives
/// Proven::nothing with Security::indeterminate: ask the zone.
DenialResult synthesise_denial(const DenialQuestion& q, std::span<const dns::Record> cached,
                               ValidationBudget& budget);

}  // namespace tern::resolver::dnssec
