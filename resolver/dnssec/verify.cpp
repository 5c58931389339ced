// RFC 4035 section 5.3: an RRset against its RRSIGs and the zone's trusted DNSKEYs.
#include "resolver/dnssec/verify.hpp"

#include "resolver/dnssec/canonical.hpp"
#include "resolver/limits.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace tern::resolver::dnssec {

namespace {

struct ZoneKey {
  Dnskey key;
  std::uint16_t tag = 0;
};

/// The zone's DNSKEYs that can be used at all: owner is the zone, parsable, protocol 3; a
/// revoked key only for the DNSKEY RRset (RFC 5011 section 2.1: it may still sign that).
std::vector<ZoneKey> zone_keys(std::span<const dns::Record> dnskeys, const dns::Name& zone,
                               bool signing_dnskey_rrset) {
  std::vector<ZoneKey> out;
  for (const dns::Record& rr : dnskeys) {
    if (rr.type != dns::rrtype::DNSKEY || rr.owner != zone) continue;
    std::optional<Dnskey> key = parse_dnskey(rr.rdata);
    if (!key || key->protocol != dnskey_protocol) continue;
    if (key->is_revoked() && !signing_dnskey_rrset) continue;
    const std::uint16_t tag = key_tag(rr.rdata);
    out.push_back(ZoneKey{std::move(*key), tag});
  }
  return out;
}

/// The most telling reason an RRset is not secure yet: a later stage of the checks wins
/// (a signature that fails to verify says more than one with no key).
struct Failure {
  enum Rank : int { none, unusable_rrsig, no_key, no_zone_key, time_window, bad_signature };
  Rank rank = none;
  RrsetVerdict verdict;
  bool refused = false;  ///< OpenSSL refused a verification the probe had allowed

  void note(Rank r, std::uint16_t ede, std::string why, const Rrsig& sig) {
    if (r <= rank) return;
    rank = r;
    verdict = RrsetVerdict{Verdict{Security::bogus, ede, std::move(why)}, 0, sig.key_tag, sig.algorithm};
  }
};

RrsetVerdict limit_hit(const char* limit, unsigned value, const Rrsig& sig) {
  return RrsetVerdict{Verdict{Security::bogus, ede::dnssec_bogus,
                              fmt::format("KeyTrap limit {} ({}) reached", limit, value)},
                      0, sig.key_tag, sig.algorithm};
}

/// Why an RRSIG cannot vouch for the RRset, found before any key is looked at.
struct Problem {
  Failure::Rank rank;
  std::uint16_t ede;
  std::string why;
};

/// RFC 4035 section 5.3.1 checks that need no key: nullopt when they pass.
std::optional<Problem> precheck(const Rrsig& sig, const dns::Name& owner, const dns::Name& zone,
                                std::uint32_t now) {
  const std::string id = fmt::format("RRSIG {}/{}", sig.algorithm, sig.key_tag);
  if (sig.signer != zone || !owner.is_subdomain_of(zone))
    return Problem{Failure::unusable_rrsig, ede::dnssec_bogus,
                   fmt::format("{} signer {} is not the zone {}", id, sig.signer.to_text(), zone.to_text())};
  if (sig.labels > owner.label_count())
    return Problem{Failure::unusable_rrsig, ede::dnssec_bogus,
                   fmt::format("{} labels {} exceed the owner's", id, sig.labels)};
  if (serial_before(sig.expiration, now))
    return Problem{Failure::time_window, ede::signature_expired, id + " expired"};
  if (serial_before(now, sig.inception))
    return Problem{Failure::time_window, ede::signature_not_yet_valid, id + " not yet valid"};
  return std::nullopt;
}

std::uint32_t secure_ttl(std::span<const dns::Record> rrset, const dns::Record& sig_rr,
                         const Rrsig& sig, std::uint32_t now) {
  std::uint32_t ttl = std::min(sig.original_ttl, sig_rr.ttl);
  for (const dns::Record& rr : rrset) ttl = std::min(ttl, rr.ttl);
  return std::min(ttl, static_cast<std::uint32_t>(sig.expiration - now));  // RFC 4035 5.3.3
}

/// Tries one RRSIG against the zone keys with its algorithm and key tag. Returns a verdict
/// when the search is over (secure, or a limit hit), nullopt to go on with the next RRSIG.
std::optional<RrsetVerdict> try_rrsig(const Rrsig& sig, const std::string& data,
                                      const std::vector<ZoneKey>& keys, ValidationBudget& budget,
                                      KeyCache& cache, Failure& failure) {
  unsigned tried = 0;
  bool saw_key = false;
  for (const ZoneKey& zk : keys) {
    if (zk.tag != sig.key_tag || zk.key.algorithm != sig.algorithm) continue;
    saw_key = true;
    if (!zk.key.is_zone_key()) continue;  // RFC 4035 5.3.1: the Zone Flag bit must be set
    if (tried == limits::max_dnskeys_per_key_tag)
      return limit_hit("max_dnskeys_per_key_tag", limits::max_dnskeys_per_key_tag, sig);
    if (budget.signature_verifications == 0)
      return limit_hit("max_signature_verifications", limits::max_signature_verifications, sig);
    --budget.signature_verifications;
    ++tried;
    const SignatureCheck check = cache.verify(zk.key, data, sig.signature);
    if (check == SignatureCheck::unsupported) {  // OpenSSL refused it after all: not bogus
      failure.refused = true;
      continue;
    }
    if (check == SignatureCheck::valid)
      return RrsetVerdict{Verdict{Security::secure, 0, fmt::format("RRSIG {}/{} verified", sig.algorithm, sig.key_tag)},
                          0, sig.key_tag, sig.algorithm};
    failure.note(Failure::bad_signature, ede::dnssec_bogus,
                 fmt::format("RRSIG {}/{} does not verify", sig.algorithm, sig.key_tag), sig);
  }
  if (tried == 0 && saw_key)
    failure.note(Failure::no_zone_key, ede::no_zone_key_bit,
                 fmt::format("DNSKEY {}/{} has no Zone Key bit", sig.algorithm, sig.key_tag), sig);
  else if (!saw_key)
    failure.note(Failure::no_key, ede::dnskey_missing,
                 fmt::format("no DNSKEY {}/{}", sig.algorithm, sig.key_tag), sig);
  return std::nullopt;
}

bool any_supported(const std::vector<ZoneKey>& keys, const KeyCache& cache) {
  return std::any_of(keys.begin(), keys.end(),
                     [&](const ZoneKey& k) { return cache.supports(k.key.algorithm); });
}

}  // namespace

