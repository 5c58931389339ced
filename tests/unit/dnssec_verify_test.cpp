// RRset signature validation (resolver/dnssec/verify, crypto): every algorithm against the
// RFCs' examples and against signatures made by ldns, the validity window, wildcards, the
// TTL cap, the key cache, OpenSSL refusing an algorithm.
#include "resolver/dnssec/crypto.hpp"
#include "resolver/dnssec/verify.hpp"
#include "resolver/limits.hpp"
#include "tests/unit/dnssec_oracle.hpp"
#include "tests/unit/helpers.hpp"

#include <catch2/catch.hpp>

#include <openssl/provider.h>

#include <vector>

using namespace tern;
using namespace tern::resolver::dnssec;
using tern::test::name;
using tern::test::rr;
using tern::test::rrs;

namespace {

ValidationBudget fresh_budget() {
  return ValidationBudget{resolver::limits::max_signature_verifications, 100,
                          resolver::limits::max_ds_match_failures};
}

struct Vector {
  const char* dnskey;
  const char* rrset;
  const char* rrsig;
  std::uint64_t now;
  std::uint16_t tag;
};

// RFC 5702 section 6.1 and 6.2, RFC 6605 section 6.1 and 6.2, RFC 8080 section 6.1 and 6.2
// (with verified erratum 4935, which fixes the RRSIGs' algorithm and labels fields).
const Vector rfc_vectors[] = {
    {"example.net. 3600 IN DNSKEY 256 3 8 AwEAAcFcGsaxxdgiuuGmCkVImy4h99CqT7jwY3pexPGcnUFtR2Fh36BponcwtkZ4cAgtvd4Qs8PkxUdp6p/DlUmObdk=",
     "www.example.net. 3600 IN A 192.0.2.91",
     "www.example.net. 3600 IN RRSIG A 8 3 3600 20300101000000 20000101000000 9033 example.net. kRCOH6u7l0QGy9qpC9l1sLncJcOKFLJ7GhiUOibu4teYp5VE9RncriShZNz85mwlMgNEacFYK/lPtPiVYP4bwg==",
     1500000000, 9033},
    {"example.net. 3600 IN DNSKEY 256 3 10 AwEAAdHoNTOW+et86KuJOWRDp1pndvwb6Y83nSVXXyLA3DLroROUkN6X0O6pnWnjJQujX/AyhqFDxj13tOnD9u/1kTg7cV6rklMrZDtJCQ5PCl/D7QNPsgVsMu1J2Q8gpMpztNFLpPBz1bWXjDtaR7ZQBlZ3PFY12ZTSncorffcGmhOL",
     "www.example.net. 3600 IN A 192.0.2.91",
     "www.example.net. 3600 IN RRSIG A 10 3 3600 20300101000000 20000101000000 3740 example.net. tsb4wnjRUDnB1BUi+t6TMTXThjVnG+eCkWqjvvjhzQL1d0YRoOe0CbxrVDYd0xDtsuJRaeUw1ep94PzEWzr0iGYgZBWm/zpq+9fOuagYJRfDqfReKBzMweOLDiNa8iP5g9vMhpuv6OPlvpXwm9Sa9ZXIbNl1MBGk0fthPgxdDLw=",
     1500000000, 3740},
    {"example.net. 3600 IN DNSKEY 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==",
     "www.example.net. 3600 IN A 192.0.2.1",
     "www.example.net. 3600 IN RRSIG A 13 3 3600 20100909100439 20100812100439 55648 example.net. qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw==",
     1282000000, 55648},
    {"example.net. 3600 IN DNSKEY 257 3 14 xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40",
     "www.example.net. 3600 IN A 192.0.2.1",
     "www.example.net. 3600 IN RRSIG A 14 3 3600 20100909102025 20100812102025 10771 example.net. /L5hDKIvGDyI1fcARX3z65qrmPsVz73QD1Mr5CEqOiLP95hxQouuroGCeZOvzFaxsT8Glr74hbavRKayJNuydCuzWTSSPdz7wnqXL5bdcJzusdnI0RSMROxxwGipWcJm",
     1282000000, 10771},
    {"example.com. 3600 IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=",
     "example.com. 3600 IN MX 10 mail.example.com.",
     "example.com. 3600 IN RRSIG MX 15 2 3600 1440021600 1438207200 3613 example.com. oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg==",
     1439000000, 3613},
    {"example.com. 3600 IN DNSKEY 257 3 15 zPnZ/QwEe7S8C5SPz2OfS5RR40ATk2/rYnE9xHIEijs=",
     "example.com. 3600 IN MX 10 mail.example.com.",
     "example.com. 3600 IN RRSIG MX 15 2 3600 1440021600 1438207200 35217 example.com. zXQ0bkYgQTEFyfLyi9QoiY6D8ZdYo4wyUhVioYZXFdT410QPRITQSqJSnzQoSm5poJ7gD7AQR0O7KuI5k2pcBg==",
     1439000000, 35217},
    {"example.com. 3600 IN DNSKEY 257 3 16 3kgROaDjrh0H2iuixWBrc8g2EpBBLCdGzHmn+G2MpTPhpj/OiBVHHSfPodx1FYYUcJKm1MDpJtIA",
     "example.com. 3600 IN MX 10 mail.example.com.",
     "example.com. 3600 IN RRSIG MX 16 2 3600 1440021600 1438207200 9713 example.com. 3cPAHkmlnxcDHMyg7vFC34l0blBhuG1qpwLmjInI8w1CMB29FkEAIJUA0amxWndkmnBZ6SKiwZSAxGILn/NBtOXft0+Gj7FSvOKxE/07+4RQvE581N3Aj/JtIyaiYVdnYtyMWbSNyGEY2213WKsJlwEA",
     1439000000, 9713},
    {"example.com. 3600 IN DNSKEY 257 3 16 kkreGWoccSDmUBGAe7+zsbG6ZAFQp+syPmYUurBRQc3tDjeMCJcVMRDmgcNLp5HlHAMy12VoISsA",
     "example.com. 3600 IN MX 10 mail.example.com.",
     "example.com. 3600 IN RRSIG MX 16 2 3600 1440021600 1438207200 38353 example.com. E1/oLjSGIbmLny/4fcgM1z4oL6aqo+izT3urCyHyvEp4Sp8Syg1eI+lJ57CSnZqjJP41O/9l4m0AsQ4f7qI1gVnML8vWWiyW2KXhT9kuAICUSxv5OWbf81Rq7Yu60npabODB0QFPb/rkW3kUZmQ0YQUA",
     1439000000, 38353},
};

/// The record with one octet of its RRSIG signature flipped.
dns::Record corrupt(dns::Record sig, std::size_t from_end = 1) {
  sig.rdata[sig.rdata.size() - from_end] ^= 0x01;
  return sig;
}

constexpr std::uint32_t t0 = 1800000000;  // the ldns-signed tests' "now"

}  // namespace

