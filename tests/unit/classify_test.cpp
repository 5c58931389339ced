#include "helpers.hpp"

#include "resolver/classify.hpp"

using namespace tern;
using namespace tern::test;
using resolver::classify;
using resolver::ResponseKind;

TEST_CASE("an authoritative answer is an answer", "[classify]") {
  auto q = question("www.example.lab");
  auto c = classify(reply(q, true, rrs({"www.example.lab. 300 IN A 127.0.0.80"})), q, name("example.lab"));
  CHECK(c.kind == ResponseKind::answer);
  REQUIRE(c.chain.size() == 1);
  CHECK(c.target == q.name);
}

TEST_CASE("CNAME chains are followed inside one reply", "[classify]") {
  auto q = question("www.chain.lab");
  SECTION("chain ends in the reply: answer") {
    auto c = classify(reply(q, true, rrs({"www.chain.lab. 600 IN CNAME a.chain.lab.",
                                          "a.chain.lab. 300 IN A 127.0.0.1"})),
                      q, name("chain.lab"));
    CHECK(c.kind == ResponseKind::answer);
    CHECK(c.chain.size() == 2);
    CHECK(c.target == name("a.chain.lab"));
  }
  SECTION("chain leaves the reply: cname, continue at the target") {
    auto c = classify(reply(q, true, rrs({"www.chain.lab. 600 IN CNAME alias.glueless.corp."})), q, name("chain.lab"));
    CHECK(c.kind == ResponseKind::cname);
    CHECK(c.target == name("alias.glueless.corp"));
  }
  SECTION("a loop inside the reply stops, it does not spin") {
    auto c = classify(reply(q, true, rrs({"www.chain.lab. 600 IN CNAME b.chain.lab.",
                                          "b.chain.lab. 600 IN CNAME www.chain.lab."})),
                      q, name("chain.lab"));
    CHECK(c.kind == ResponseKind::cname);
  }
  SECTION("CNAME to a name with no data of the type, with an SOA: nodata") {
    auto c = classify(reply(q, true, rrs({"www.chain.lab. 600 IN CNAME a.chain.lab."}),
                            rrs({"chain.lab. 60 IN SOA ns.chain.lab. h.chain.lab. 1 2 3 4 60"})),
                      q, name("chain.lab"));
    CHECK(c.kind == ResponseKind::nodata);
  }
}

TEST_CASE("referrals go strictly down", "[classify]") {
  auto q = question("www.example.lab");
  auto ns = rrs({"example.lab. 3600 IN NS ns1.example.lab.", "example.lab. 3600 IN NS ns2.example.lab."});
  auto glue = rrs({"ns1.example.lab. 3600 IN A 127.53.10.1"});
  SECTION("to a child zone: referral with its NS set and glue") {
    auto c = classify(reply(q, false, {}, ns, glue), q, name("lab"));
    CHECK(c.kind == ResponseKind::referral);
    CHECK(c.child_zone == name("example.lab"));
    CHECK(c.ns.size() == 2);
    CHECK(c.glue.size() == 1);
  }
  SECTION("to the zone asked itself: lame") {
    auto c = classify(reply(q, false, {}, ns, glue), q, name("example.lab"));
    CHECK(c.kind == ResponseKind::lame);
  }
  SECTION("upward, to an ancestor: lame") {
    auto c = classify(reply(q, false, {}, rrs({"lab. 3600 IN NS a.lab."})), q, name("example.lab"));
    CHECK(c.kind == ResponseKind::lame);
  }
  SECTION("sideways, to a zone the name is not in: lame") {
    auto c = classify(reply(q, false, {}, rrs({"other.lab. 3600 IN NS a.other.lab."})), q, name("lab"));
    CHECK(c.kind == ResponseKind::lame);
  }
}

TEST_CASE("negative answers", "[classify]") {
  auto q = question("nosuch.example.lab");
  auto soa = rrs({"example.lab. 60 IN SOA ns1.example.lab. h.example.lab. 1 2 3 4 60"});
  CHECK(classify(reply(q, true, {}, soa, {}, dns::rcode::nxdomain), q, name("example.lab")).kind ==
        ResponseKind::nxdomain);
  auto nodata = classify(reply(q, true, {}, soa), q, name("example.lab"));
  CHECK(nodata.kind == ResponseKind::nodata);
  CHECK(nodata.soa.size() == 1);
  CHECK(classify(reply(q, true, {}), q, name("example.lab")).kind == ResponseKind::nodata);
}

TEST_CASE("errors and non-answers", "[classify]") {
  auto q = question("www.example.lab");
  CHECK(classify(reply(q, false, {}, {}, {}, dns::rcode::servfail), q, name("lab")).kind == ResponseKind::rcode);
  CHECK(classify(reply(q, false, {}, {}, {}, dns::rcode::refused), q, name("lab")).kind == ResponseKind::rcode);
  // Empty, not authoritative, no referral: a lame server (RFC 1034 §4.3.1 behaviour of a
  // recursive server answering from an empty cache, or a misconfigured one).
  CHECK(classify(reply(q, false, {}), q, name("example.lab")).kind == ResponseKind::lame);
}

