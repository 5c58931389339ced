// NSEC3 denial proofs against RFC 5155 appendix B (responses of the appendix A zone), each
// rule with a counter-example that must fail, the RFC 9276 iteration limit and the limits
// against the NSEC3 hashing attack (CVE-2023-50868).
#include "dnssec_zones.hpp"

#include "resolver/dns/types.hpp"
#include "resolver/dnssec/denial.hpp"
#include "resolver/dnssec/nsec3_hash.hpp"
#include "resolver/limits.hpp"

#include <string>
#include <vector>

using namespace tern;
using namespace tern::resolver::dnssec;
using tern::test::name;
using tern::test::rr;
using tern::test::dnssec_zones::pick;
using tern::test::dnssec_zones::rfc5155_nsec3_chain;

namespace {

ValidationBudget plenty() {
  return ValidationBudget{100, resolver::limits::max_nsec3_hash_computations, 8};
}

DenialQuestion ask(const char* qname, std::uint16_t qtype) {
  return DenialQuestion{name(qname), qtype, name("example")};
}

/// The chain's record whose hash span covers (or matches) `n`, found with the hashes alone.
const dns::Record& record_for(const std::vector<dns::Record>& chain, const char* n) {
  const std::string hash = *nsec3_sha1(name(n), "\xaa\xbb\xcc\xdd", 12);
  for (const dns::Record& r : chain) {
    const std::string owner = *base32hex_decode(r.owner.first_label());
    const std::string next = r.rdata.substr(5 + 4 + 1, 20);
    const bool wraps = next <= owner;
    if (hash == owner || (owner < hash && (hash < next || wraps)) || (wraps && hash < next))
      return r;
  }
  FAIL("no record for " << n);
  return chain.front();
}

std::vector<dns::Record> with_flags(std::vector<dns::Record> records, std::uint8_t flags) {
  for (auto& r : records) r.rdata[1] = static_cast<char>(flags);
  return records;
}

}  // namespace

TEST_CASE("RFC 5155 B.1: name error, closest encloser proof and wildcard", "[dnssec]") {
  const auto chain = rfc5155_nsec3_chain();
  // 0p9mh covers c.x.w.example (next closer), b4um8 matches x.w.example (closest encloser),
  // 35mth covers *.x.w.example.
  const auto records = pick(chain, {"0p9mh", "b4um8", "35mth"});
  auto budget = plenty();
  // Every record of the chain has opt-out: the next closer may be an unsigned delegation.
  auto r = prove_nxdomain(ask("a.c.x.w.example", dns::rrtype::A), records, budget);
  CHECK(r.proven == Proven::nxdomain);
  CHECK(r.verdict.security == Security::insecure);
  CHECK(r.closest_encloser == name("x.w.example"));
  CHECK(r.proof == std::vector<std::size_t>{1, 0, 2});
  // The same spans without opt-out prove it securely.
  r = prove_nxdomain(ask("a.c.x.w.example", dns::rrtype::A), with_flags(records, 0), budget);
  CHECK(r.verdict.security == Security::secure);
  CHECK(r.proven == Proven::nxdomain);
  // Four names hashed once each (a.c.x.w, c.x.w, x.w, *.x.w), 13 SHA-1s apiece.
  auto fresh = plenty();
  prove_nxdomain(ask("a.c.x.w.example", dns::rrtype::A), records, fresh);
  CHECK(plenty().nsec3_hashes - fresh.nsec3_hashes == 4 * nsec3_hash_cost(12));

  SECTION("without any one of the three records it is bogus, NSEC missing") {
    for (const auto& subset : {pick(chain, {"b4um8", "35mth"}), pick(chain, {"0p9mh", "35mth"}),
                               pick(chain, {"0p9mh", "b4um8"})}) {
      auto b = plenty();
      auto bad = prove_nxdomain(ask("a.c.x.w.example", dns::rrtype::A), with_flags(subset, 0), b);
      CHECK(bad.verdict.security == Security::bogus);
      CHECK(bad.verdict.ede == ede::nsec_missing);
      CHECK(bad.proven == Proven::nothing);
    }
  }
  SECTION("a name that an NSEC3 matches is no name error") {
    auto bad = prove_nxdomain(ask("x.w.example", dns::rrtype::A), records, budget);
    CHECK(bad.verdict.security == Security::bogus);
  }
  SECTION("a wildcard that exists is no name error") {
    // r53bq matches *.w.example; k8ude matches w.example; q04jk covers z.w.example.
    auto bad = prove_nxdomain(ask("z.w.example", dns::rrtype::A),
                              pick(chain, {"k8ude", "q04jk", "r53bq"}), budget);
    CHECK(bad.verdict.security == Security::bogus);
  }
}