TEST_CASE("verify_rrset accepts the RFC examples of algorithms 8, 10, 13, 14, 15, 16", "[dnssec]") {
  KeyCache cache(16);
  for (const Vector& v : rfc_vectors) {
    INFO(v.rrsig);
    const dns::Record key = rr(v.dnskey), data = rr(v.rrset), sig = rr(v.rrsig);
    ValidationBudget budget = fresh_budget();
    const RrsetVerdict ok = verify_rrset(std::vector{data}, std::vector{sig}, std::vector{key},
                                         key.owner, v.now, budget, cache);
    CHECK(ok.verdict.security == Security::secure);
    CHECK(ok.key_tag == v.tag);
    CHECK(ok.algorithm == parse_rrsig(sig.rdata)->algorithm);
    CHECK(budget.signature_verifications == resolver::limits::max_signature_verifications - 1);
    // One octet of the signature, or of the signed data, changed: bogus, EDE 6.
    for (const RrsetVerdict& bad :
         {verify_rrset(std::vector{data}, std::vector{corrupt(sig)}, std::vector{key}, key.owner, v.now, budget, cache),
          verify_rrset(std::vector{corrupt(data)}, std::vector{sig}, std::vector{key}, key.owner, v.now, budget, cache)}) {
      CHECK(bad.verdict.security == Security::bogus);
      CHECK(bad.verdict.ede == ede::dnssec_bogus);
    }
  }
}

