#include "resolver/dnssec/rfc5011_refresh.hpp"

#include "resolver/dns/types.hpp"
#include "resolver/dnssec/dnskey_trust.hpp"
#include "resolver/dnssec/records.hpp"
#include "resolver/limits.hpp"

#include <algorithm>
#include <limits>
#include <vector>

namespace tern::resolver::dnssec {
namespace {

bool is_dnskey_of(const dns::Record& r, const dns::Name& zone) {
  return r.type == dns::rrtype::DNSKEY && r.owner == zone;
}

bool is_dnskey_signature_of(const dns::Record& r, const dns::Name& zone) {
  return r.type == dns::rrtype::RRSIG && r.owner == zone && dns::rrsig_covered(r) == dns::rrtype::DNSKEY;
}

}  // namespace

DnskeyTiming dnskey_timing(std::span<const dns::Record> records, const dns::Name& zone, std::uint64_t now) {
  DnskeyTiming timing;
  bool any = false;
  std::uint32_t ttl = std::numeric_limits<std::uint32_t>::max();
  std::uint64_t to_expiration = std::numeric_limits<std::uint64_t>::max();
  for (const dns::Record& r : records) {
    if (!is_dnskey_signature_of(r, zone)) continue;
    std::optional<Rrsig> sig = parse_rrsig(r.rdata);
    if (!sig) continue;
    any = true;
    ttl = std::min(ttl, sig->original_ttl);
    // RFC 4034 section 3.1.5: times are serial numbers; an expiration "before" now is past.
    const auto now32 = static_cast<std::uint32_t>(now);
    const std::uint64_t left = serial_before(now32, sig->expiration) ? std::uint32_t(sig->expiration - now32) : 0;
    to_expiration = std::min(to_expiration, left);
  }
  if (any) timing = DnskeyTiming{ttl, to_expiration};
  return timing;
}

RefreshResult apply_dnskey_answer(ManagedTrustPoint& point, std::span<const dns::Record> records,
                                  std::uint64_t now, KeyCache& cache) {
  std::vector<dns::Record> dnskeys, rrsigs;
  for (const dns::Record& r : records) {
    if (is_dnskey_of(r, point.zone())) dnskeys.push_back(r);
    if (is_dnskey_signature_of(r, point.zone())) rrsigs.push_back(r);
  }
  const DnskeyTiming timing = dnskey_timing(rrsigs, point.zone(), now);
  RefreshResult result;
  if (dnskeys.empty()) {
    result.why = "no DNSKEY records in the answer";
    result.next_refresh = now + retry_refresh_seconds(timing.original_ttl, timing.to_min_expiration);
    return result;
  }
  // What one client query may spend, as the walk allows (resolver/limits.hpp): a refresh
  // validates one RRset and checks each revoked key's self-signature.
  ValidationBudget budget{limits::max_signature_verifications, limits::max_nsec3_hash_computations,
                          limits::max_ds_match_failures};
  const std::vector<dns::Record> trusted = point.trusted_keys();
  const DnskeyVerdict verdict =
      trusted.empty()
          ? validate_dnskeys(dnskeys, rrsigs, point.seed_ds(), point.zone(), now, budget, cache)
          : validate_dnskeys_with_anchors(dnskeys, rrsigs, trusted, point.zone(), now, budget, cache);
  if (verdict.rrset.verdict.security != Security::secure) {
    result.why = verdict.rrset.verdict.why.empty() ? "the DNSKEY set does not validate" : verdict.rrset.verdict.why;
    result.next_refresh = now + retry_refresh_seconds(timing.original_ttl, timing.to_min_expiration);
    return result;
  }
  const std::vector<std::string> revoked = revoked_self_signers(dnskeys, rrsigs, point.zone(), now, budget, cache);
  result.validated = true;
  result.changed = point.observe(DnskeyObservation{dnskeys, revoked, timing.original_ttl, now});
  result.next_refresh = now + active_refresh_seconds(timing.original_ttl, timing.to_min_expiration);
  return result;
}

std::uint64_t next_refresh_after_failure(const DnskeyTiming& last_seen, std::uint64_t now) {
  return now + retry_refresh_seconds(last_seen.original_ttl, last_seen.to_min_expiration);
}

}  // namespace tern::resolver::dnssec
