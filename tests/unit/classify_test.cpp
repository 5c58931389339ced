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