bool serial_before(std::uint32_t a, std::uint32_t b) noexcept {
  return a != b && static_cast<std::int32_t>(a - b) < 0;
}

RrsetVerdict verify_rrset(std::span<const dns::Record> rrset, std::span<const dns::Record> rrsigs,
                          std::span<const dns::Record> dnskeys, const dns::Name& zone,
                          std::uint64_t now, ValidationBudget& budget, KeyCache& cache) {
  if (rrset.empty()) return RrsetVerdict{Verdict{Security::bogus, ede::dnssec_bogus, "empty RRset"}};
  const dns::Record& first = rrset.front();
  for (const dns::Record& rr : rrset)
    if (rr.owner != first.owner || rr.type != first.type || rr.klass != first.klass)
      return RrsetVerdict{Verdict{Security::bogus, ede::dnssec_bogus, "records of more than one RRset"}};
  const auto now32 = static_cast<std::uint32_t>(now);
  const std::vector<ZoneKey> keys = zone_keys(dnskeys, zone, first.type == dns::rrtype::DNSKEY);
  Failure failure;
  unsigned tried = 0;
  bool covered = false, unsupported = false;
  for (const dns::Record& sig_rr : rrsigs) {
    if (sig_rr.type != dns::rrtype::RRSIG || sig_rr.owner != first.owner || sig_rr.klass != first.klass)
      continue;
    std::optional<Rrsig> sig = parse_rrsig(sig_rr.rdata);
    if (!sig || sig->type_covered != first.type) continue;
    covered = true;
    if (!cache.supports(sig->algorithm)) {  // RFC 6840 section 5.2: ignored, not bogus
      unsupported = true;
      continue;
    }
    if (std::optional<Problem> bad = precheck(*sig, first.owner, zone, now32)) {
      failure.note(bad->rank, bad->ede, std::move(bad->why), *sig);
      continue;
    }
    if (tried == limits::max_rrsigs_per_rrset)
      return limit_hit("max_rrsigs_per_rrset", limits::max_rrsigs_per_rrset, *sig);
    ++tried;
    const std::optional<std::string> data = signed_data(*sig, rrset);
    if (!data) {
      failure.note(Failure::unusable_rrsig, ede::dnssec_bogus, "RRset RDATA not canonicalisable", *sig);
      continue;
    }
    if (auto done = try_rrsig(*sig, *data, keys, budget, cache, failure)) {
      if (done->verdict.security == Security::secure) done->ttl = secure_ttl(rrset, sig_rr, *sig, now32);
      return *done;
    }
  }
  if (failure.rank != Failure::none) return failure.verdict;
  if (failure.refused)
    return RrsetVerdict{Verdict{Security::insecure, ede::unsupported_dnskey_algorithm,
                                "OpenSSL refused the RRSIG algorithm"}};
  // Only RRSIGs of algorithms OpenSSL does not verify: insecure when the zone has no key this
  // resolver can use either (RFC 4035 section 5.2); with such a key, an RRSIG by it is missing.
  if (unsupported && !any_supported(keys, cache))
    return RrsetVerdict{Verdict{Security::insecure, ede::unsupported_dnskey_algorithm,
                                "RRSIG algorithm not supported"}};
  return RrsetVerdict{Verdict{Security::bogus, ede::rrsigs_missing,
                              covered ? "no RRSIG by a supported algorithm"
                                      : fmt::format("no RRSIG for {} type {}", first.owner.to_text(), first.type)}};
}

}  // namespace tern::resolver::dnssec
