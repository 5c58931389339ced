// What ternctl trace reports as a walk's cost (resolver/trace_cost.hpp): exchanges sent, and the
// critical path, the round trips made one after the other; and the walk-local memory that keeps
// a trace from asking what it already knows (resolver/trace_cache.hpp).
#include "resolver/trace_cache.hpp"
#include "resolver/trace_cost.hpp"

#include "tests/unit/helpers.hpp"

#include <catch2/catch.hpp>

using namespace tern;
using namespace tern::test;
using resolver::TraceCost;
using resolver::WalkHop;

namespace {

/// A hop sent after hop `after` (1-based as ternctl shows them; 0: the first of the walk).
WalkHop hop(int after, std::string transport = "udp", bool shared = false) {
  WalkHop h;
  h.after = after - 1;
  h.transport = std::move(transport);
  h.shared = shared;
  return h;
}

}  // namespace

TEST_CASE("trace cost: a walk without detours is as long as it has hops", "[trace-cost]") {
  const std::vector<WalkHop> hops{hop(0), hop(1), hop(2), hop(3)};
  TraceCost cost = resolver::trace_cost(hops, 4);
  CHECK(cost.sent == 4);
  CHECK(cost.shared == 0);
  CHECK(cost.critical_path == 4);
  CHECK(cost.step == std::vector<unsigned>{1, 2, 3, 4});
}

TEST_CASE("trace cost: parallel glue-less lookups count once, by the longest", "[trace-cost]") {
  // 1 priming, 2 root, 3 the referral without glue; lookups A (4, 6, 8) and B (5, 7) both start
  // after 3; the walk resumes (9) after A, whose answer came last, then answers (10).
  const std::vector<WalkHop> hops{hop(0), hop(1), hop(2), hop(3), hop(3), hop(4), hop(5), hop(6), hop(8), hop(9)};
  TraceCost cost = resolver::trace_cost(hops, 10);
  CHECK(cost.sent == 10);
  CHECK(cost.step == std::vector<unsigned>{1, 2, 3, 4, 4, 5, 5, 6, 7, 8});
  CHECK(cost.critical_path == 8);  // 10 exchanges, 8 of them one after the other
}

TEST_CASE("trace cost: the walk resuming after the shorter lookup does not wait for the longer",
          "[trace-cost]") {
  // B (5) answers first and the walk goes on from it (7, 8) while A (4, 6) still runs.
  const std::vector<WalkHop> hops{hop(0), hop(1), hop(2), hop(3), hop(3), hop(4), hop(5), hop(7)};
  TraceCost cost = resolver::trace_cost(hops, 8);
  CHECK(cost.step == std::vector<unsigned>{1, 2, 3, 4, 4, 5, 5, 6});
  CHECK(cost.critical_path == 6);
}

TEST_CASE("trace cost: a shared exchange is a round trip of its chain but not an exchange sent",
          "[trace-cost]") {
  // Two lookups ask the root the same question at once: one is sent, the other waits on it.
  const std::vector<WalkHop> hops{hop(0), hop(1), hop(1, "udp", true), hop(2), hop(3)};
  TraceCost cost = resolver::trace_cost(hops, 5);
  CHECK(cost.shared == 1);
  CHECK(cost.sent == 4);
  CHECK(cost.critical_path == 3);
  CHECK(cost.step == std::vector<unsigned>{1, 2, 2, 3, 3});
}

TEST_CASE("trace cost: a TCP retry is one exchange and two round trips", "[trace-cost]") {
  const std::vector<WalkHop> hops{hop(0), hop(1, "udp+tcp"), hop(2)};
  TraceCost cost = resolver::trace_cost(hops, 3);
  CHECK(cost.sent == 3);
  CHECK(cost.over_tcp == 1);
  CHECK(cost.critical_path == 4);
}

TEST_CASE("trace cost: exchanges asked for but not shown still count as sent; a bad `after` starts a chain",
          "[trace-cost]") {
  // A BADCOOKIE retry has no hop of its own; an `after` pointing forward cannot be followed.
  std::vector<WalkHop> hops{hop(0), hop(1), hop(0)};
  hops[2].after = 7;
  TraceCost cost = resolver::trace_cost(hops, 4);
  CHECK(cost.sent == 4);
  CHECK(cost.step == std::vector<unsigned>{1, 2, 1});
  CHECK(cost.critical_path == 2);
  CHECK(resolver::trace_cost({}, 0).critical_path == 0);
}

TEST_CASE("trace cache: what a trace learnt, by owner and type, a lower trust never replacing a higher",
          "[trace-cost]") {
  resolver::TraceCache learnt;
  CHECK_FALSE(learnt.find(name("lab."), dns::rrtype::NS));
  learnt.store({rr("lab. 3600 IN NS ns1.lab."), rr("lab. 3600 IN NS ns2.lab."), rr("ns1.lab. 3600 IN A 192.0.2.1")},
               cache::Trust::referral, "192.0.2.53");
  auto ns = learnt.find(name("lab."), dns::rrtype::NS);
  REQUIRE(ns);
  CHECK(ns->records.size() == 2);
  CHECK(ns->trust == cache::Trust::referral);
  CHECK(ns->source == "192.0.2.53");
  CHECK(ns->ttl == 3600);
  CHECK(learnt.find(name("ns1.lab."), dns::rrtype::A));
  CHECK(learnt.size() == 2);
  // The child's own NS set (authoritative) replaces the referral's; a later referral does not.
  learnt.store({rr("lab. 7200 IN NS ns3.lab.")}, cache::Trust::answer_auth, "192.0.2.1");
  learnt.store({rr("lab. 3600 IN NS ns9.lab.")}, cache::Trust::referral, "192.0.2.53");
  ns = learnt.find(name("lab."), dns::rrtype::NS);
  REQUIRE(ns);
  CHECK(ns->records.size() == 1);
  CHECK(ns->trust == cache::Trust::answer_auth);
  CHECK(ns->ttl == 7200);
}
