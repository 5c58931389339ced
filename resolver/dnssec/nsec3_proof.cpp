#include "resolver/dnssec/nsec3_proof.hpp"

#include "resolver/dns/types.hpp"
#include "resolver/dnssec/nsec3_set.hpp"

#include <fmt/format.h>

namespace tern::resolver::dnssec::nsec3 {
namespace {

/// A failed step: the budget's verdict when hashing stopped for it, else bogus for `why`.
DenialResult failure(const Nsec3Matcher& matcher, std::uint16_t ede, std::string why) {
  if (matcher.budget_exhausted()) return budget_exhausted_verdict();
  return denial_bogus(ede, std::move(why));
}

/// Secure, except when an opt-out span covers the next closer name: an unsigned delegation
/// may sit there, so the answer proves nothing signed (RFC 5155 sections 6 and 9.2; Unbound
/// treats such an NXDOMAIN as insecure too).
Security by_opt_out(const EncloserProof& proof) {
  return proof.next_closer_cover && proof.next_closer_cover->rdata.opt_out() ? Security::insecure
                                                                             : Security::secure;
}

std::string type_absent_problem(const Nsec3& n, std::uint16_t qtype) {
  if (n.has(qtype)) return "its type bitmap has the type";
  if (n.has(dns::rrtype::CNAME)) return "its type bitmap has CNAME";  // RFC 6840 section 4.3
  return {};
}

DenialResult with_encloser(DenialResult out, const EncloserProof& proof) {
  out.closest_encloser = proof.encloser;
  out.proof = {proof.encloser_match->index};
  if (proof.next_closer_cover) out.proof.push_back(proof.next_closer_cover->index);
  return out;
}

/// NODATA at a matching NSEC3 (RFC 5155 section 8.5), with the DS cases of RFC 4035 section
/// 5.4: a parent-side NSEC3 (NS, no SOA) denies only DS, a child apex NSEC3 never DS.
DenialResult nodata_at_match(const DenialQuestion& q, const Nsec3& match) {
  const std::string qname = q.qname.to_text();
  if (auto problem = type_absent_problem(match, q.qtype); !problem.empty())
    return denial_bogus(ede::dnssec_bogus, fmt::format("NODATA for {}, but {}", qname, problem));
  if (q.qtype == dns::rrtype::DS && match.has(dns::rrtype::SOA) && !q.qname.is_root())
    return denial_bogus(ede::dnssec_bogus,
                        fmt::format("the child apex NSEC3 of {} cannot deny its DS", qname));
  if (q.qtype != dns::rrtype::DS && match.is_delegation() && q.qname != q.zone)
    return denial_bogus(ede::dnssec_bogus,
                        fmt::format("the delegation NSEC3 of {} cannot deny child types", qname));
  DenialResult out = denial_proven(Security::secure, Proven::nodata,
                                   fmt::format("NSEC3 matching {} proves the type absent", qname));
  out.proof = {match.index};
  return out;
}

/// Wildcard NODATA (RFC 5155 section 8.7), or nullopt when no NSEC3 matches the wildcard.
std::optional<DenialResult> wildcard_nodata(const DenialQuestion& q, Nsec3Matcher& matcher,
                                            const EncloserProof& proof) {
  auto wildcard = proof.encloser.child("*");
  const Nsec3* match = wildcard ? matcher.match(*wildcard) : nullptr;
  if (!match) return std::nullopt;
  if (auto problem = type_absent_problem(*match, q.qtype); !problem.empty())
    return denial_bogus(ede::dnssec_bogus,
                        fmt::format("wildcard NODATA, but at {} {}", wildcard->to_text(), problem));
  DenialResult out =
      with_encloser(denial_proven(by_opt_out(proof), Proven::wildcard_nodata,
                                  fmt::format("NSEC3 proves {} absent and {} without the type",
                                              q.qname.to_text(), wildcard->to_text())),
                    proof);
  out.proof.push_back(match->index);
  return out;
}

}  // namespace

DenialResult prove_nxdomain(const DenialQuestion& q, std::span<const dns::Record> records,
                            ValidationBudget& budget, Nsec3Limits limits) {
  Nsec3Screen screen = screen_nsec3s(records, q.zone, limits.max_records);
  if (screen.verdict) return std::move(*screen.verdict);
  Nsec3Matcher matcher(screen.usable, budget);
  std::string problem;
  auto proof = matcher.closest_encloser(q.qname, q.zone, problem);
  if (!proof) return failure(matcher, ede::nsec_missing, std::move(problem));
  if (!proof->next_closer)
    return denial_bogus(ede::dnssec_bogus,
                        fmt::format("NXDOMAIN for {}, but an NSEC3 matches it", q.qname.to_text()));
  auto wildcard = proof->encloser.child("*");
  const Nsec3* wildcard_cover = wildcard ? matcher.cover(*wildcard) : nullptr;
  if (!wildcard_cover)
    return failure(matcher, ede::nsec_missing,
                   fmt::format("no NSEC3 covers the wildcard *.{}", proof->encloser.to_text()));
  DenialResult out = with_encloser(
      denial_proven(
          by_opt_out(*proof), Proven::nxdomain,
          fmt::format("NSEC3 proves {} and {} absent", q.qname.to_text(), wildcard->to_text())),
      *proof);
  out.proof.push_back(wildcard_cover->index);
  return out;
}

DenialResult prove_nodata(const DenialQuestion& q, std::span<const dns::Record> records,
                          ValidationBudget& budget, Nsec3Limits limits) {
  Nsec3Screen screen = screen_nsec3s(records, q.zone, limits.max_records);
  if (screen.verdict) return std::move(*screen.verdict);
  Nsec3Matcher matcher(screen.usable, budget);
  if (const Nsec3* match = matcher.match(q.qname)) return nodata_at_match(q, *match);
  std::string problem;
  auto proof = matcher.closest_encloser(q.qname, q.zone, problem);
  if (!proof) return failure(matcher, ede::nsec_missing, std::move(problem));
  if (auto wildcard = wildcard_nodata(q, matcher, *proof)) return std::move(*wildcard);
  // RFC 5155 section 8.6: DS NODATA without a matching NSEC3 only under opt-out: the name is
  // an unsigned delegation, or nothing at all.
  if (q.qtype == dns::rrtype::DS && proof->next_closer_cover &&
      proof->next_closer_cover->rdata.opt_out())
    return with_encloser(
        denial_proven(Security::insecure, Proven::opt_out,
                      fmt::format("an opt-out NSEC3 covers {}", q.qname.to_text())),
        *proof);
  return failure(matcher, ede::nsec_missing,
                 fmt::format("no NSEC3 proves NODATA for {}", q.qname.to_text()));
}

DenialResult prove_wildcard_answer(const DenialQuestion& q, std::uint8_t rrsig_labels,
                                   std::span<const dns::Record> records, ValidationBudget& budget,
                                   Nsec3Limits limits) {
  Nsec3Screen screen = screen_nsec3s(records, q.zone, limits.max_records);
  if (screen.verdict) return std::move(*screen.verdict);
  Nsec3Matcher matcher(screen.usable, budget);
  // RFC 5155 section 8.8: the RRSIG labels give the closest encloser; the next closer name
  // must be covered, so no closer match exists than the wildcard.
  const dns::Name next_closer = q.qname.suffix(rrsig_labels + 1u);
  const Nsec3* cover = matcher.cover(next_closer);
  if (!cover)
    return failure(matcher, ede::nsec_missing,
                   fmt::format("no NSEC3 covers the next closer name {}", next_closer.to_text()));
  // Under opt-out an unsigned delegation may sit at the next closer name, and the real answer
  // would be a referral: the expansion is then only insecure (as for NXDOMAIN above).
  const Security security = cover->rdata.opt_out() ? Security::insecure : Security::secure;
  DenialResult out = denial_proven(
      security, Proven::wildcard_answer,
      fmt::format("NSEC3 proves no closer match for {} than the wildcard", q.qname.to_text()));
  out.closest_encloser = q.qname.suffix(rrsig_labels);
  out.proof = {cover->index};
  return out;
}

DenialResult prove_insecure_delegation(const DenialQuestion& q,
                                       std::span<const dns::Record> records,
                                       ValidationBudget& budget, Nsec3Limits limits) {
  Nsec3Screen screen = screen_nsec3s(records, q.zone, limits.max_records);
  if (screen.verdict) return std::move(*screen.verdict);
  Nsec3Matcher matcher(screen.usable, budget);
  const std::string child = q.qname.to_text();
  if (const Nsec3* match = matcher.match(q.qname)) {
    // RFC 5155 section 8.9 / RFC 6840 section 4.4: NS present, DS and SOA absent.
    if (match->has(dns::rrtype::DS) || !match->is_delegation())
      return denial_bogus(ede::dnssec_bogus,
                          fmt::format("the NSEC3 at {} shows a DS or no delegation", child));
    DenialResult out = denial_proven(Security::insecure, Proven::no_ds,
                                     fmt::format("NSEC3 proves {} delegated without DS", child));
    out.proof = {match->index};
    return out;
  }
  std::string problem;
  auto proof = matcher.closest_encloser(q.qname, q.zone, problem);
  if (!proof) return failure(matcher, ede::nsec_missing, std::move(problem));
  if (!proof->next_closer_cover || !proof->next_closer_cover->rdata.opt_out())
    return denial_bogus(ede::nsec_missing, fmt::format("no opt-out NSEC3 covers {}", child));
  return with_encloser(
      denial_proven(Security::insecure, Proven::opt_out,
                    fmt::format("an opt-out NSEC3 covers the delegation {}", child)),
      *proof);
}

}  // namespace tern::resolver::dnssec::nsec3
