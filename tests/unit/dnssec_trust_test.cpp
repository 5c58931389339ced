// DNSKEY RRsets trusted through DS records and trust anchors (resolver/dnssec/dnskey_trust),
// RFC 8624's digest choice, and the KeyTrap limits (CVE-2023-50387) of resolver/limits.hpp.
#include "resolver/dnssec/dnskey_trust.hpp"
#include "resolver/dnssec/records.hpp"
#include "resolver/limits.hpp"
#include "tests/unit/dnssec_oracle.hpp"
#include "tests/unit/helpers.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tern;
using namespace tern::resolver::dnssec;
using tern::test::name;
using tern::test::rr;
using tern::test::rrs;
namespace limits = tern::resolver::limits;

namespace {

constexpr std::uint32_t t0 = 1800000000;

ValidationBudget fresh_budget() {
  return ValidationBudget{limits::max_signature_verifications, 100, limits::max_ds_match_failures};
}

/// A zone with a KSK (257) and a ZSK (256); the KSK signs the DNSKEY RRset.
struct Zone {
  test::OracleKey ksk{LDNS_SIGN_ECDSAP256SHA256, 256, "sec.lab.", 257};
  test::OracleKey zsk{LDNS_SIGN_ED25519, 256, "sec.lab.", 256};
  std::vector<dns::Record> dnskeys{ksk.dnskey(), zsk.dnskey()};
  std::vector<dns::Record> sigs{ksk.sign(dnskeys, t0 - 60, t0 + 3600)};
};

/// A DS record with the given fields (digest as raw octets).
dns::Record ds_record(std::uint16_t tag, std::uint8_t alg, std::uint8_t digest_type, const std::string& digest) {
  dns::Record out = rr("sec.lab. 300 IN DS 1 13 2 00");
  out.rdata = std::string{static_cast<char>(tag >> 8), static_cast<char>(tag & 0xFF),
                          static_cast<char>(alg), static_cast<char>(digest_type)} + digest;
  return out;
}

DnskeyVerdict validate(const Zone& z, const std::vector<dns::Record>& ds, ValidationBudget& budget, KeyCache& cache) {
  return validate_dnskeys(z.dnskeys, z.sigs, ds, name("sec.lab."), t0, budget, cache);
}

/// `rdata` with its last two octets chosen so that its key tag becomes `tag`.
std::string with_key_tag(std::string rdata, std::uint16_t tag) {
  for (unsigned w = 0; w <= 0xFFFF; ++w) {
    rdata[rdata.size() - 2] = static_cast<char>(w >> 8);
    rdata[rdata.size() - 1] = static_cast<char>(w & 0xFF);
    if (key_tag(rdata) == tag) return rdata;
  }
  FAIL("no octets give the key tag");
  return rdata;
}

}  // namespace

TEST_CASE("a DS matching the KSK makes the whole DNSKEY RRset trusted", "[dnssec]") {
  KeyCache cache(16);
  const Zone z;
  for (ldns_hash h : {LDNS_SHA256, LDNS_SHA384}) {
    ValidationBudget budget = fresh_budget();
    const DnskeyVerdict v = validate(z, {z.ksk.ds(h)}, budget, cache);
    CHECK(v.rrset.verdict.security == Security::secure);
    CHECK(v.rrset.key_tag == z.ksk.tag());
    CHECK(v.keys.size() == 2);  // the ZSK too: it now signs the zone's other RRsets
  }
  // The SEP bit is not required (RFC 4035 section 5.2): a DS of the ZSK, which signs too.
  Zone zsk_signed;
  zsk_signed.sigs = {zsk_signed.zsk.sign(zsk_signed.dnskeys, t0 - 60, t0 + 3600)};
  ValidationBudget budget = fresh_budget();
  CHECK(validate(zsk_signed, {zsk_signed.zsk.ds(LDNS_SHA256)}, budget, cache).rrset.verdict.security == Security::secure);
}