TEST_CASE("RFC 5155 B.2 and B.2.1: NODATA, also at an empty non-terminal", "[dnssec]") {
  const auto chain = rfc5155_nsec3_chain();
  auto budget = plenty();
  auto r = prove_nodata(ask("ns1.example", dns::rrtype::MX), pick(chain, {"2t7b4"}), budget);
  CHECK(r.verdict.security == Security::secure);
  CHECK(r.proven == Proven::nodata);
  r = prove_nodata(ask("y.w.example", dns::rrtype::A), pick(chain, {"ji6ne"}), budget);
  CHECK(r.verdict.security == Security::secure);
  CHECK(r.proven == Proven::nodata);

  SECTION("counter-examples: the type or a CNAME is in the bitmap, or no record matches") {
    auto bad = prove_nodata(ask("ns1.example", dns::rrtype::A), pick(chain, {"2t7b4"}), budget);
    CHECK(bad.verdict.security == Security::bogus);
    auto cname = pick(chain, {"2t7b4"});
    cname[0] =
        rr("2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. 3600 IN NSEC3 1 1 12 aabbccdd "
           "2vptu5timamqttgl4luu9kg21e0aor3s CNAME RRSIG");
    bad = prove_nodata(ask("ns1.example", dns::rrtype::MX), cname, budget);
    CHECK(bad.verdict.security == Security::bogus);
    CHECK(bad.verdict.why.find("CNAME") != std::string::npos);
    bad = prove_nodata(ask("ns1.example", dns::rrtype::MX), pick(chain, {"ji6ne"}), budget);
    CHECK(bad.verdict.security == Security::bogus);
    CHECK(bad.verdict.ede == ede::nsec_missing);
  }
  SECTION("a delegation's NSEC3 (NS, no SOA) denies DS only") {
    // 35mth matches a.example: NS DS RRSIG; without DS for the test of the DS case.
    auto deleg = pick(chain, {"35mth"});
    auto no_a = prove_nodata(ask("a.example", dns::rrtype::A), deleg, budget);
    CHECK(no_a.verdict.security == Security::bogus);
    deleg[0] =
        rr("35mthgpgcu1qg68fab165klnsnk3dpvl.example. 3600 IN NSEC3 1 1 12 aabbccdd "
           "b4um86eghhds6nea196smvmlo4ors995 NS RRSIG");
    auto no_ds = prove_nodata(ask("a.example", dns::rrtype::DS), deleg, budget);
    CHECK(no_ds.verdict.security == Security::secure);
    CHECK(no_ds.proven == Proven::nodata);
  }
}

TEST_CASE("RFC 5155 B.3 and section 8.6: opt-out referral and DS NODATA are insecure", "[dnssec]") {
  const auto chain = rfc5155_nsec3_chain();
  // 0p9mh matches example (closest encloser), 35mth covers c.example (next closer), opt-out.
  const auto records = pick(chain, {"0p9mh", "35mth"});
  auto budget = plenty();
  auto r = prove_insecure_delegation(ask("c.example", dns::rrtype::DS), records, budget);
  CHECK(r.verdict.security == Security::insecure);
  CHECK(r.proven == Proven::opt_out);
  CHECK(r.closest_encloser == name("example"));
  r = prove_nodata(ask("c.example", dns::rrtype::DS), records, budget);
  CHECK(r.verdict.security == Security::insecure);
  CHECK(r.proven == Proven::opt_out);

  SECTION("without opt-out the same spans prove nothing of the sort") {
    auto bad = prove_insecure_delegation(ask("c.example", dns::rrtype::DS), with_flags(records, 0),
                                         budget);
    CHECK(bad.verdict.security == Security::bogus);
    bad = prove_nodata(ask("c.example", dns::rrtype::DS), with_flags(records, 0), budget);
    CHECK(bad.verdict.security == Security::bogus);
  }
  SECTION("a matching NSEC3 with NS and without DS and SOA: no DS") {
    auto unsigned_a = std::vector<dns::Record>{
        rr("35mthgpgcu1qg68fab165klnsnk3dpvl.example. 3600 IN NSEC3 1 0 12 aabbccdd "
           "b4um86eghhds6nea196smvmlo4ors995 NS RRSIG")};
    auto ok = prove_insecure_delegation(ask("a.example", dns::rrtype::DS), unsigned_a, budget);
    CHECK(ok.verdict.security == Security::insecure);
    CHECK(ok.proven == Proven::no_ds);
    // The real a.example has a DS: its NSEC3 says so, and no insecurity follows.
    auto bad = prove_insecure_delegation(ask("a.example", dns::rrtype::DS), pick(chain, {"35mth"}),
                                         budget);
    CHECK(bad.verdict.security == Security::bogus);
  }
}

