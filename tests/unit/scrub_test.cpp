#include "helpers.hpp"

#include "resolver/scrub.hpp"

using namespace tern;
using namespace tern::test;

TEST_CASE("out-of-bailiwick records are removed from every section", "[scrub]") {
  auto q = question("www.example.lab");
  auto m = reply(q, true,
                 rrs({"www.example.lab. 300 IN A 127.0.0.80", "www.victim.corp. 300 IN A 6.6.6.6"}),
                 rrs({"example.lab. 7200 IN NS ns1.example.lab.", "corp. 7200 IN NS evil.example.lab."}),
                 rrs({"ns1.example.lab. 7200 IN A 127.53.10.1", "ns.victim.corp. 7200 IN A 6.6.6.6"}));
  std::size_t removed = resolver::scrub(m, q, name("example.lab"));
  CHECK(removed == 3);
  CHECK(m.answer == rrs({"www.example.lab. 300 IN A 127.0.0.80"}));
  CHECK(m.authority == rrs({"example.lab. 7200 IN NS ns1.example.lab."}));
  CHECK(m.additional == rrs({"ns1.example.lab. 7200 IN A 127.53.10.1"}));
}

TEST_CASE("glue is kept only within the delegating zone and only for NS names", "[scrub]") {
  auto q = question("www.glueless.corp");
  auto m = reply(q, false, {},
                 rrs({"glueless.corp. 3600 IN NS ns1.dns-host.example.", "glueless.corp. 3600 IN NS ns1.glueless.corp."}),
                 rrs({"ns1.dns-host.example. 3600 IN A 6.6.6.6",     // outside corp.: not believable
                      "ns1.glueless.corp. 3600 IN A 127.53.14.1",   // in bailiwick, an NS name: glue
                      "unrelated.corp. 3600 IN A 127.0.0.9"}));     // in bailiwick, not an NS name
  resolver::scrub(m, q, name("corp"));
  CHECK(m.additional == rrs({"ns1.glueless.corp. 3600 IN A 127.53.14.1"}));
  CHECK(m.authority.size() == 2);
}

TEST_CASE("answer records off the CNAME chain are removed", "[scrub]") {
  auto q = question("www.chain.lab");
  auto m = reply(q, true,
                 rrs({"www.chain.lab. 600 IN CNAME a.chain.lab.", "a.chain.lab. 300 IN A 127.0.0.1",
                      "b.chain.lab. 300 IN A 127.0.0.2", "a.chain.lab. 300 IN MX 10 mail.chain.lab."}));
  resolver::scrub(m, q, name("chain.lab"));
  CHECK(m.answer == rrs({"www.chain.lab. 600 IN CNAME a.chain.lab.", "a.chain.lab. 300 IN A 127.0.0.1"}));
}

TEST_CASE("authority records above the answered name only", "[scrub]") {
  auto q = question("nosuch.example.lab");
  auto m = reply(q, true, {},
                 rrs({"example.lab. 60 IN SOA ns1.example.lab. h.example.lab. 1 2 3 4 60",
                      "other.example.lab. 60 IN SOA ns1.example.lab. h.example.lab. 1 2 3 4 60",
                      "example.lab. 60 IN TXT \"not authority data\""}),
                 {}, dns::rcode::nxdomain);
  resolver::scrub(m, q, name("example.lab"));
  REQUIRE(m.authority.size() == 1);
  CHECK(m.authority[0].owner == name("example.lab"));
}

TEST_CASE("priming keeps root server addresses", "[scrub]") {
  auto q = question(".", dns::rrtype::NS);
  auto m = reply(q, true, rrs({". 518400 IN NS a.root-servers.lab."}), {},
                 rrs({"a.root-servers.lab. 518400 IN A 127.53.0.1"}));
  resolver::scrub(m, q, name("."));
  CHECK(m.answer.size() == 1);
  CHECK(m.additional.size() == 1);
}

TEST_CASE("a CNAME of another class neither stays nor extends the chain", "[scrub]") {
  // Found by tests/fuzz/fuzz_response: the chain followed the class-ANY CNAME that the answer
  // scrub then removed, so its target's A record stayed, linked to nothing.
  auto q = question("www.example.com");
  auto m = reply(q, true, rrs({"www.example.com. 600 IN CNAME web.example.com.", "web.example.com. 60 IN A 192.0.2.3"}));
  m.answer[0].klass = 255;
  CHECK(resolver::scrub(m, q, name("com")) == 2);
  CHECK(m.answer.empty());
}

