// RFC 4035 section 5.2: from a DS set or trust anchors to a trusted DNSKEY RRset.
#include "resolver/dnssec/dnskey_trust.hpp"

#include "resolver/limits.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace tern::resolver::dnssec {

namespace {

DnskeyVerdict verdict_only(Security s, std::uint16_t code, std::string why) {
  return DnskeyVerdict{RrsetVerdict{Verdict{s, code, std::move(why)}}, {}};
}

/// The DS records worth a digest (RFC 8624 section 3.3, RFC 4509 section 3): a supported
/// algorithm and digest SHA-256 or SHA-384; SHA-1 only when no such DS is there.
std::vector<Ds> usable_ds(std::span<const dns::Record> ds_set, const dns::Name& zone,
                          const KeyCache& cache, Verdict& why_none) {
  std::vector<Ds> known_digest, strong, sha1;
  bool any = false;
  for (const dns::Record& rr : ds_set) {
    if (rr.type != dns::rrtype::DS || rr.owner != zone) continue;
    any = true;
    std::optional<Ds> ds = parse_ds(rr.rdata);
    if (!ds || digest_length(ds->digest_type) == 0) continue;  // unknown digest: skipped
    known_digest.push_back(*ds);
    if (!cache.supports(ds->algorithm)) continue;
    (ds->digest_type == digest::sha1 ? sha1 : strong).push_back(std::move(*ds));
  }
  if (!any) return {};  // the caller's "no DS records" stands: nothing to judge
  if (known_digest.empty())
    why_none = Verdict{Security::insecure, ede::unsupported_ds_digest, "no DS with a supported digest"};
  else if (strong.empty() && sha1.empty())
    why_none = Verdict{Security::insecure, ede::unsupported_dnskey_algorithm,
                       "no DS with a supported algorithm"};
  return strong.empty() ? sha1 : strong;
}

/// Whether `key` (its record) is the DNSKEY `ds` describes: tag, algorithm, digest.
bool ds_matches(const Ds& ds, const dns::Record& key_rr, const Dnskey& key) {
  if (key.algorithm != ds.algorithm || key_tag(key_rr.rdata) != ds.key_tag) return false;
  const std::optional<std::string> d = ds_digest(key_rr.owner, key_rr.rdata, ds.digest_type);
  return d && *d == ds.digest;
}

/// The DNSKEY records some usable DS matches; nullopt (with `limit` set) when a KeyTrap
/// bound was hit on the way.
std::optional<std::vector<dns::Record>> keys_matching_ds(
    const std::vector<Ds>& ds_list, std::span<const dns::Record> dnskeys, const dns::Name& zone,
    ValidationBudget& budget, std::string& limit) {
  std::vector<dns::Record> matched;
  for (const Ds& ds : ds_list) {
    bool found = false;
    unsigned tried = 0;
    for (const dns::Record& rr : dnskeys) {
      if (rr.type != dns::rrtype::DNSKEY || rr.owner != zone) continue;
      std::optional<Dnskey> key = parse_dnskey(rr.rdata);
      if (!key || key->algorithm != ds.algorithm || key_tag(rr.rdata) != ds.key_tag) continue;
      if (tried++ == limits::max_dnskeys_per_key_tag) {
        limit = fmt::format("KeyTrap limit max_dnskeys_per_key_tag ({}) reached", limits::max_dnskeys_per_key_tag);
        return std::nullopt;
      }
      if (!ds_matches(ds, rr, *key)) continue;
      found = true;
      if (std::find(matched.begin(), matched.end(), rr) == matched.end()) matched.push_back(rr);
    }
    if (found) continue;
    if (budget.ds_match_failures == 0) {
      limit = fmt::format("KeyTrap limit max_ds_match_failures ({}) reached", limits::max_ds_match_failures);
      return std::nullopt;
    }
    --budget.ds_match_failures;
  }
  return matched;
}

/// The matched keys must sign the DNSKEY RRset; then the whole RRset is trusted.
DnskeyVerdict signed_by(const std::vector<dns::Record>& entry_keys, std::span<const dns::Record> dnskeys,
                        std::span<const dns::Record> rrsigs, const dns::Name& zone,
                        std::uint64_t now, ValidationBudget& budget, KeyCache& cache) {
  std::vector<dns::Record> rrset;
  for (const dns::Record& rr : dnskeys)
    if (rr.type == dns::rrtype::DNSKEY && rr.owner == zone) rrset.push_back(rr);
  DnskeyVerdict out{verify_rrset(rrset, rrsigs, entry_keys, zone, now, budget, cache), {}};
  if (out.rrset.verdict.security == Security::secure) out.keys = std::move(rrset);
  return out;
}

}  // namespace

DnskeyVerdict validate_dnskeys(std::span<const dns::Record> dnskeys, std::span<const dns::Record> rrsigs,
                               std::span<const dns::Record> ds_set, const dns::Name& zone,
                               std::uint64_t now, ValidationBudget& budget, KeyCache& cache) {
  Verdict why_none{Security::indeterminate, 0, "no DS records"};
  const std::vector<Ds> ds_list = usable_ds(ds_set, zone, cache, why_none);
  if (ds_list.empty()) return verdict_only(why_none.security, why_none.ede, why_none.why);
  std::string limit;
  const std::optional<std::vector<dns::Record>> matched =
      keys_matching_ds(ds_list, dnskeys, zone, budget, limit);
  if (!matched) return verdict_only(Security::bogus, ede::dnssec_bogus, limit);
  if (matched->empty())
    return verdict_only(Security::bogus, ede::dnskey_missing,
                        fmt::format("no DNSKEY of {} matches its DS set", zone.to_text()));
  return signed_by(*matched, dnskeys, rrsigs, zone, now, budget, cache);
}

DnskeyVerdict validate_dnskeys_with_anchors(std::span<const dns::Record> dnskeys,
                                            std::span<const dns::Record> rrsigs,
                                            std::span<const dns::Record> anchors,
                                            const dns::Name& zone, std::uint64_t now,
                                            ValidationBudget& budget, KeyCache& cache) {
  bool any_supported = false;
  std::vector<dns::Record> matched;
  for (const dns::Record& anchor : anchors) {
    if (anchor.type != dns::rrtype::DNSKEY || anchor.owner != zone) continue;
    const std::optional<Dnskey> key = parse_dnskey(anchor.rdata);
    if (!key || !cache.supports(key->algorithm)) continue;
    any_supported = true;
    for (const dns::Record& rr : dnskeys)
      if (rr.type == dns::rrtype::DNSKEY && rr.owner == zone && rr.rdata == anchor.rdata) matched.push_back(rr);
  }
  if (!any_supported)
    return verdict_only(Security::insecure, ede::unsupported_dnskey_algorithm,
                        "no trust anchor with a supported algorithm");
  if (matched.empty())
    return verdict_only(Security::bogus, ede::dnskey_missing,
                        fmt::format("no DNSKEY of {} matches a trust anchor", zone.to_text()));
  return signed_by(matched, dnskeys, rrsigs, zone, now, budget, cache);
}

}  // namespace tern::resolver::dnssec