TEST_CASE("a DS that matches no DNSKEY, or a matched key that did not sign, is bogus", "[dnssec]") {
  KeyCache cache(16);
  const Zone z;
  ValidationBudget budget = fresh_budget();
  const auto wrong = parse_ds(z.ksk.ds(LDNS_SHA256).rdata);
  const DnskeyVerdict v = validate(z, {ds_record(wrong->key_tag, 13, 2, std::string(32, '\x55'))}, budget, cache);
  CHECK(v.rrset.verdict.security == Security::bogus);
  CHECK(v.rrset.verdict.ede == ede::dnskey_missing);
  CHECK(v.keys.empty());
  CHECK(budget.ds_match_failures == limits::max_ds_match_failures - 1);
  // The ZSK matches its DS, but only the KSK signed the DNSKEY RRset.
  const DnskeyVerdict unsigned_by_match = validate(z, {z.zsk.ds(LDNS_SHA256)}, budget, cache);
  CHECK(unsigned_by_match.rrset.verdict.security == Security::bogus);
  CHECK(unsigned_by_match.rrset.verdict.ede == ede::dnskey_missing);
}

TEST_CASE("RFC 8624 digest choice: SHA-1 only without SHA-256/384, unknown digests skipped", "[dnssec]") {
  KeyCache cache(16);
  const Zone z;
  const dns::Record sha1 = z.ksk.ds(LDNS_SHA1);
  const auto sha256 = parse_ds(z.ksk.ds(LDNS_SHA256).rdata);
  const dns::Record bad_sha256 = ds_record(sha256->key_tag, 13, 2, std::string(32, '\x00'));
  ValidationBudget budget = fresh_budget();
  CHECK(validate(z, {sha1}, budget, cache).rrset.verdict.security == Security::secure);
  // With a SHA-256 DS present, the (correct) SHA-1 one is ignored: the wrong SHA-256 decides.
  CHECK(validate(z, {sha1, bad_sha256}, budget, cache).rrset.verdict.security == Security::bogus);
  // An unknown digest type next to a good DS is skipped.
  const dns::Record unknown = ds_record(sha256->key_tag, 13, 99, "xyz");
  CHECK(validate(z, {unknown, z.ksk.ds(LDNS_SHA256)}, budget, cache).rrset.verdict.security == Security::secure);
  // Nothing usable: insecure, and the EDE says why.
  const DnskeyVerdict only_unknown = validate(z, {unknown}, budget, cache);
  CHECK(only_unknown.rrset.verdict.security == Security::insecure);
  CHECK(only_unknown.rrset.verdict.ede == ede::unsupported_ds_digest);
  const DnskeyVerdict no_ds = validate(z, {}, budget, cache);
  CHECK(no_ds.rrset.verdict.security == Security::indeterminate);
  CHECK(no_ds.keys.empty());
  const DnskeyVerdict unknown_alg = validate(z, {ds_record(sha256->key_tag, 200, 2, sha256->digest)}, budget, cache);
  CHECK(unknown_alg.rrset.verdict.security == Security::insecure);
  CHECK(unknown_alg.rrset.verdict.ede == ede::unsupported_dnskey_algorithm);
}

TEST_CASE("a trust anchor given as a DNSKEY must be in the RRset and sign it", "[dnssec]") {
  KeyCache cache(16);
  const Zone z;
  const test::OracleKey stranger(LDNS_SIGN_ECDSAP256SHA256, 256, "sec.lab.");
  ValidationBudget budget = fresh_budget();
  const auto with_anchor = [&](const dns::Record& anchor) {
    return validate_dnskeys_with_anchors(z.dnskeys, z.sigs, std::vector{anchor}, name("sec.lab."), t0, budget, cache);
  };
  const DnskeyVerdict ok = with_anchor(z.ksk.dnskey());
  CHECK(ok.rrset.verdict.security == Security::secure);
  CHECK(ok.keys.size() == 2);
  CHECK(with_anchor(stranger.dnskey()).rrset.verdict.ede == ede::dnskey_missing);
  // The ZSK is in the RRset but did not sign it.
  CHECK(with_anchor(z.zsk.dnskey()).rrset.verdict.security == Security::bogus);
  dns::Record unsupported = z.ksk.dnskey();
  unsupported.rdata[3] = static_cast<char>(200);
  const DnskeyVerdict insecure = with_anchor(unsupported);
  CHECK(insecure.rrset.verdict.security == Security::insecure);
  CHECK(insecure.rrset.verdict.ede == ede::unsupported_dnskey_algorithm);
}

