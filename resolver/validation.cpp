// DNSSEC validation inside the walk (RFC 4035 section 5): after each step of the walk the data
// it brought (an RRset, a CNAME link, a denial) is checked against the keys of the zone that
// signed it, found by the RRSIGs' signer field. A zone's keys come from its parent's DS (taken
// from the referral that led to the zone when it carried one, else asked of the parent side)
// or from a trust anchor; the parent's keys are found the same way, so the chain is built from
// the anchor down, only as far as the data needs, through the same transport, caches and
// budget as the walk. The checks themselves are the pure functions of resolver/dnssec/.
//
// Why this shape:
// - Validation runs after a step, not inside resolve_name: resolve_name also fetches the DS and
//   DNSKEY sets validation needs, and judging those inside it would recurse into itself.
// - Keys are found by the signer name, not by the cut the walk used: a server may answer for a
//   child zone it also serves without a referral, and the RRSIG says which zone signed.
// - DS is read from the referral first (classify keeps a referral's DS set or its no-DS proof):
//   the parent already said it, and asking again is a round trip per zone cut (Unbound asks).
// - Each step up the chain is a strictly shorter name (a DS is the parent's data), so the
//   recursion ends at the anchor; Budget::keying catches a signer that names its own zone.
// - A zone's verdict is remembered per worker (zone_memo_, no lock: a Worker owns its state)
//   and its validated DNSKEY set is shared in the RRset cache with its security: a zone's
//   chain is fetched and checked once per TTL, a broken zone's failure once per minute.
// - Everything spends one ValidationBudget per client query (limits.hpp): KeyTrap and the
//   NSEC3 hashing attack end as bogus (EDE 6, the limit named), never as a busy core.
#include "resolver/dnssec/dnskey_trust.hpp"
#include "resolver/dnssec/aggressive_denial.hpp"
#include "resolver/dnssec/denial.hpp"
#include "resolver/dnssec/records.hpp"
#include "resolver/dnssec/verify.hpp"
#include "resolver/log.hpp"
#include "resolver/resolver.hpp"

#include <algorithm>
#include <ctime>