TEST_CASE("RFC 5155 B.4: wildcard expansion, the next closer name covered", "[dnssec]") {
  const auto chain = rfc5155_nsec3_chain();
  auto budget = plenty();
  // a.z.w.example MX from *.w.example (RRSIG labels 2); q04jk covers z.w.example.
  auto r = prove_wildcard_answer(ask("a.z.w.example", dns::rrtype::MX), 2,
                                 with_flags(pick(chain, {"q04jk"}), 0), budget);
  CHECK(r.verdict.security == Security::secure);
  CHECK(r.proven == Proven::wildcard_answer);
  CHECK(r.closest_encloser == name("w.example"));

  SECTION("counter-examples: no covering record, labels that name no wildcard") {
    auto bad = prove_wildcard_answer(ask("a.z.w.example", dns::rrtype::MX), 2,
                                     pick(chain, {"k8ude"}), budget);
    CHECK(bad.verdict.security == Security::bogus);
    CHECK(bad.verdict.ede == ede::nsec_missing);
    bad = prove_wildcard_answer(ask("a.z.w.example", dns::rrtype::MX), 4, pick(chain, {"q04jk"}),
                                budget);
    CHECK(bad.verdict.security == Security::bogus);
    bad = prove_wildcard_answer(ask("a.z.w.example", dns::rrtype::MX), 0, pick(chain, {"q04jk"}),
                                budget);
    CHECK(bad.verdict.security == Security::bogus);
  }
}

TEST_CASE("RFC 5155 B.5: wildcard NODATA", "[dnssec]") {
  const auto chain = rfc5155_nsec3_chain();
  auto budget = plenty();
  // k8ude matches w.example, q04jk covers z.w.example, r53bq matches *.w.example (MX only).
  const auto records = with_flags(pick(chain, {"k8ude", "q04jk", "r53bq"}), 0);
  auto r = prove_nodata(ask("a.z.w.example", dns::rrtype::AAAA), records, budget);
  CHECK(r.verdict.security == Security::secure);
  CHECK(r.proven == Proven::wildcard_nodata);
  CHECK(r.closest_encloser == name("w.example"));
  CHECK(r.proof.size() == 3);

  auto bad = prove_nodata(ask("a.z.w.example", dns::rrtype::MX), records, budget);
  CHECK(bad.verdict.security == Security::bogus);
  bad = prove_nodata(ask("a.z.w.example", dns::rrtype::AAAA), pick(chain, {"k8ude", "q04jk"}),
                     budget);
  CHECK(bad.verdict.security == Security::bogus);
}

TEST_CASE("RFC 5155 B.6: the child's apex NSEC3 cannot deny the DS", "[dnssec]") {
  // The example zone answers its own DS query with its apex NSEC3 (SOA set); the DS lives in
  // the parent, so this proves nothing (RFC 4035 section 5.4 / 6840 section 4.4).
  auto budget = plenty();
  auto r =
      prove_nodata(ask("example", dns::rrtype::DS), pick(rfc5155_nsec3_chain(), {"0p9mh"}), budget);
  CHECK(r.verdict.security == Security::bogus);
  CHECK(r.verdict.why.find("apex") != std::string::npos);
  // The same record denies another type at the apex.
  r = prove_nodata(ask("example", dns::rrtype::A), pick(rfc5155_nsec3_chain(), {"0p9mh"}), budget);
  CHECK(r.verdict.security == Security::secure);
}

TEST_CASE("RFC 6840 section 4.1: an encloser at a delegation denies nothing below it", "[dnssec]") {
  const auto chain = with_flags(rfc5155_nsec3_chain(), 0);
  auto budget = plenty();
  // a.example is a delegation (35mth: NS DS). x.a.example lives in the child zone.
  const std::vector<dns::Record> records = {record_for(chain, "a.example"),
                                            record_for(chain, "x.a.example"),
                                            record_for(chain, "*.a.example")};
  auto r = prove_nxdomain(ask("x.a.example", dns::rrtype::A), records, budget);
  CHECK(r.verdict.security == Security::bogus);
  CHECK(r.verdict.why.find("delegation") != std::string::npos);
  // The same shape one level up, where the encloser is the apex, proves the name error.
  const std::vector<dns::Record> apex = {record_for(chain, "example"),
                                         record_for(chain, "zz.example"),
                                         record_for(chain, "*.example")};
  r = prove_nxdomain(ask("zz.example", dns::rrtype::A), apex, budget);
  CHECK(r.verdict.security == Security::secure);
  CHECK(r.proven == Proven::nxdomain);
}

