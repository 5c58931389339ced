// The NSEC3 rules of denial (RFC 5155 section 8, RFC 9276, RFC 6840 section 4). denial.hpp
// dispatches here when the records hold NSEC3. Every proof screens the records first: too many
// (limits::max_nsec3_records_per_proof) is bogus, too many iterations insecure (RFC 9276).
#pragma once

#include "resolver/dnssec/denial.hpp"

namespace tern::resolver::dnssec::nsec3 {

/// The most NSEC3 records one proof looks at; the aggressive cache passes a larger one.
struct Nsec3Limits {
  std::size_t max_records;
};

DenialResult prove_nxdomain(const DenialQuestion& q, std::span<const dns::Record> records,
                            ValidationBudget& budget, Nsec3Limits limits);
DenialResult prove_nodata(const DenialQuestion& q, std::span<const dns::Record> records,
                          ValidationBudget& budget, Nsec3Limits limits);
DenialResult prove_wildcard_answer(const DenialQuestion& q, std::uint8_t rrsig_labels,
                                   std::span<const dns::Record> records, ValidationBudget& budget,
                                   Nsec3Limits limits);
DenialResult prove_insecure_delegation(const DenialQuestion& q,
                                       std::span<const dns::Record> records,
                                       ValidationBudget& budget, Nsec3Limits limits);

}  // namespace tern::resolver::dnssec::nsec3