TEST_CASE("verify_rrset agrees with signatures ldns makes, for every algorithm", "[dnssec]") {
  KeyCache cache(16);
  const std::vector<dns::Record> rrset = rrs({"www.Example.lab. 300 IN A 192.0.2.7",
                                              "www.Example.lab. 300 IN A 192.0.2.1",
                                              "www.Example.lab. 300 IN A 192.0.2.100"});
  const struct { ldns_signing_algorithm alg; std::uint16_t bits; } algs[] = {
      {LDNS_SIGN_RSASHA1, 1024}, {LDNS_SIGN_RSASHA1_NSEC3, 1024}, {LDNS_SIGN_RSASHA256, 1024},
      {LDNS_SIGN_RSASHA512, 1024}, {LDNS_SIGN_ECDSAP256SHA256, 256}, {LDNS_SIGN_ECDSAP384SHA384, 384},
      {LDNS_SIGN_ED25519, 256}, {LDNS_SIGN_ED448, 456}};
  for (const auto& a : algs) {
    INFO("algorithm " << int(a.alg));
    const test::OracleKey key(a.alg, a.bits, "example.lab.");
    const dns::Record sig = key.sign(rrset, t0 - 3600, t0 + 86400);
    ValidationBudget budget = fresh_budget();
    const std::vector<dns::Record> keys{key.dnskey()};
    const RrsetVerdict v = verify_rrset(rrset, std::vector{sig}, keys, name("example.lab."), t0, budget, cache);
    if (!cache.supports(static_cast<std::uint8_t>(a.alg))) {
      // Only RSA/SHA-1 may be refused by an OpenSSL policy: then insecure, never bogus.
      CHECK((a.alg == LDNS_SIGN_RSASHA1 || a.alg == LDNS_SIGN_RSASHA1_NSEC3));
      CHECK(v.verdict.security == Security::insecure);
      CHECK(v.verdict.ede == ede::unsupported_dnskey_algorithm);
      continue;
    }
    CHECK(v.verdict.security == Security::secure);
    CHECK(v.key_tag == key.tag());
    const RrsetVerdict bad = verify_rrset(rrset, std::vector{corrupt(sig, 5)}, keys, name("example.lab."), t0, budget, cache);
    CHECK(bad.verdict.security == Security::bogus);
    CHECK(bad.verdict.ede == ede::dnssec_bogus);
    CHECK(bad.verdict.why.find("does not verify") != std::string::npos);
  }
}

TEST_CASE("the validity window uses serial arithmetic around the 2^32 wrap", "[dnssec]") {
  KeyCache cache(4);
  const test::OracleKey key(LDNS_SIGN_ECDSAP256SHA256, 256, "lab.");
  const std::vector<dns::Record> rrset = rrs({"a.lab. 300 IN A 192.0.2.1"});
  const std::vector<dns::Record> keys{key.dnskey()};
  // Signed from 256 seconds before the wrap of 2106 until 256 seconds after it.
  const dns::Record sig = key.sign(rrset, 0xFFFFFF00u, 0x00000100u);
  const auto at = [&](std::uint64_t now) {
    ValidationBudget budget = fresh_budget();
    return verify_rrset(rrset, std::vector{sig}, keys, name("lab."), now, budget, cache);
  };
  CHECK(at(0xFFFFFFF0u).verdict.security == Security::secure);         // before the wrap
  CHECK(at(0x100000010ull).verdict.security == Security::secure);      // after it (64-bit now)
  CHECK(at(0x100000010ull).ttl == 0x100 - 0x10);                       // capped at expiration
  CHECK(at(0xFFFFFE00u).verdict.ede == ede::signature_not_yet_valid);
  CHECK(at(0x100000200ull).verdict.ede == ede::signature_expired);
  CHECK(at(0x100000200ull).verdict.security == Security::bogus);
}