namespace {

std::string sig(const char* owner, const char* covered) {
  return std::string(owner) + " 300 IN RRSIG " + covered + " 13 3 300 20300101000000 20200101000000 4242 example.lab. " +
         std::string(86, 'A') + "==";
}

}  // namespace

TEST_CASE("a signed answer is the RRset asked for; its RRSIG is set aside", "[classify][dnssec]") {
  auto q = question("www.example.lab");
  const auto a_sig = sig("www.example.lab.", "A");
  auto c = classify(reply(q, true, rrs({a_sig.c_str(), "www.example.lab. 300 IN A 127.0.0.80"})), q, name("example.lab"));
  CHECK(c.kind == ResponseKind::answer);
  CHECK(c.chain == rrs({"www.example.lab. 300 IN A 127.0.0.80"}));
  CHECK(c.signatures == rrs({a_sig.c_str()}));
}

TEST_CASE("a wildcard answer carries the NSEC proving no closer name", "[classify][dnssec]") {
  auto q = question("any.wild.example.lab");
  const auto a_sig = sig("any.wild.example.lab.", "A");
  const auto nsec_sig = sig("a.wild.example.lab.", "NSEC");
  auto authority = rrs({"a.wild.example.lab. 300 IN NSEC b.wild.example.lab. A RRSIG NSEC", nsec_sig.c_str()});
  auto c = classify(reply(q, true, rrs({"any.wild.example.lab. 300 IN A 127.0.0.80", a_sig.c_str()}), authority), q,
                    name("example.lab"));
  CHECK(c.kind == ResponseKind::answer);
  CHECK(c.proof == authority);
}

TEST_CASE("an RRSIG alone in the answer is not the answer type", "[classify][dnssec]") {
  auto q = question("www.example.lab");
  const auto a_sig = sig("www.example.lab.", "A");
  auto c = classify(reply(q, true, rrs({a_sig.c_str()}),
                          rrs({"example.lab. 300 IN SOA ns1.example.lab. admin.example.lab. 1 7200 900 1209600 300"})),
                    q, name("example.lab"));
  CHECK(c.kind == ResponseKind::nodata);
  CHECK(c.chain.empty());
  CHECK(c.signatures.empty());  // it covers nothing of the chain
  SECTION("unless RRSIG is what was asked") {
    auto asked = question("www.example.lab", dns::rrtype::RRSIG);
    auto d = classify(reply(asked, true, rrs({a_sig.c_str()})), asked, name("example.lab"));
    CHECK(d.kind == ResponseKind::answer);
    CHECK(d.chain == rrs({a_sig.c_str()}));
    CHECK(d.signatures.empty());  // not twice
  }
}

TEST_CASE("a signed NODATA carries its NSEC proof; the NSEC is no SOA", "[classify][dnssec]") {
  auto q = question("www.example.lab", dns::rrtype::MX);
  const auto soa_sig = sig("example.lab.", "SOA");
  const auto nsec_sig = sig("www.example.lab.", "NSEC");
  auto authority = rrs({"example.lab. 300 IN SOA ns1.example.lab. admin.example.lab. 1 7200 900 1209600 300",
                        soa_sig.c_str(), "www.example.lab. 300 IN NSEC z.example.lab. A RRSIG NSEC", nsec_sig.c_str()});
  auto c = classify(reply(q, true, {}, authority), q, name("example.lab"));
  CHECK(c.kind == ResponseKind::nodata);
  CHECK(c.soa == std::vector<dns::Record>{authority[0]});
  CHECK(c.proof == std::vector<dns::Record>{authority[2], authority[1], authority[3]});  // proofs, then RRSIGs
  SECTION("without the SOA a non-authoritative NSEC is lame, not NODATA") {
    auto d = classify(reply(q, false, {}, std::vector<dns::Record>{authority[2], authority[3]}), q, name("example.lab"));
    CHECK(d.kind == ResponseKind::lame);
  }
}

TEST_CASE("a signed referral stays a referral and carries the child's DS", "[classify][dnssec]") {
  auto q = question("www.child.example.lab");
  const auto ds_sig = sig("child.example.lab.", "DS");
  auto authority = rrs({"child.example.lab. 3600 IN NS ns1.child.example.lab.",
                        "child.example.lab. 3600 IN DS 4242 13 2 E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766",
                        ds_sig.c_str()});
  auto c = classify(reply(q, false, {}, authority), q, name("example.lab"));
  CHECK(c.kind == ResponseKind::referral);
  CHECK(c.child_zone == name("child.example.lab"));
  CHECK(c.proof == std::vector<dns::Record>{authority[1], authority[2]});
  SECTION("an unsigned delegation's NSEC (no DS) does not make it a negative answer, and is kept as the proof") {
    const auto nsec_sig = sig("child.example.lab.", "NSEC");
    auto insecure = rrs({"child.example.lab. 3600 IN NSEC d.example.lab. NS RRSIG NSEC", nsec_sig.c_str()});
    insecure.insert(insecure.begin(), authority[0]);
    auto d = classify(reply(q, false, {}, insecure), q, name("example.lab"));
    CHECK(d.kind == ResponseKind::referral);
    CHECK(d.proof == std::vector<dns::Record>{insecure[1], insecure[2]});  // the no-DS proof, for the validator
  }
}