TEST_CASE("KeyTrap: many DNSKEYs with one key tag cost a bounded number of verifications", "[dnssec]") {
  KeyCache cache(64);
  const test::OracleKey real(LDNS_SIGN_ECDSAP256SHA256, 256, "lab.");
  const std::vector<dns::Record> rrset = rrs({"a.lab. 300 IN A 192.0.2.1"});
  const dns::Record sig = real.sign(rrset, t0 - 1, t0 + 9);
  // 50 different keys with the real key's tag, listed before the real one.
  std::vector<dns::Record> keys;
  for (int i = 0; i < 50; ++i) {
    dns::Record fake = real.dnskey();
    fake.rdata[10] = static_cast<char>(i);
    fake.rdata[11] = static_cast<char>(i * 7);
    fake.rdata = with_key_tag(fake.rdata, real.tag());
    if (fake.rdata != real.dnskey().rdata) keys.push_back(fake);
  }
  keys.push_back(real.dnskey());
  ValidationBudget budget = fresh_budget();
  const RrsetVerdict v = verify_rrset(rrset, std::vector{sig}, keys, name("lab."), t0, budget, cache);
  CHECK(v.verdict.security == Security::bogus);
  CHECK(v.verdict.ede == ede::dnssec_bogus);
  CHECK(v.verdict.why.find("max_dnskeys_per_key_tag") != std::string::npos);
  CHECK(limits::max_signature_verifications - budget.signature_verifications == limits::max_dnskeys_per_key_tag);
}

TEST_CASE("KeyTrap: many RRSIGs over one RRset, and the per-query budget, bound the work", "[dnssec]") {
  KeyCache cache(64);
  const test::OracleKey key(LDNS_SIGN_ED25519, 256, "lab.");
  const std::vector<dns::Record> rrset = rrs({"a.lab. 300 IN A 192.0.2.1"});
  const dns::Record good = key.sign(rrset, t0 - 1, t0 + 9);
  std::vector<dns::Record> sigs;
  for (std::size_t i = 1; i <= 40; ++i) {
    dns::Record bad = good;
    bad.rdata[bad.rdata.size() - i] ^= 0x40;
    sigs.push_back(bad);
  }
  sigs.push_back(good);
  const std::vector<dns::Record> keys{key.dnskey()};
  ValidationBudget budget = fresh_budget();
  const RrsetVerdict many = verify_rrset(rrset, sigs, keys, name("lab."), t0, budget, cache);
  CHECK(many.verdict.security == Security::bogus);
  CHECK(many.verdict.ede == ede::dnssec_bogus);
  CHECK(many.verdict.why.find("max_rrsigs_per_rrset") != std::string::npos);
  CHECK(limits::max_signature_verifications - budget.signature_verifications == limits::max_rrsigs_per_rrset);
  // The per-query budget runs out across RRsets: after it, even a good signature is not tried.
  while (budget.signature_verifications > 0)
    verify_rrset(rrset, std::vector{sigs[0]}, keys, name("lab."), t0, budget, cache);
  const RrsetVerdict spent = verify_rrset(rrset, std::vector{good}, keys, name("lab."), t0, budget, cache);
  CHECK(spent.verdict.security == Security::bogus);
  CHECK(spent.verdict.ede == ede::dnssec_bogus);
  CHECK(spent.verdict.why.find("max_signature_verifications") != std::string::npos);
}

TEST_CASE("KeyTrap: DS records matching no DNSKEY are bounded per query", "[dnssec]") {
  KeyCache cache(16);
  const Zone z;
  std::vector<dns::Record> ds;
  for (std::uint16_t i = 0; i < 20; ++i) ds.push_back(ds_record(static_cast<std::uint16_t>(1000 + i), 13, 2, std::string(32, 'x')));
  ds.push_back(z.ksk.ds(LDNS_SHA256));
  ValidationBudget budget = fresh_budget();
  const DnskeyVerdict v = validate(z, ds, budget, cache);
  CHECK(v.rrset.verdict.security == Security::bogus);
  CHECK(v.rrset.verdict.ede == ede::dnssec_bogus);
  CHECK(v.rrset.verdict.why.find("max_ds_match_failures") != std::string::npos);
  CHECK(budget.ds_match_failures == 0);
  // A few stale DS next to the right one: secure, the failures counted.
  budget = fresh_budget();
  const std::vector<dns::Record> few{ds[0], ds[1], ds.back()};
  CHECK(validate(z, few, budget, cache).rrset.verdict.security == Security::secure);
  CHECK(budget.ds_match_failures == limits::max_ds_match_failures - 2);
}