TEST_CASE("one good RRSIG among failing ones makes the RRset secure (RFC 4035 section 5.3.3)", "[dnssec]") {
  KeyCache cache(4);
  const test::OracleKey old_key(LDNS_SIGN_ECDSAP256SHA256, 256, "lab."), new_key(LDNS_SIGN_ED25519, 256, "lab.");
  const std::vector<dns::Record> rrset = rrs({"a.lab. 300 IN A 192.0.2.1"});
  const std::vector<dns::Record> sigs{old_key.sign(rrset, t0 - 100, t0 - 10),       // expired
                                      corrupt(old_key.sign(rrset, t0 - 1, t0 + 9)),  // broken
                                      new_key.sign(rrset, t0 - 1, t0 + 9)};
  const std::vector<dns::Record> keys{old_key.dnskey(), new_key.dnskey()};
  ValidationBudget budget = fresh_budget();
  const RrsetVerdict v = verify_rrset(rrset, sigs, keys, name("lab."), t0, budget, cache);
  CHECK(v.verdict.security == Security::secure);
  CHECK(v.key_tag == new_key.tag());
  CHECK(v.algorithm == algorithm::ed25519);
  // Without the good one, the most telling failure is reported: the broken signature.
  const RrsetVerdict bad = verify_rrset(rrset, std::vector{sigs[0], sigs[1]}, keys, name("lab."), t0, budget, cache);
  CHECK(bad.verdict.ede == ede::dnssec_bogus);
  CHECK(bad.verdict.why.find("does not verify") != std::string::npos);
}

TEST_CASE("a secure RRset's TTL is capped by the original TTL and the expiration", "[dnssec]") {
  KeyCache cache(4);
  const test::OracleKey key(LDNS_SIGN_ED25519, 256, "lab.");
  const std::vector<dns::Record> rrset = rrs({"a.lab. 3600 IN A 192.0.2.1"});
  const dns::Record sig = key.sign(rrset, t0 - 10, t0 + 100);
  ValidationBudget budget = fresh_budget();
  CHECK(verify_rrset(rrset, std::vector{sig}, std::vector{key.dnskey()}, name("lab."), t0, budget, cache).ttl == 100);
  // A TTL raised in transit does not survive: the original TTL (3600) is the bound.
  const dns::Record long_sig = key.sign(rrset, t0 - 10, t0 + 86400);
  std::vector<dns::Record> raised = rrset;
  raised[0].ttl = 86400;
  const RrsetVerdict v = verify_rrset(raised, std::vector{long_sig}, std::vector{key.dnskey()}, name("lab."), t0, budget, cache);
  CHECK(v.verdict.security == Security::secure);
  CHECK(v.ttl == 3600);
}

TEST_CASE("a wildcard expansion verifies with the wildcard's signature", "[dnssec]") {
  KeyCache cache(4);
  const test::OracleKey key(LDNS_SIGN_ECDSAP256SHA256, 256, "lab.");
  const dns::Record sig = key.sign(rrs({"*.w.lab. 300 IN TXT \"wild\""}), t0 - 10, t0 + 1000);
  const auto expanded = [&](const char* owner) {
    dns::Record data = rr("x. 300 IN TXT \"wild\"");
    data.owner = name(owner);
    dns::Record s = sig;
    s.owner = data.owner;
    ValidationBudget budget = fresh_budget();
    return verify_rrset(std::vector{data}, std::vector{s}, std::vector{key.dnskey()}, name("lab."), t0, budget, cache);
  };
  CHECK(expanded("a.w.lab.").verdict.security == Security::secure);
  CHECK(expanded("a.b.w.lab.").verdict.security == Security::secure);
  // The same signature under another parent reconstructs *.x.lab.: does not verify.
  CHECK(expanded("a.x.lab.").verdict.security == Security::bogus);
}

