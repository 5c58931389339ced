// The NSEC rules of denial (RFC 4035 section 5.4, RFC 6840 section 4). denial.hpp dispatches
// here when the records hold no NSEC3.
#pragma once

#include "resolver/dnssec/denial.hpp"

namespace tern::resolver::dnssec::nsec {

DenialResult prove_nxdomain(const DenialQuestion& q, std::span<const dns::Record> records);
DenialResult prove_nodata(const DenialQuestion& q, std::span<const dns::Record> records);
DenialResult prove_wildcard_answer(const DenialQuestion& q, std::uint8_t rrsig_labels,
                                   std::span<const dns::Record> records);
DenialResult prove_insecure_delegation(const DenialQuestion& q,
                                       std::span<const dns::Record> records);

}  // namespace tern::resolver::dnssec::nsec