namespace tern::resolver {

using dnssec::Security;
using SecVerdict = dnssec::Verdict;

namespace {

/// How long a worker remembers a bogus zone (Unbound's val-bogus-ttl): long enough that a
/// broken zone does not cost a chain fetch per query, short enough that a fix shows soon.
constexpr std::uint32_t bogus_zone_ttl = 60;
/// The longest a chain verdict is remembered, whatever the TTLs (a key rollover shows by then).
constexpr std::uint32_t max_zone_ttl = 3600;
/// Zone verdicts one worker keeps (zone_memo_); past it the expired go, then all.
constexpr std::size_t max_remembered_zones = 8192;

SecVerdict make_verdict(Security security, std::uint16_t ede, std::string why) {
  return SecVerdict{security, ede, std::move(why)};
}

ZoneKeys zone_verdict(Security security, std::uint16_t ede, std::string why, std::uint32_t ttl = bogus_zone_ttl) {
  return ZoneKeys{make_verdict(security, ede, std::move(why)), {}, ttl};
}

/// Seconds since the epoch: RRSIG validity is calendar time (RFC 4034 section 3.1.5).
std::uint64_t wall_now() { return static_cast<std::uint64_t>(std::time(nullptr)); }

int rank(Security s) {
  switch (s) {
    case Security::bogus: return 0;
    case Security::indeterminate: return 1;
    case Security::insecure: return 2;
    case Security::secure: return 3;
  }
  return 0;
}

/// One RRset of a step and the RRSIGs over it.
struct SignedSet {
  std::vector<dns::Record> records;
  std::vector<dns::Record> sigs;
};

/// The RRsets among `records` (RRSIGs apart, each with the RRSIGs covering it), in order;
/// only the types `keep` accepts.
template <class Keep>
std::vector<SignedSet> signed_sets(const std::vector<dns::Record>& records, Keep keep) {
  std::vector<SignedSet> sets;
  for (const auto& rr : records) {
    if (rr.type == dns::rrtype::RRSIG || !keep(rr.type)) continue;
    auto same = std::find_if(sets.begin(), sets.end(), [&](const SignedSet& s) {
      return s.records.front().owner == rr.owner && s.records.front().type == rr.type;
    });
    if (same == sets.end()) sets.push_back(SignedSet{{rr}, {}});
    else same->records.push_back(rr);
  }
  for (const auto& rr : records) {
    if (rr.type != dns::rrtype::RRSIG) continue;
    const auto covered = dns::rrsig_covered(rr);
    for (auto& s : sets)
      if (covered == s.records.front().type && rr.owner == s.records.front().owner) s.sigs.push_back(rr);
  }
  return sets;
}

bool is_denial_type(std::uint16_t type) { return type == dns::rrtype::NSEC || type == dns::rrtype::NSEC3; }

std::uint32_t min_ttl(const std::vector<dns::Record>& records, std::uint32_t cap) {
  std::uint32_t ttl = cap;
  for (const auto& rr : records) ttl = std::min(ttl, rr.ttl);
  return ttl;
}

std::string zone_text(const dns::Name& zone) { return zone.to_text(); }

/// A zone's DNSKEY set for a trace: "tag/alg", the SEP (key-signing) keys marked "ksk".
std::vector<std::string> key_list(const std::vector<dns::Record>& keys) {
  std::vector<std::string> out;
  for (const auto& rr : keys) {
    if (rr.type != dns::rrtype::DNSKEY) continue;
    auto key = dnssec::parse_dnskey(rr.rdata);
    if (!key) continue;
    out.push_back(std::to_string(dnssec::key_tag(rr.rdata)) + "/" + std::to_string(key->algorithm) +
                  ((key->flags & 0x0001) != 0 ? " ksk" : ""));
  }
  return out;
}

/// A verdict whose reason names the RRset it is about.
SecVerdict about(SecVerdict v, const dns::Record& rr) {
  if (v.security == Security::bogus || v.security == Security::insecure)
    v.why = rr.owner.to_text() + " " + dns::type_to_text(rr.type) + ": " + v.why;
  return v;
}

}  // namespace

dnssec::KeyCache& Resolver::key_cache() {
  if (!key_cache_) key_cache_.emplace(limits::max_cached_dnskeys);
  return *key_cache_;
}

std::optional<ZoneKeys> Resolver::remembered_zone_keys(const dns::Name& zone) {
  auto it = zone_memo_.find(zone);
  if (it == zone_memo_.end()) return std::nullopt;
  if (it->second.expires <= caches_.rrsets.clock().now()) {
    zone_memo_.erase(it);
    return std::nullopt;
  }
  return it->second.keys;
}

void Resolver::remember_zone_keys(const dns::Name& zone, const ZoneKeys& keys) {
  const cache::TimePoint now = caches_.rrsets.clock().now();
  if (zone_memo_.size() >= max_remembered_zones) {
    std::erase_if(zone_memo_, [&](const auto& item) { return item.second.expires <= now; });
    if (zone_memo_.size() >= max_remembered_zones) zone_memo_.clear();
  }
  std::uint32_t ttl = std::min(keys.ttl, max_zone_ttl);
  if (keys.verdict.security == Security::bogus) ttl = std::min(ttl, bogus_zone_ttl);
  if (ttl == 0) return;
  zone_memo_[zone] = RememberedZone{keys, now + std::chrono::seconds(ttl)};
}

asio::awaitable<ZoneKeys> Resolver::zone_keys(const dns::Name& zone, Budget& budget) {
  if (auto known = budget.spend->zones.find(zone); known != budget.spend->zones.end()) co_return known->second;
  if (!budget.isolated)
    if (auto remembered = remembered_zone_keys(zone)) {
      budget.spend->zones[zone] = *remembered;
      co_return std::move(*remembered);
    }
  // Each step up the chain is a strictly shorter name (a DS is signed by the parent), so this
  // only trips on a signer that names the zone itself for its own DS: bogus, not a loop.
  if (std::find(budget.keying.begin(), budget.keying.end(), zone) != budget.keying.end())
    co_return zone_verdict(Security::bogus, dnssec::ede::dnssec_bogus, "the chain of trust of " + zone_text(zone) + " loops");
  budget.keying.push_back(zone);
  std::string ds_source;
  ZoneKeys found = co_await find_zone_keys(zone, budget, ds_source);
  budget.keying.pop_back();
  budget.spend->zones[zone] = found;
  // Once per zone and query (budget.spend->zones answers the next ask above).
  if (budget.spend->observer)
    budget.spend->observer->chain(ChainLink{zone, ds_source, found.verdict.security == Security::secure ? key_list(found.keys)
                                                                                                      : std::vector<std::string>{},
                                            found.verdict, {}});
  const dnssec::ValidationBudget& spent = budget.spend->validation;
  const bool limited = !budget.spend->limit.empty() || spent.signature_verifications == 0 ||
                       spent.nsec3_hashes == 0 || spent.ds_match_failures == 0;
  // What a limit of this query cut short says nothing about the zone: not remembered.
  if (!budget.isolated && !limited) remember_zone_keys(zone, found);
  if (found.verdict.security == Security::insecure &&
      (found.verdict.ede == dnssec::ede::unsupported_dnskey_algorithm ||
       found.verdict.ede == dnssec::ede::unsupported_ds_digest ||
       found.verdict.ede == dnssec::ede::unsupported_nsec3_iterations))
    stats_.insecure_unsupported.fetch_add(1, std::memory_order_relaxed);
  co_return found;
}

asio::awaitable<ZoneKeys> Resolver::find_zone_keys(const dns::Name& zone, Budget& budget, std::string& ds_source) {
  const dnssec::ValidationSettings& settings = *budget.dnssec;
  // RFC 7646: a negative trust anchor makes the zone and everything below it insecure.
  if (settings.insecure.covers(zone)) {
    ds_source = "negative trust anchor";
    co_return zone_verdict(Security::insecure, 0, zone_text(zone) + " is under a negative trust anchor", max_zone_ttl);
  }
  // A DNSKEY set another walk (or worker) validated: the shared RRset cache keeps its verdict.
  if (!budget.isolated)
    if (auto set = caches_.rrsets.find(zone, dns::rrtype::DNSKEY); set && set->security == Security::secure)
      co_return ZoneKeys{make_verdict(Security::secure, 0, {}), set->records, caches_.rrsets.remaining_ttl(*set)};
  const dnssec::TrustAnchor* anchor = settings.anchors->find(zone);
  std::vector<dns::Record> ds;
  std::uint32_t ttl = max_zone_ttl;
  ds_source = anchor ? "anchor" : "none";
  if (!anchor) {
    if (zone.is_root() || !settings.anchors->closest_enclosing(zone))
      co_return zone_verdict(Security::indeterminate, 0, "no trust anchor above " + zone_text(zone), max_zone_ttl);
    ZoneKeys parent = co_await delegation_signer(zone, budget, ds_source);
    if (parent.verdict.security != Security::secure) co_return parent;
    if (parent.keys.empty())
      co_return zone_verdict(Security::insecure, 0, "no DS for " + zone_text(zone) + " (proven)", parent.ttl);
    ds = std::move(parent.keys);
    ttl = parent.ttl;
  }
  // The zone's own DNSKEY set, asked of the zone (RFC 4035 section 5.2).
  const dns::Question asked{zone, dns::rrtype::DNSKEY, dns::class_in};
  Step step = co_await resolve_name(asked, budget);
  if (step.kind != StepKind::answer)
    co_return zone_verdict(Security::bogus, dnssec::ede::dnskey_missing,
                           step.kind == StepKind::failed ? "DNSKEY of " + zone_text(zone) + ": " + step.why
                                                         : zone_text(zone) + " has no DNSKEY");
  std::vector<dns::Record> dnskeys, sigs;
  for (const auto& rr : step.records) {
    if (rr.owner != zone) continue;
    if (rr.type == dns::rrtype::DNSKEY) dnskeys.push_back(rr);
    else if (rr.type == dns::rrtype::RRSIG && dns::rrsig_covered(rr) == dns::rrtype::DNSKEY) sigs.push_back(rr);
  }
  if (dnskeys.empty())
    co_return zone_verdict(Security::bogus, dnssec::ede::dnskey_missing, zone_text(zone) + " has no DNSKEY");
  const std::uint64_t now = wall_now();
  dnssec::DnskeyVerdict checked;
  if (anchor) {
    if (!anchor->dnskeys.empty())
      checked = dnssec::validate_dnskeys_with_anchors(dnskeys, sigs, anchor->dnskeys, zone, now,
                                                      budget.spend->validation, key_cache());
    if (checked.rrset.verdict.security != Security::secure && !anchor->ds.empty())
      checked = dnssec::validate_dnskeys(dnskeys, sigs, anchor->ds, zone, now, budget.spend->validation, key_cache());
    // The anchor's own key set looking expired or not yet valid: far likelier a wrong clock here.
    const std::uint16_t ede = checked.rrset.verdict.ede;
    if (ede == dnssec::ede::signature_expired || ede == dnssec::ede::signature_not_yet_valid)
      log::warning("DNSSEC: the DNSKEY set of trust anchor {} looks {}: the system clock is probably wrong",
                   zone_text(zone), ede == dnssec::ede::signature_expired ? "expired" : "not yet valid");
  } else {
    checked = dnssec::validate_dnskeys(dnskeys, sigs, ds, zone, now, budget.spend->validation, key_cache());
  }
  SecVerdict verdict = checked.rrset.verdict;
  if (verdict.security != Security::secure) {
    verdict.why = "DNSKEY of " + zone_text(zone) + ": " + verdict.why;
    co_return ZoneKeys{std::move(verdict), {}, std::min(ttl, verdict.security == Security::bogus ? bogus_zone_ttl : max_zone_ttl)};
  }
  // Kept with its verdict: every walk and worker takes the zone's keys from there.
  store_rrsets(dnskeys, cache::Trust::answer_auth, "validated", budget, sigs, Security::secure);
  co_return ZoneKeys{std::move(verdict), std::move(checked.keys), std::min(ttl, checked.rrset.ttl)};
}

asio::awaitable<ZoneKeys> Resolver::delegation_signer(const dns::Name& zone, Budget& budget, std::string& ds_source) {
  // RFC 4035 section 3.1.4: the referral into the zone carried its DS set or the proof it has
  // none; no query is needed then.
  if (auto given = budget.spend->delegations.find(zone); given != budget.spend->delegations.end()) {
    const dns::Name parent = given->second.first;
    const std::vector<dns::Record> records = given->second.second;
    std::vector<dns::Record> ds, ds_sigs, denial;
    for (const auto& rr : records) {
      if (rr.owner == zone && rr.type == dns::rrtype::DS) ds.push_back(rr);
      else if (rr.owner == zone && rr.type == dns::rrtype::RRSIG && dns::rrsig_covered(rr) == dns::rrtype::DS)
        ds_sigs.push_back(rr);
      else denial.push_back(rr);
    }
    if (!ds.empty()) {
      ds_source = "referral";
      const SecVerdict v = co_await validate_rrset(ds, ds_sigs, parent, {}, budget);
      co_return ZoneKeys{v, v.security == Security::secure ? ds : std::vector<dns::Record>{},
                         v.security == Security::bogus ? bogus_zone_ttl : min_ttl(ds, max_zone_ttl)};
    }
    ZoneKeys parent_keys = co_await zone_keys(parent, budget);
    if (parent_keys.verdict.security != Security::secure) co_return parent_keys;
    SecVerdict failed;
    if (auto verified = verified_denial(denial, parent_keys, parent, budget, failed); verified && !verified->empty()) {
      const dnssec::DenialResult proof = dnssec::prove_insecure_delegation(
          dnssec::DenialQuestion{zone, dns::rrtype::DS, parent}, *verified, budget.spend->validation);
      if (proof.proven == dnssec::Proven::no_ds || proof.proven == dnssec::Proven::opt_out) {
        ds_source = "no-DS proof (referral)";
        co_return ZoneKeys{make_verdict(Security::secure, 0, {}), {}, min_ttl(*verified, max_zone_ttl)};
      }
    }
    // No usable proof with the referral: ask the parent side, as without one.
  }
  // RFC 4035 section 3.1.4.1: resolve_name asks a DS question of the parent side of the cut.
  const dns::Question asked{zone, dns::rrtype::DS, dns::class_in};
  ds_source = "asked";
  Step step = co_await resolve_name(asked, budget);
  if (step.kind == StepKind::failed)
    co_return zone_verdict(Security::bogus, dnssec::ede::dnssec_bogus, "DS of " + zone_text(zone) + ": " + step.why);
  const SecVerdict v = co_await validate_step(asked, step, budget);
  if (v.security != Security::secure)
    co_return ZoneKeys{v, {}, v.security == Security::bogus ? bogus_zone_ttl : max_zone_ttl};
  if (step.kind == StepKind::nodata) {
    ds_source = "no-DS proof (asked)";
    co_return ZoneKeys{v, {}, min_ttl(step.soa, max_zone_ttl)};
  }
  std::vector<dns::Record> ds;
  for (const auto& rr : step.records)
    if (rr.owner == zone && rr.type == dns::rrtype::DS) ds.push_back(rr);
  if (step.kind != StepKind::answer || ds.empty())
    co_return zone_verdict(Security::bogus, dnssec::ede::dnssec_bogus, "DS of " + zone_text(zone) + ": no DS set and no proof of none");
  co_return ZoneKeys{v, ds, min_ttl(ds, max_zone_ttl)};
}

asio::awaitable<std::optional<dnssec::Verdict>> Resolver::unsigned_cut_between(const dns::Name& secure_zone,
                                                                                const dns::Name& owner,
                                                                                Budget& budget) {
  // The names from just below secure_zone down to owner, shortest first (Unbound does the same
  // when a forwarder hides the zone cuts: RFC 4035 section 5.2's DS at each possible cut).
  std::vector<dns::Name> below;
  for (dns::Name n = owner; n != secure_zone && n.is_subdomain_of(secure_zone) && !n.is_root(); n = n.parent())
    below.push_back(n);
  std::reverse(below.begin(), below.end());
  if (below.size() > limits::max_unsigned_cut_labels) below.resize(limits::max_unsigned_cut_labels);
  dns::Name zone = secure_zone;
  for (const dns::Name& candidate : below) {
    const dns::Question asked{candidate, dns::rrtype::DS, dns::class_in};
    Step step = co_await resolve_name(asked, budget);
    if (step.kind == StepKind::answer) {
      // A signed delegation: the search goes on below it, with its keys.
      ZoneKeys keys = co_await zone_keys(candidate, budget);
      if (keys.verdict.security == Security::insecure) co_return keys.verdict;
      if (keys.verdict.security != Security::secure) co_return std::nullopt;
      zone = candidate;
      continue;
    }
    if (step.kind != StepKind::nodata) co_return std::nullopt;  // NXDOMAIN, failure: no cut below
    // NODATA: a cut without DS when the zone's signed NSEC/NSEC3 shows NS and no DS there;
    // otherwise candidate is inside the zone (or an empty non-terminal) and the search goes on.
    ZoneKeys keys = co_await zone_keys(zone, budget);
    if (keys.verdict.security != Security::secure) co_return std::nullopt;
    SecVerdict failed;
    auto verified = verified_denial(step.soa, keys, zone, budget, failed);
    if (!verified || verified->empty()) continue;
    const dnssec::DenialResult proof = dnssec::prove_insecure_delegation(
        dnssec::DenialQuestion{candidate, dns::rrtype::DS, zone}, *verified, budget.spend->validation);
    if (proof.proven == dnssec::Proven::no_ds || proof.proven == dnssec::Proven::opt_out)
      co_return make_verdict(Security::insecure, 0, "no DS for " + zone_text(candidate) + " (proven)");
  }
  co_return std::nullopt;
}

std::optional<std::vector<dns::Record>> Resolver::verified_denial(const std::vector<dns::Record>& records,
                                                                  const ZoneKeys& keys, const dns::Name& zone,
                                                                  Budget& budget, SecVerdict& failed) {
  std::vector<dns::Record> verified;
  for (const SignedSet& set : signed_sets(records, is_denial_type)) {
    const dnssec::RrsetVerdict r = dnssec::verify_rrset(set.records, set.sigs, keys.keys, zone, wall_now(),
                                                        budget.spend->validation, key_cache());
    if (r.verdict.security != Security::secure) {
      failed = about(r.verdict, set.records.front());
      // An unsigned or badly signed denial record is a missing proof (EDE 12) unless a reason
      // more precise (expired, a limit) says otherwise.
      if (failed.security == Security::bogus &&
          (failed.ede == dnssec::ede::rrsigs_missing || failed.ede == dnssec::ede::dnssec_bogus) &&
          failed.why.find("limit") == std::string::npos)
        failed.ede = dnssec::ede::nsec_missing;
      return std::nullopt;
    }
    verified.insert(verified.end(), set.records.begin(), set.records.end());
  }
  return verified;
}

asio::awaitable<SecVerdict> Resolver::validate_rrset(const std::vector<dns::Record>& rrset,
                                                  const std::vector<dns::Record>& sigs, const dns::Name& zone,
                                                  const std::vector<dns::Record>& wildcard_proof, Budget& budget) {
  const dns::Record& first = rrset.front();
  // A zone's DS set is its parent's data: judged by the parent's keys, never the zone's own.
  const bool ds = first.type == dns::rrtype::DS;
  dns::Name signer = ds && (zone == first.owner || !first.owner.is_subdomain_of(zone)) && !first.owner.is_root()
                         ? first.owner.parent() : zone;
  bool signed_set = false;
  std::uint8_t labels = 255;
  for (const auto& sig : sigs) {
    auto parsed = dnssec::parse_rrsig(sig.rdata);
    if (!parsed || !first.owner.is_subdomain_of(parsed->signer)) continue;
    if (ds && parsed->signer == first.owner) continue;  // the child cannot sign its own DS
    if (!signed_set) signer = parsed->signer;
    signed_set = true;
    if (parsed->signer == signer) labels = std::min(labels, parsed->labels);
  }
  const ZoneKeys keys = co_await zone_keys(signer, budget);
  // A trace's chain: which of the zone's keys signed this RRset, or why none did.
  auto told = [&](SecVerdict v, std::uint16_t tag = 0, std::uint8_t alg = 0) {
    if (budget.spend->observer)
      budget.spend->observer->chain(ChainLink{
          signer, {}, {}, std::nullopt,
          {SignedBy{first.owner.to_text() + " " + dns::type_to_text(first.type), tag, alg, v}}});
    return v;
  };
  if (keys.verdict.security != Security::secure) co_return told(keys.verdict);
  if (!signed_set) {
    // Unsigned is fine below a proven unsigned delegation the walk did not see as a referral.
    if (!ds)
      if (auto insecure = co_await unsigned_cut_between(signer, first.owner, budget))
        co_return told(std::move(*insecure));
    co_return told(about(make_verdict(Security::bogus, dnssec::ede::rrsigs_missing,
                                      "no RRSIG, and " + zone_text(signer) + " is signed"), first));
  }
  const dnssec::RrsetVerdict checked = dnssec::verify_rrset(rrset, sigs, keys.keys, signer, wall_now(),
                                                            budget.spend->validation, key_cache());
  if (checked.verdict.security != Security::secure)
    co_return told(about(checked.verdict, first), checked.key_tag, checked.algorithm);
  told(checked.verdict, checked.key_tag, checked.algorithm);
  // RFC 4035 section 5.3.4: an RRSIG with fewer labels than its owner signs a wildcard's
  // expansion; the answer must prove that no closer name exists.
  std::size_t owner_labels = first.owner.label_count();
  if (first.owner.first_label() == "*") --owner_labels;
  if (labels < owner_labels) {
    SecVerdict failed;
    auto verified = verified_denial(wildcard_proof, keys, signer, budget, failed);
    if (!verified) co_return failed;
    const dnssec::DenialResult proof = dnssec::prove_wildcard_answer(
        dnssec::DenialQuestion{first.owner, first.type, signer}, labels, *verified, budget.spend->validation);
    if (proof.verdict.security != Security::secure) co_return about(proof.verdict, first);
  }
  co_return checked.verdict;
}

asio::awaitable<SecVerdict> Resolver::validate_step(const dns::Question& q, const Step& step, Budget& budget) {
  // Stored with a verdict: that verdict (bogus data is never cached).
  if (step.cached && *step.cached != Security::indeterminate) co_return make_verdict(*step.cached, 0, {});
  // RRSIG and ANY questions are answered with whatever the zone holds: nothing to check as one set.
  if (q.type == dns::rrtype::RRSIG || q.type == dns::rrtype::ANY)
    co_return make_verdict(Security::indeterminate, 0, {});
  dns::Name zone = step.zone;
  if (step.cached) {
    // Cached data that was never judged: the closest zone cut the cache knows gave it.
    zone = step.records.empty() ? step.target : step.records.front().owner;
    // A trace (isolated) knows only its own walk's cuts (known_rrset): never the shared cache.
    while (!zone.is_root() && !known_rrset(budget, zone, dns::rrtype::NS)) zone = zone.parent();
  }
  SecVerdict worst = make_verdict(Security::secure, 0, {});
  auto weaker = [&](SecVerdict v) {
    if (rank(v.security) < rank(worst.security)) worst = std::move(v);
  };
  for (const SignedSet& set : signed_sets(step.records, [](std::uint16_t) { return true; })) {
    const std::vector<dns::Record> none;
    const bool last = set.records.front().owner == step.target && step.kind == StepKind::answer;
    weaker(co_await validate_rrset(set.records, set.sigs, zone, last ? step.proof : none, budget));
    if (worst.security == Security::bogus) co_return worst;
  }
  if (step.kind != StepKind::nxdomain && step.kind != StepKind::nodata) co_return worst;
  // The denial: by the zone whose SOA it carries, with its NSEC/NSEC3 records verified first.
  dns::Name denying = zone;
  for (const auto& rr : step.soa)
    if (rr.type == dns::rrtype::SOA) {
      denying = rr.owner;
      break;
    }
  const ZoneKeys keys = co_await zone_keys(denying, budget);
  if (keys.verdict.security != Security::secure) {
    weaker(keys.verdict);
    co_return worst;
  }
  SecVerdict failed;
  auto verified = verified_denial(step.soa, keys, denying, budget, failed);
  if (!verified) {
    weaker(failed);
    co_return worst;
  }
  const dnssec::DenialQuestion asked{step.target, q.type, denying};
  if (verified->empty()) {
    weaker(make_verdict(Security::bogus, dnssec::ede::nsec_missing,
                        step.target.to_text() + ": " + (step.kind == StepKind::nxdomain ? "NXDOMAIN" : "NODATA") +
                            " without NSEC/NSEC3, and " + zone_text(denying) + " is signed"));
    co_return worst;
  }
  const dnssec::DenialResult proof = step.kind == StepKind::nxdomain
                                         ? dnssec::prove_nxdomain(asked, *verified, budget.spend->validation)
                                         : dnssec::prove_nodata(asked, *verified, budget.spend->validation);
  SecVerdict v = proof.verdict;
  // RFC 8198: a chain proven secure may answer later names without asking (NSEC, and NSEC3 by
  // section 4; an opt-out NSEC3 is kept but never proves a name absent: aggressive_denial.hpp).
  if (v.security == Security::secure && budget.dnssec->aggressive_nsec && !budget.isolated) {
    std::vector<dns::Record> soa;
    std::uint32_t ttl = max_zone_ttl;
    for (const auto& rr : step.soa)
      if (rr.owner == denying && (rr.type == dns::rrtype::SOA || (rr.type == dns::rrtype::RRSIG &&
                                                                  dns::rrsig_covered(rr) == dns::rrtype::SOA))) {
        soa.push_back(rr);
        if (rr.type == dns::rrtype::SOA) ttl = std::min({ttl, rr.ttl, dns::soa_minimum(rr).value_or(0)});
      }
    std::vector<dns::Record> nsec;
    for (const auto& rr : step.soa)
      if (rr.type == dns::rrtype::NSEC || rr.type == dns::rrtype::NSEC3 ||
          (rr.type == dns::rrtype::RRSIG && (dns::rrsig_covered(rr) == dns::rrtype::NSEC ||
                                             dns::rrsig_covered(rr) == dns::rrtype::NSEC3))) {
        nsec.push_back(rr);
        ttl = std::min(ttl, rr.ttl);
      }
    nsec_store_.add(denying, nsec, soa, ttl, caches_.rrsets.clock().now());
  }
  if (v.security == Security::bogus && v.ede == 0) v.ede = dnssec::ede::nsec_missing;
  if (v.security == Security::bogus || v.security == Security::insecure)
    v.why = step.target.to_text() + " " + dns::type_to_text(q.type) + ": " + v.why;
  weaker(std::move(v));
  co_return worst;
}

std::optional<Resolver::Step> Resolver::aggressive_denial(const dns::Question& q, Budget& budget) {
  // A DS question is the parent's to answer: its proof lives in the parent's chain.
  const dns::Name from = q.type == dns::rrtype::DS && !q.name.is_root() ? q.name.parent() : q.name;
  const auto zone = nsec_store_.zone_of(from);
  if (!zone) return std::nullopt;
  const cache::TimePoint now = caches_.rrsets.clock().now();
  auto found = nsec_store_.around(*zone, q.name, now);
  if (!found) return std::nullopt;
  const dnssec::DenialResult proof = dnssec::synthesise_denial(dnssec::DenialQuestion{q.name, q.type, *zone},
                                                                found->nsec, budget.spend->validation);
  if (proof.verdict.security != Security::secure) return std::nullopt;
  Step step;
  if (proof.proven == dnssec::Proven::nxdomain) step.kind = StepKind::nxdomain;
  else if (proof.proven == dnssec::Proven::nodata || proof.proven == dnssec::Proven::wildcard_nodata)
    step.kind = StepKind::nodata;
  else return std::nullopt;
  step.target = q.name;
  step.zone = *zone;
  step.cached = Security::secure;
  step.soa = found->soa;
  for (std::size_t i : proof.proof)
    if (i < found->nsec.size()) {
      const dns::Record& nsec = found->nsec[i];
      step.soa.push_back(nsec);
      for (const auto& sig : found->sigs)
        if (sig.owner == nsec.owner) step.soa.push_back(sig);
    }
  for (auto& rr : step.soa) rr.ttl = std::min(rr.ttl, found->ttl);
  stats_.aggressive_nsec_answers.fetch_add(1, std::memory_order_relaxed);
  log::debug("{} {}: {} from the validated NSEC/NSEC3 chain of {} (RFC 8198)", q.name.to_text(), dns::type_to_text(q.type),
             step.kind == StepKind::nxdomain ? "NXDOMAIN" : "NODATA", zone->to_text());
  return step;
}

void Resolver::note_security(const Step& step, Security security, const Budget& budget) {
  if (step.cached || budget.isolated || security == Security::indeterminate) return;
  for (const SignedSet& set : signed_sets(step.records, [](std::uint16_t) { return true; })) {
    const dns::Record& first = set.records.front();
    // A bogus set must not be served from the RRset cache (a CNAME link to a later walk).
    if (security == Security::bogus) caches_.rrsets.erase(first.owner, first.type);
    else caches_.rrsets.set_security(first.owner, first.type, security);
  }
}

}  // namespace tern::resolver