TEST_CASE("verify_rrset names what is missing: RRSIG, DNSKEY, Zone Key bit, signer", "[dnssec]") {
  KeyCache cache(8);
  const test::OracleKey key(LDNS_SIGN_ECDSAP256SHA256, 256, "lab.");
  const test::OracleKey other(LDNS_SIGN_ECDSAP256SHA256, 256, "lab.");
  const test::OracleKey child(LDNS_SIGN_ECDSAP256SHA256, 256, "sub.lab.");
  const std::vector<dns::Record> rrset = rrs({"a.lab. 300 IN A 192.0.2.1"});
  const auto run = [&](const dns::Record& sig, const dns::Record& dnskey, const char* zone = "lab.") {
    ValidationBudget budget = fresh_budget();
    return verify_rrset(rrset, std::vector{sig}, std::vector{dnskey}, name(zone), t0, budget, cache).verdict;
  };
  ValidationBudget budget = fresh_budget();
  const Verdict none = verify_rrset(rrset, {}, std::vector{key.dnskey()}, name("lab."), t0, budget, cache).verdict;
  CHECK(none.ede == ede::rrsigs_missing);
  CHECK(none.security == Security::bogus);
  CHECK(run(key.sign(rrset, t0 - 1, t0 + 9), other.dnskey()).ede == ede::dnskey_missing);
  // The key without its Zone Key bit (ldns will not sign with such a key: the RRSIG's key
  // tag is pointed at it instead; the bit is checked before any signature).
  dns::Record no_zone_bit = key.dnskey();
  no_zone_bit.rdata[0] = 0;
  no_zone_bit.rdata[1] = 0;
  dns::Record sig_by_it = key.sign(rrset, t0 - 1, t0 + 9);
  sig_by_it.rdata[16] = static_cast<char>(key_tag(no_zone_bit.rdata) >> 8);
  sig_by_it.rdata[17] = static_cast<char>(key_tag(no_zone_bit.rdata) & 0xFF);
  CHECK(run(sig_by_it, no_zone_bit).ede == ede::no_zone_key_bit);
  // Signed by a key of the child zone: the signer is not an ancestor of a.lab.
  const Verdict wrong_signer = run(child.sign(rrset, t0 - 1, t0 + 9), child.dnskey(), "sub.lab.");
  CHECK(wrong_signer.security == Security::bogus);
  CHECK(run(child.sign(rrset, t0 - 1, t0 + 9), child.dnskey(), "lab.").security == Security::bogus);
  // Records of two RRsets are refused before any signature is looked at.
  std::vector<dns::Record> mixed = rrset;
  mixed.push_back(rr("a.lab. 300 IN AAAA ::1"));
  const dns::Record good = key.sign(rrset, t0 - 1, t0 + 9);
  const Verdict two = verify_rrset(mixed, std::vector{good}, std::vector{key.dnskey()}, name("lab."), t0, budget, cache).verdict;
  CHECK(two.security == Security::bogus);
  CHECK(two.why == "records of more than one RRset");
  CHECK(run(good, key.dnskey()).security == Security::secure);
  // An RRSIG for another type does not count as one for this RRset.
  const dns::Record aaaa_sig = key.sign(rrs({"a.lab. 300 IN AAAA ::1"}), t0 - 1, t0 + 9);
  CHECK(run(aaaa_sig, key.dnskey()).ede == ede::rrsigs_missing);
}

TEST_CASE("a revoked key signs only its DNSKEY RRset (RFC 5011 section 2.1)", "[dnssec]") {
  KeyCache cache(4);
  const test::OracleKey revoked(LDNS_SIGN_ECDSAP256SHA256, 256, "lab.", 257 | dnskey_revoke_flag);
  const std::vector<dns::Record> a = rrs({"a.lab. 300 IN A 192.0.2.1"});
  const std::vector<dns::Record> keys{revoked.dnskey()};
  ValidationBudget budget = fresh_budget();
  const Verdict for_a = verify_rrset(a, std::vector{revoked.sign(a, t0 - 1, t0 + 9)}, keys,
                                     name("lab."), t0, budget, cache).verdict;
  CHECK(for_a.security == Security::bogus);
  CHECK(for_a.ede == ede::dnskey_missing);
  CHECK(verify_rrset(keys, std::vector{revoked.sign(keys, t0 - 1, t0 + 9)}, keys, name("lab."), t0,
                     budget, cache).verdict.security == Security::secure);
}

TEST_CASE("the key cache builds each DNSKEY once and stays within its capacity", "[dnssec]") {
  const AlgorithmSupport probed_once;  // shared by the workers' caches in ternd
  KeyCache cache(2, probed_once);
  const test::OracleKey a(LDNS_SIGN_ED25519, 256, "lab."), b(LDNS_SIGN_ED25519, 256, "lab."),
      c(LDNS_SIGN_ED25519, 256, "lab.");
  const std::vector<dns::Record> rrset = rrs({"a.lab. 300 IN A 192.0.2.1"});
  const auto verify_with = [&](const test::OracleKey& k) {
    ValidationBudget budget = fresh_budget();
    return verify_rrset(rrset, std::vector{k.sign(rrset, t0 - 1, t0 + 9)}, std::vector{k.dnskey()},
                        name("lab."), t0, budget, cache).verdict.security;
  };
  CHECK(verify_with(a) == Security::secure);
  CHECK(verify_with(a) == Security::secure);
  CHECK(cache.keys_built() == 1);
  CHECK(verify_with(b) == Security::secure);
  CHECK(verify_with(c) == Security::secure);
  CHECK(cache.size() == 2);
  CHECK(verify_with(a) == Security::secure);  // evicted first, built again
  CHECK(cache.keys_built() == 4);
}

