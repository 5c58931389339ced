// NSEC denial proofs against the responses of RFC 4035 appendix B, each rule with a
// counter-example that must fail, and the RFC 6840 section 4 sanity rules.
#include "dnssec_zones.hpp"

#include "resolver/dns/types.hpp"
#include "resolver/dnssec/denial.hpp"

#include <string>
#include <vector>

using namespace tern;
using namespace tern::resolver::dnssec;
using tern::test::name;
using tern::test::rr;
using tern::test::rrs;

namespace {

ValidationBudget plenty() { return ValidationBudget{100, 1000, 8}; }

DenialQuestion ask(const char* qname, std::uint16_t qtype) {
  return DenialQuestion{name(qname), qtype, name("example")};
}

const char* const apex_nsec = "example. 3600 IN NSEC a.example. NS SOA MX RRSIG NSEC DNSKEY";
const char* const b_nsec = "b.example. 3600 IN NSEC ns1.example. NS RRSIG NSEC";
const char* const x_y_w_nsec = "x.y.w.example. 3600 IN NSEC xx.example. MX RRSIG NSEC";
const char* const wildcard_nsec = "*.w.example. 3600 IN NSEC x.w.example. MX RRSIG NSEC";

}  // namespace

TEST_CASE("RFC 4035 B.2: name error, the name and the wildcard covered", "[dnssec]") {
  auto budget = plenty();
  // b.example NSEC covers ml.example; example NSEC covers *.example.
  auto r = prove_nxdomain(ask("ml.example", dns::rrtype::A), rrs({b_nsec, apex_nsec}), budget);
  CHECK(r.verdict.security == Security::secure);
  CHECK(r.proven == Proven::nxdomain);
  CHECK(r.closest_encloser == name("example"));
  CHECK(r.proof == std::vector<std::size_t>{0, 1});

  CHECK(prove_nxdomain(ask("ml.example", dns::rrtype::A), rrs({b_nsec}), budget).verdict.ede ==
        ede::nsec_missing);
  CHECK(prove_nxdomain(ask("ml.example", dns::rrtype::A), rrs({apex_nsec}), budget).verdict.ede ==
        ede::nsec_missing);
  // An NSEC owned by the name itself says it exists.
  CHECK(prove_nxdomain(ask("b.example", dns::rrtype::A), rrs({b_nsec, apex_nsec}), budget)
            .verdict.security == Security::bogus);
  // The wildcard *.w.example exists: no name error below w.example.
  auto bad = prove_nxdomain(ask("a.z.w.example", dns::rrtype::A), rrs({x_y_w_nsec, wildcard_nsec}),
                            budget);
  CHECK(bad.verdict.security == Security::bogus);
}

TEST_CASE("RFC 4035: the last NSEC wraps around to the apex", "[dnssec]") {
  auto budget = plenty();
  auto r = prove_nxdomain(
      ask("zz.example", dns::rrtype::A),
      rrs({"xx.example. 3600 IN NSEC example. A HINFO AAAA RRSIG NSEC", apex_nsec}), budget);
  CHECK(r.verdict.security == Security::secure);
  CHECK(r.proven == Proven::nxdomain);
}

TEST_CASE("RFC 4035 B.3: NODATA, and RFC 6840 section 4.3: no CNAME either", "[dnssec]") {
  auto budget = plenty();
  const auto ns1 = rrs({"ns1.example. 3600 IN NSEC ns2.example. A RRSIG NSEC"});
  auto r = prove_nodata(ask("ns1.example", dns::rrtype::MX), ns1, budget);
  CHECK(r.verdict.security == Security::secure);
  CHECK(r.proven == Proven::nodata);
  CHECK(prove_nodata(ask("ns1.example", dns::rrtype::A), ns1, budget).verdict.security ==
        Security::bogus);
  auto cname = rrs({"ns1.example. 3600 IN NSEC ns2.example. CNAME RRSIG NSEC"});
  CHECK(prove_nodata(ask("ns1.example", dns::rrtype::MX), cname, budget).verdict.security ==
        Security::bogus);
  CHECK(prove_nodata(ask("ns2.example", dns::rrtype::MX), ns1, budget).verdict.security ==
        Security::bogus);
}

TEST_CASE("RFC 4035 section 3.1.3.2: an empty non-terminal has NODATA, not NXDOMAIN", "[dnssec]") {
  auto budget = plenty();
  // y.w.example has no records, x.y.w.example does: x.w.example's NSEC points below y.w.
  const auto records = rrs({"x.w.example. 3600 IN NSEC x.y.w.example. MX RRSIG NSEC"});
  auto r = prove_nodata(ask("y.w.example", dns::rrtype::A), records, budget);
  CHECK(r.verdict.security == Security::secure);
  CHECK(r.proven == Proven::nodata);
  CHECK(prove_nxdomain(ask("y.w.example", dns::rrtype::A), records, budget).verdict.security ==
        Security::bogus);
}

