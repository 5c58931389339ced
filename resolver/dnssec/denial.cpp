#include "resolver/dnssec/denial.hpp"

#include "resolver/dnssec/nsec3_proof.hpp"
#include "resolver/dnssec/nsec_proof.hpp"
#include "resolver/dnssec/nsec_records.hpp"
#include "resolver/limits.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace tern::resolver::dnssec {
namespace {

bool has_nsec3(std::span<const dns::Record> records) {
  return std::any_of(records.begin(), records.end(),
                     [](const dns::Record& rr) { return rr.type == dns::rrtype::NSEC3; });
}

/// RFC 6840 section 4.1 (the signer): a zone's denial records speak only of names in it.
std::optional<DenialResult> outside_zone(const DenialQuestion& q) {
  if (q.qname.is_subdomain_of(q.zone)) return std::nullopt;
  return denial_bogus(ede::dnssec_bogus, fmt::format("{} is outside the signer's zone {}",
                                                     q.qname.to_text(), q.zone.to_text()));
}

constexpr nsec3::Nsec3Limits response_limits{limits::max_nsec3_records_per_proof};

}  // namespace

DenialResult denial_bogus(std::uint16_t ede, std::string why) {
  DenialResult out;
  out.verdict = Verdict{Security::bogus, ede, std::move(why)};
  return out;
}

DenialResult denial_proven(Security security, Proven proven, std::string why) {
  DenialResult out;
  out.verdict = Verdict{security, 0, std::move(why)};
  out.proven = proven;
  return out;
}

DenialResult prove_nxdomain(const DenialQuestion& q, std::span<const dns::Record> records,
                            ValidationBudget& budget) {
  if (auto bad = outside_zone(q)) return std::move(*bad);
  if (has_nsec3(records)) return nsec3::prove_nxdomain(q, records, budget, response_limits);
  return nsec::prove_nxdomain(q, records);
}

DenialResult prove_nodata(const DenialQuestion& q, std::span<const dns::Record> records,
                          ValidationBudget& budget) {
  if (auto bad = outside_zone(q)) return std::move(*bad);
  if (has_nsec3(records)) return nsec3::prove_nodata(q, records, budget, response_limits);
  return nsec::prove_nodata(q, records);
}

DenialResult prove_wildcard_answer(const DenialQuestion& q, std::uint8_t rrsig_labels,
                                   std::span<const dns::Record> records, ValidationBudget& budget) {
  if (auto bad = outside_zone(q)) return std::move(*bad);
  // RFC 4035 section 5.3.2: Labels below qname's count marks an expansion; the wildcard's
  // parent must still be in the zone.
  if (rrsig_labels >= q.qname.label_count() || rrsig_labels < q.zone.label_count())
    return denial_bogus(ede::dnssec_bogus,
                        fmt::format("RRSIG labels {} name no wildcard of {} in {}", rrsig_labels,
                                    q.qname.to_text(), q.zone.to_text()));
  if (has_nsec3(records))
    return nsec3::prove_wildcard_answer(q, rrsig_labels, records, budget, response_limits);
  return nsec::prove_wildcard_answer(q, rrsig_labels, records);
}

DenialResult prove_insecure_delegation(const DenialQuestion& q,
                                       std::span<const dns::Record> records,
                                       ValidationBudget& budget) {
  if (auto bad = outside_zone(q)) return std::move(*bad);
  if (q.qname == q.zone)
    return denial_bogus(ede::dnssec_bogus, "a zone cannot delegate its own apex");
  if (has_nsec3(records))
    return nsec3::prove_insecure_delegation(q, records, budget, response_limits);
  return nsec::prove_insecure_delegation(q, records);
}

}  // namespace tern::resolver::dnssec