TEST_CASE("an OpenSSL that refuses every algorithm makes zones insecure, not bogus", "[dnssec]") {
  // A library context with only the null provider: every fetch fails, as SHA-1 signatures do
  // under a policy that forbids them.
  OSSL_LIB_CTX* libctx = OSSL_LIB_CTX_new();
  REQUIRE(libctx != nullptr);
  OSSL_PROVIDER* null_provider = OSSL_PROVIDER_load(libctx, "null");
  REQUIRE(null_provider != nullptr);
  {
    KeyCache cache(4, libctx);
    for (const Vector& v : rfc_vectors) CHECK_FALSE(cache.supports(parse_rrsig(rr(v.rrsig).rdata)->algorithm));
    const Vector& v = rfc_vectors[2];
    ValidationBudget budget = fresh_budget();
    const RrsetVerdict verdict = verify_rrset(std::vector{rr(v.rrset)}, std::vector{rr(v.rrsig)},
                                              std::vector{rr(v.dnskey)}, name("example.net."), v.now, budget, cache);
    CHECK(verdict.verdict.security == Security::insecure);
    CHECK(verdict.verdict.ede == ede::unsupported_dnskey_algorithm);
  }
  OSSL_PROVIDER_unload(null_provider);
  OSSL_LIB_CTX_free(libctx);
  // The default context verifies what Debian's OpenSSL 3 allows: all the SHA-2 and EdDSA ones.
  const AlgorithmSupport support;
  for (std::uint8_t alg : {8, 10, 13, 14, 15, 16}) CHECK(support.supports(alg));
  CHECK_FALSE(support.supports(1));  // RSA/MD5: never (RFC 8624 section 3.1)
  CHECK_FALSE(support.supports(3));  // DSA: not implemented
}

TEST_CASE("malformed keys and signatures are refused without a crash", "[dnssec]") {
  Dnskey key;
  key.algorithm = algorithm::rsasha256;
  key.public_key = std::string("\x00", 1);
  CHECK_FALSE(make_public_key(key));
  key.public_key = std::string("\x01\x03", 2) + std::string(32, '\x01');  // 256-bit modulus
  CHECK_FALSE(make_public_key(key));
  key.public_key = std::string("\x01\x03", 2) + std::string(4096 / 8 + 1, '\x01');  // 4104 bits
  CHECK_FALSE(make_public_key(key));
  key.algorithm = algorithm::rsasha512;  // RFC 5702 section 2: 1024 bits at least
  key.public_key = std::string("\x01\x03", 2) + std::string(96, '\x81');
  CHECK_FALSE(make_public_key(key));
  key.algorithm = algorithm::rsasha256;  // the same 768-bit modulus is fine for RSA/SHA-256
  CHECK(make_public_key(key));
  key.algorithm = algorithm::ecdsap256sha256;
  key.public_key = std::string(64, '\x01');  // not a point on P-256
  CHECK_FALSE(make_public_key(key));
  key.algorithm = algorithm::ed25519;
  key.public_key = std::string(31, '\x01');
  CHECK_FALSE(make_public_key(key));
  // A valid P-256 key with a signature of the wrong length.
  const dns::Record dnskey = rr(rfc_vectors[2].dnskey);
  const auto parsed = parse_dnskey(dnskey.rdata);
  EvpPkey pkey = make_public_key(*parsed);
  REQUIRE(pkey);
  CHECK(check_signature(pkey.get(), 13, "data", std::string(63, 'x')) == SignatureCheck::invalid);
  CHECK(check_signature(pkey.get(), 13, "data", std::string(64, 'x')) == SignatureCheck::invalid);
}