TEST_CASE("RFC 4035 B.5 and RFC 6840 section 4.4: referral to an unsigned zone", "[dnssec]") {
  auto budget = plenty();
  auto r = prove_insecure_delegation(ask("b.example", dns::rrtype::DS), rrs({b_nsec}), budget);
  CHECK(r.verdict.security == Security::insecure);
  CHECK(r.proven == Proven::no_ds);
  // a.example has a DS; ai.example is no delegation; the apex's NSEC is the zone's own.
  const auto a = rrs({"a.example. 3600 IN NSEC ai.example. NS DS RRSIG NSEC"});
  CHECK(prove_insecure_delegation(ask("a.example", dns::rrtype::DS), a, budget).verdict.security ==
        Security::bogus);
  const auto ai = rrs({"ai.example. 3600 IN NSEC b.example. A HINFO AAAA RRSIG NSEC"});
  CHECK(
      prove_insecure_delegation(ask("ai.example", dns::rrtype::DS), ai, budget).verdict.security ==
      Security::bogus);
  const auto child_apex = rrs({"b.example. 3600 IN NSEC ns1.example. NS SOA RRSIG NSEC"});
  CHECK(prove_insecure_delegation(ask("b.example", dns::rrtype::DS), child_apex, budget)
            .verdict.security == Security::bogus);
  CHECK(prove_insecure_delegation(ask("b.example", dns::rrtype::DS), rrs({apex_nsec}), budget)
            .verdict.ede == ede::nsec_missing);
}

TEST_CASE("RFC 6840 section 4.1: a delegation or DNAME NSEC denies nothing below it", "[dnssec]") {
  auto budget = plenty();
  // mc.b.example sorts between b.example and ns1.example, but lives in the child zone b.
  auto r = prove_nxdomain(ask("mc.b.example", dns::rrtype::A), rrs({b_nsec, apex_nsec}), budget);
  CHECK(r.verdict.security == Security::bogus);
  // The parent-side NSEC of b.example denies DS there, no other type.
  CHECK(prove_nodata(ask("b.example", dns::rrtype::A), rrs({b_nsec}), budget).verdict.security ==
        Security::bogus);
  auto ds = prove_nodata(ask("b.example", dns::rrtype::DS), rrs({b_nsec}), budget);
  CHECK(ds.verdict.security == Security::secure);
  CHECK(ds.proven == Proven::nodata);
  const auto dname = rrs({"d.example. 3600 IN NSEC e.example. DNAME RRSIG NSEC", apex_nsec});
  CHECK(prove_nxdomain(ask("x.d.example", dns::rrtype::A), dname, budget).verdict.security ==
        Security::bogus);
  // Without the DNAME bit the same span proves the name error.
  const auto plain = rrs({"d.example. 3600 IN NSEC e.example. TXT RRSIG NSEC", apex_nsec});
  CHECK(prove_nxdomain(ask("x.d.example", dns::rrtype::A), plain, budget).verdict.security ==
        Security::secure);
}

TEST_CASE("RFC 4035 B.6: wildcard expansion, no closer match", "[dnssec]") {
  auto budget = plenty();
  const auto records = rrs({x_y_w_nsec});
  auto r = prove_wildcard_answer(ask("a.z.w.example", dns::rrtype::MX), 2, records, budget);
  CHECK(r.verdict.security == Security::secure);
  CHECK(r.proven == Proven::wildcard_answer);
  CHECK(r.closest_encloser == name("w.example"));
  // Labels 3 claims *.z.w.example, but the NSEC shows the closest encloser is w.example.
  CHECK(prove_wildcard_answer(ask("a.z.w.example", dns::rrtype::MX), 3, records, budget)
            .verdict.security == Security::bogus);
  // An NSEC that does not cover the name proves nothing.
  CHECK(
      prove_wildcard_answer(ask("a.z.w.example", dns::rrtype::MX), 2, rrs({wildcard_nsec}), budget)
          .verdict.ede == ede::nsec_missing);
}

TEST_CASE("RFC 4035 B.7: wildcard NODATA", "[dnssec]") {
  auto budget = plenty();
  const auto records = rrs({x_y_w_nsec, wildcard_nsec});
  auto r = prove_nodata(ask("a.z.w.example", dns::rrtype::AAAA), records, budget);
  CHECK(r.verdict.security == Security::secure);
  CHECK(r.proven == Proven::wildcard_nodata);
  CHECK(r.proof == std::vector<std::size_t>{0, 1});
  CHECK(prove_nodata(ask("a.z.w.example", dns::rrtype::MX), records, budget).verdict.security ==
        Security::bogus);
  CHECK(prove_nodata(ask("a.z.w.example", dns::rrtype::AAAA), rrs({x_y_w_nsec}), budget)
            .verdict.ede == ede::nsec_missing);
}

TEST_CASE("RFC 4035 B.8: the child's apex NSEC cannot deny its DS", "[dnssec]") {
  auto budget = plenty();
  auto r = prove_nodata(ask("example", dns::rrtype::DS), rrs({apex_nsec}), budget);
  CHECK(r.verdict.security == Security::bogus);
  // The root has no parent: its apex NSEC does deny a DS there.
  auto root = prove_nodata(DenialQuestion{name("."), dns::rrtype::DS, name(".")},
                           rrs({". 86400 IN NSEC aaa. NS SOA RRSIG NSEC DNSKEY"}), budget);
  CHECK(root.verdict.security == Security::secure);
}

TEST_CASE("NSEC records outside the signer's zone prove nothing", "[dnssec]") {
  auto budget = plenty();
  const auto records = rrs({"ns1.example. 3600 IN NSEC ns2.example. A RRSIG NSEC"});
  auto r = prove_nodata(DenialQuestion{name("ns1.example"), dns::rrtype::MX, name("org")}, records,
                        budget);
  CHECK(r.verdict.security == Security::bogus);
  r = prove_nodata(DenialQuestion{name("ns1.example"), dns::rrtype::MX, name("w.example")}, records,
                   budget);
  CHECK(r.verdict.security == Security::bogus);
}
