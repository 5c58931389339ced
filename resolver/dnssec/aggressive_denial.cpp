#include "resolver/dnssec/aggressive_denial.hpp"

#include "resolver/dnssec/nsec3_proof.hpp"
#include "resolver/dnssec/nsec_proof.hpp"
#include "resolver/dnssec/nsec_records.hpp"

#include <algorithm>
#include <limits>

namespace tern::resolver::dnssec {
namespace {

/// A zone's cached NSEC3 chain is long; the hashing budget, not a record count, bounds the
/// work here (each distinct salt and iteration count costs one hash per name).
constexpr nsec3::Nsec3Limits cache_limits{std::numeric_limits<std::size_t>::max()};

bool usable_for_synthesis(const DenialResult& r) {
  return r.verdict.security == Security::secure &&
         (r.proven == Proven::nxdomain || r.proven == Proven::nodata ||
          r.proven == Proven::wildcard_nodata);
}

DenialResult not_proven(const DenialResult& last) {
  DenialResult out;
  out.verdict = Verdict{Security::indeterminate, 0, "cache cannot prove it: " + last.verdict.why};
  return out;
}

}  // namespace

DenialResult synthesise_denial(const DenialQuestion& q, std::span<const dns::Record> cached,
                               ValidationBudget& budget) {
  if (!q.qname.is_subdomain_of(q.zone)) return not_proven(denial_bogus(0, "outside the zone"));
  const bool nsec3 = std::any_of(cached.begin(), cached.end(), [](const dns::Record& rr) {
    return rr.type == dns::rrtype::NSEC3;
  });
  DenialResult nodata =
      nsec3 ? nsec3::prove_nodata(q, cached, budget, cache_limits) : nsec::prove_nodata(q, cached);
  if (usable_for_synthesis(nodata)) return nodata;
  DenialResult nxdomain = nsec3 ? nsec3::prove_nxdomain(q, cached, budget, cache_limits)
                                : nsec::prove_nxdomain(q, cached);
  if (usable_for_synthesis(nxdomain)) return nxdomain;
  return not_proven(nxdomain);
}

}  // namespace tern::resolver::dnssec