namespace {

/// An RRSIG over owner's `covered` RRset, signed by `signer` (signature octets not checked).
std::string sig(const char* owner, const char* covered, const char* signer = "example.lab.") {
  return std::string(owner) + " 300 IN RRSIG " + covered + " 13 3 300 20300101000000 20200101000000 4242 " +
         signer + " " + std::string(86, 'A') + "==";
}

}  // namespace

TEST_CASE("RRSIGs stay with the RRsets they cover and go with the ones removed", "[scrub][dnssec]") {
  auto q = question("www.example.lab");
  const auto kept_sig = sig("www.example.lab.", "A");
  const auto off_chain_sig = sig("b.example.lab.", "A");        // its RRset is off the chain
  const auto other_type_sig = sig("www.example.lab.", "MX");    // covers nothing in the reply
  const auto outside_sig = sig("www.victim.corp.", "A", "victim.corp.");  // out of bailiwick
  auto m = reply(q, true,
                 rrs({"www.example.lab. 300 IN A 127.0.0.80", kept_sig.c_str(), "b.example.lab. 300 IN A 127.0.0.2",
                      off_chain_sig.c_str(), other_type_sig.c_str(), outside_sig.c_str()}));
  CHECK(resolver::scrub(m, q, name("example.lab")) == 4);
  CHECK(m.answer == rrs({"www.example.lab. 300 IN A 127.0.0.80", kept_sig.c_str()}));
}

TEST_CASE("a negative answer keeps its NSEC/NSEC3 proof and their RRSIGs", "[scrub][dnssec]") {
  auto q = question("nope.example.lab");
  const auto soa_sig = sig("example.lab.", "SOA");
  const auto nsec_sig = sig("mail.example.lab.", "NSEC");
  const auto nsec3_sig = sig("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.lab.", "NSEC3");
  const auto outside_sig = sig("a.victim.corp.", "NSEC", "victim.corp.");
  auto m = reply(q, true, {},
                 rrs({"example.lab. 300 IN SOA ns1.example.lab. admin.example.lab. 1 7200 900 1209600 300",
                      soa_sig.c_str(), "mail.example.lab. 300 IN NSEC www.example.lab. A RRSIG NSEC",
                      nsec_sig.c_str(),
                      "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.lab. 300 IN NSEC3 1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA RRSIG DNSKEY NSEC3PARAM",
                      nsec3_sig.c_str(), "a.victim.corp. 300 IN NSEC z.victim.corp. A", outside_sig.c_str()}),
                 {}, dns::rcode::nxdomain);
  CHECK(resolver::scrub(m, q, name("example.lab")) == 2);  // the foreign NSEC and its RRSIG
  CHECK(m.authority.size() == 6);
  CHECK(std::none_of(m.authority.begin(), m.authority.end(),
                     [](const dns::Record& r) { return r.owner.is_subdomain_of(name("victim.corp")); }));
}

TEST_CASE("a signed referral keeps the child's DS set and its RRSIG, not another's", "[scrub][dnssec]") {
  auto q = question("www.child.example.lab");
  const auto ds_sig = sig("child.example.lab.", "DS");
  const auto sideways_sig = sig("other.example.lab.", "DS");
  auto m = reply(q, false, {},
                 rrs({"child.example.lab. 3600 IN NS ns1.child.example.lab.",
                      "child.example.lab. 3600 IN DS 4242 13 2 E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766",
                      ds_sig.c_str(),
                      "other.example.lab. 3600 IN DS 4243 13 2 E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766",
                      sideways_sig.c_str()}),
                 rrs({"ns1.child.example.lab. 3600 IN A 127.53.10.9"}));
  CHECK(resolver::scrub(m, q, name("example.lab")) == 2);
  REQUIRE(m.authority.size() == 3);
  CHECK(m.authority[1].type == dns::rrtype::DS);
  CHECK(m.authority[2] == rr(ds_sig.c_str()));
}
