// Aggressive use of the validated cache (RFC 8198): NXDOMAIN and NODATA synthesised from a
// zone's cached NSEC or NSEC3 chain, never from an opt-out span or across a delegation.
#include "dnssec_zones.hpp"

#include "resolver/dns/types.hpp"
#include "resolver/dnssec/aggressive_denial.hpp"
#include "resolver/limits.hpp"
#include "resolver/validated_nsec.hpp"

using namespace tern;
using namespace tern::resolver::dnssec;
using tern::test::name;

namespace {

ValidationBudget plenty() {
  return ValidationBudget{100, resolver::limits::max_nsec3_hash_computations, 8};
}

DenialQuestion ask(const char* qname, std::uint16_t qtype) {
  return DenialQuestion{name(qname), qtype, name("example")};
}

}  // namespace

TEST_CASE("RFC 8198 with NSEC: names and types denied from the cached chain", "[dnssec]") {
  const auto chain = tern::test::dnssec_zones::rfc4035_nsec_chain();
  auto budget = plenty();
  auto r = synthesise_denial(ask("ml.example", dns::rrtype::A), chain, budget);
  CHECK(r.proven == Proven::nxdomain);
  CHECK(r.verdict.security == Security::secure);
  CHECK(r.proof == std::vector<std::size_t>{3, 0});  // b.example and the apex
  r = synthesise_denial(ask("ns1.example", dns::rrtype::MX), chain, budget);
  CHECK(r.proven == Proven::nodata);
  CHECK(r.proof == std::vector<std::size_t>{4});
  r = synthesise_denial(ask("a.z.w.example", dns::rrtype::AAAA), chain, budget);
  CHECK(r.proven == Proven::wildcard_nodata);
  // Not to be synthesised: an existing type, names under a delegation, other zones.
  for (const auto& q : {ask("ns1.example", dns::rrtype::A), ask("mc.b.example", dns::rrtype::A),
                        ask("b.example", dns::rrtype::A), ask("a.z.w.example", dns::rrtype::MX),
                        DenialQuestion{name("ml.org"), dns::rrtype::A, name("example")}}) {
    auto none = synthesise_denial(q, chain, budget);
    INFO(q.qname.to_text());
    CHECK(none.proven == Proven::nothing);
    CHECK(none.verdict.security == Security::indeterminate);
  }
}

TEST_CASE("RFC 8198 with NSEC3: never from opt-out spans", "[dnssec]") {
  auto chain = tern::test::dnssec_zones::rfc5155_nsec3_chain();
  auto budget = plenty();
  // Every record of RFC 5155's zone has opt-out: nothing may be synthesised from it.
  CHECK(synthesise_denial(ask("a.c.x.w.example", dns::rrtype::A), chain, budget).proven ==
        Proven::nothing);
  for (auto& rr : chain) rr.rdata[1] = 0;
  auto r = synthesise_denial(ask("a.c.x.w.example", dns::rrtype::A), chain, budget);
  CHECK(r.proven == Proven::nxdomain);
  CHECK(r.verdict.security == Security::secure);
  CHECK(r.closest_encloser == name("x.w.example"));
  CHECK(r.proof.size() == 3);
  r = synthesise_denial(ask("ns1.example", dns::rrtype::MX), chain, budget);
  CHECK(r.proven == Proven::nodata);
  CHECK(synthesise_denial(ask("ns1.example", dns::rrtype::A), chain, budget).proven ==
        Proven::nothing);
  // The hashing budget bounds the work on a whole chain: none left, nothing proven.
  ValidationBudget empty{100, 0, 8};
  CHECK(synthesise_denial(ask("zz.example", dns::rrtype::A), chain, empty).proven ==
        Proven::nothing);
}

TEST_CASE("the validated store keeps an NSEC3 zone's records for the proof, a bounded number", "[dnssec]") {
  auto chain = tern::test::dnssec_zones::rfc5155_nsec3_chain();
  for (auto& rr : chain) rr.rdata[1] = 0;  // no opt-out
  const dns::Record soa{name("example"), dns::rrtype::SOA, dns::class_in, 3600, {}};
  resolver::ValidatedNsecStore store;
  const cache::TimePoint now{};
  store.add(name("example"), chain, {soa}, 300, now);
  REQUIRE(store.zone_of(name("a.c.x.w.example")) == name("example"));
  auto found = store.around(name("example"), name("a.c.x.w.example"), now);
  REQUIRE(found);
  CHECK(found->nsec.size() == chain.size());  // every NSEC3: the proof hashes and picks
  CHECK(found->soa.size() == 1);
  auto budget = plenty();
  CHECK(synthesise_denial(ask("a.c.x.w.example", dns::rrtype::A), found->nsec, budget).proven == Proven::nxdomain);
  CHECK_FALSE(store.around(name("example"), name("a.c.x.w.example"), now + std::chrono::seconds(300)));
  // Past max_nsec3_per_zone the zone's NSEC3s start again: a lookup never hands over more.
  std::vector<dns::Record> many;
  for (std::size_t i = 0; i < resolver::ValidatedNsecStore::max_nsec3_per_zone + 10; ++i) {
    dns::Record rr = chain.front();
    rr.owner = name(("h" + std::to_string(i) + ".example").c_str());
    many.push_back(rr);
  }
  store.add(name("example"), many, {soa}, 300, now);
  found = store.around(name("example"), name("zz.example"), now);
  REQUIRE(found);
  CHECK(found->nsec.size() <= resolver::ValidatedNsecStore::max_nsec3_per_zone);
  CHECK(store.size() <= resolver::ValidatedNsecStore::max_nsec3_per_zone);
}