TEST_CASE("RFC 9276: more than 150 iterations is insecure, EDE 27, nothing hashed", "[dnssec]") {
  auto records = pick(rfc5155_nsec3_chain(), {"0p9mh", "b4um8", "35mth"});
  for (auto& r : records) {
    r.rdata[2] = 0;
    r.rdata[3] = static_cast<char>(resolver::limits::max_nsec3_iterations + 1);
  }
  auto budget = plenty();
  auto r = prove_nxdomain(ask("a.c.x.w.example", dns::rrtype::A), records, budget);
  CHECK(r.verdict.security == Security::insecure);
  CHECK(r.verdict.ede == ede::unsupported_nsec3_iterations);
  CHECK(budget.nsec3_hashes == plenty().nsec3_hashes);
  // At the limit itself the records are hashed (and, with the wrong iterations, prove nothing).
  for (auto& rec : records)
    rec.rdata[3] = static_cast<char>(resolver::limits::max_nsec3_iterations);
  r = prove_nxdomain(ask("a.c.x.w.example", dns::rrtype::A), records, budget);
  CHECK(r.verdict.security == Security::bogus);
  CHECK(budget.nsec3_hashes < plenty().nsec3_hashes);
}

TEST_CASE("NSEC3 records of unknown algorithm or flags are ignored", "[dnssec]") {
  auto records = pick(rfc5155_nsec3_chain(), {"2t7b4"});
  auto budget = plenty();
  REQUIRE(prove_nodata(ask("ns1.example", dns::rrtype::MX), records, budget).verdict.security ==
          Security::secure);
  auto unknown_algorithm = records;
  unknown_algorithm[0].rdata[0] = 2;
  auto r = prove_nodata(ask("ns1.example", dns::rrtype::MX), unknown_algorithm, budget);
  CHECK(r.verdict.security == Security::bogus);
  CHECK(r.verdict.ede == ede::nsec_missing);
  r = prove_nodata(ask("ns1.example", dns::rrtype::MX), with_flags(records, 2), budget);
  CHECK(r.verdict.security == Security::bogus);
  // An NSEC3 owned outside the signer's zone says nothing about it.
  r = prove_nodata(DenialQuestion{name("ns1.example"), dns::rrtype::MX, name("ns1.example")},
                   records, budget);
  CHECK(r.verdict.security == Security::bogus);
}

TEST_CASE("CVE-2023-50868 limits: NSEC3 records per proof and hashes per query", "[dnssec]") {
  const auto chain = rfc5155_nsec3_chain();
  auto budget = plenty();
  std::vector<dns::Record> many(chain.begin(),
                                chain.begin() + resolver::limits::max_nsec3_records_per_proof + 1);
  auto r = prove_nxdomain(ask("a.c.x.w.example", dns::rrtype::A), many, budget);
  CHECK(r.verdict.security == Security::bogus);
  CHECK(r.verdict.ede == ede::dnssec_bogus);
  CHECK(r.verdict.why.find("NSEC3 hashing attack") != std::string::npos);
  CHECK(budget.nsec3_hashes == plenty().nsec3_hashes);
  many.pop_back();
  r = prove_nxdomain(ask("a.c.x.w.example", dns::rrtype::A), many, budget);
  CHECK(r.verdict.why.find("NSEC3 hashing attack") == std::string::npos);

  // Three of the four hashes B.1 needs: the proof stops, bogus EDE 6, naming the budget.
  ValidationBudget tight{100, 3 * nsec3_hash_cost(12), 8};
  r = prove_nxdomain(ask("a.c.x.w.example", dns::rrtype::A),
                     pick(chain, {"0p9mh", "b4um8", "35mth"}), tight);
  CHECK(r.verdict.security == Security::bogus);
  CHECK(r.verdict.ede == ede::dnssec_bogus);
  CHECK(r.verdict.why.find("budget") != std::string::npos);
  CHECK(tight.nsec3_hashes == 0);
}

TEST_CASE("RFC 6840 section 4.1: a DNAME at the closest encloser denies nothing below",
          "[dnssec]") {
  auto records = with_flags(pick(rfc5155_nsec3_chain(), {"0p9mh", "b4um8", "35mth"}), 0);
  auto budget = plenty();
  REQUIRE(
      prove_nxdomain(ask("a.c.x.w.example", dns::rrtype::A), records, budget).verdict.security ==
      Security::secure);
  records[1] =
      rr("b4um86eghhds6nea196smvmlo4ors995.example. 3600 IN NSEC3 1 0 12 aabbccdd "
         "gjeqe526plbf1g8mklp59enfd789njgi MX DNAME RRSIG");
  auto r = prove_nxdomain(ask("a.c.x.w.example", dns::rrtype::A), records, budget);
  CHECK(r.verdict.security == Security::bogus);
  CHECK(r.verdict.why.find("DNAME") != std::string::npos);
}
