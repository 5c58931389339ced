// The exchange with authorities as the walk sees it: EDNS fallback on FORMERR, one upstream
// query for many identical client questions, and server selection by smoothed RTT. (TC=1 and
// the TCP leg need the real transport: tests/resolver/transport_test.cpp.)
#include "resolver/limits.hpp"
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

namespace tern::testing {

using dns::rrtype::A;
using Strings = std::vector<std::string>;

TEST_CASE("a server answering FORMERR to EDNS is asked again without it",
          "[walk][transport][edns]") {
  Lab lab(in_process);
  lab.standard(1);
  ScriptedServer& server = lab.server(srv::example1);
  server.set_handler(formerr_on_edns(lab.zone("example.test.").handler()));

  Outcome out = lab.resolve("www.example.test.");
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
  REQUIRE(server.queries() == 2);
  CHECK(server.received()[0].edns);
  CHECK_FALSE(server.received()[1].edns);
  CHECK(server.received()[1].question == question("www.example.test."));
  // Learnt: the next question goes without EDNS straight away.
  Outcome mail = lab.resolve("mail.example.test.");
  CHECK(addresses(mail.answer) == Strings{"192.0.2.2"});
  REQUIRE(server.queries() == 3);
  CHECK_FALSE(server.received()[2].edns);
  // Servers that do know EDNS were asked with it.
  CHECK(lab.server(srv::tld_test).received().front().edns);
}

TEST_CASE("50 identical questions at once: one upstream query and every client answered",
          "[walk][transport][coalescing]") {
  Lab lab(in_process);
  lab.standard(1);
  lab.zone("example.test.").add("slow.example.test. 300 IN A 192.0.2.80");
  const FakeZone& zone = lab.zone("example.test.");
  ScriptedServer& server = lab.server(srv::example1);
  server.set_handler([&zone](const dns::Message& q, Transport) {
    Action a = zone.respond(q);
    a.delay = 200ms;
    return a;
  });

  std::vector<dns::Question> questions(50, question("slow.example.test."));
  std::vector<Outcome> outs = lab.resolve_all(questions);
  REQUIRE(outs.size() == 50);
  for (const Outcome& out : outs) {
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(addresses(out.answer) == Strings{"192.0.2.80"});
  }
  CHECK(server.queries("slow.example.test.", A) == 1);
  CHECK(server.queries() == 1);
  CHECK(lab.server(srv::root).queries() == 2);  // one priming for all
  CHECK(lab.stats.coalesced == 49);
  CHECK(lab.inflight.size() == 0);
}

TEST_CASE("20 names of one new zone at once: its parent is asked once, whichever of its servers each walk picks",
          "[walk][transport][coalescing]") {
  // Each walk asks example.test's servers the same minimised question on the way to
  // sub.example.test; two servers to pick from, so without joining the exchange already in
  // flight the walks would spread over both and ask twice.
  Lab lab(in_process);
  lab.coalesce_exchanges = true;
  lab.standard(2);
  const int child = 20;
  lab.zone("example.test.").delegate("sub.example.test.", "ns.sub.example.test.", lab.address(child));
  FakeZone& sub = lab.zone("sub.example.test.");
  sub.add("sub.example.test. 300 IN NS ns.sub.example.test.").add("ns.sub.example.test. 300 IN A " + lab.address(child));
  std::vector<dns::Question> questions;
  for (int i = 0; i < 20; ++i) {
    const std::string name = "n" + std::to_string(i) + ".sub.example.test.";
    sub.add(name + " 300 IN A 192.0.2.7");
    questions.push_back(question(name));
  }
  lab.serve(child, "sub.example.test.");
  const FakeZone& example = lab.zone("example.test.");
  for (int server : {srv::example1, srv::example2})
    lab.server(server).set_handler([&example](const dns::Message& q, Transport) {
      Action a = example.respond(q);
      a.delay = 100ms;
      return a;
    });

  std::vector<Outcome> outs = lab.resolve_all(questions);
  REQUIRE(outs.size() == questions.size());
  for (const Outcome& out : outs) CHECK(addresses(out.answer) == Strings{"192.0.2.7"});
  const std::size_t to_example = lab.server(srv::example1).queries() + lab.server(srv::example2).queries();
  INFO(lab.server(srv::example1).queries() << " queries to ns1.example.test, " << lab.server(srv::example2).queries()
                                           << " to ns2");
  CHECK(to_example == 1);
  CHECK(lab.server(child).queries() == questions.size());
}

TEST_CASE("server selection: after warm-up most queries go to the fast server",
          "[walk][transport][selection]") {
  Lab lab(in_process);
  lab.standard(2);
  const FakeZone& zone = lab.zone("example.test.");
  for (int i = 0; i < 25; ++i)
    lab.zone("example.test.").add("s" + std::to_string(i) + ".example.test. 300 IN A 192.0.2.90");
  ScriptedServer& slow = lab.server(srv::example1);
  ScriptedServer& fast = lab.server(srv::example2);
  slow.set_handler([&zone](const dns::Message& q, Transport) {
    Action a = zone.respond(q);
    a.delay = 150ms;
    return a;
  });
  // The slow server has been measured already (150 ms); the fast one was never asked. It
  // must get its chance: a known slow server may not starve an untried one.
  cache::ServerStats measured_slow;
  measured_slow.srtt_us = 150000;
  measured_slow.rttvar_us = 10000;
  lab.infra.store(resolver::address_key(slow.address()), measured_slow);

  const int warm_up = 3, measured = 20;
  std::size_t slow_before = 0, fast_before = 0;
  for (int i = 0; i < warm_up + measured; ++i) {
    if (i == warm_up) {
      // The untried server got its chance early (exploration alone would take ~16 names).
      CHECK(fast.queries() >= 1);
      slow_before = slow.queries();
      fast_before = fast.queries();
    }
    Outcome out = lab.resolve("s" + std::to_string(i) + ".example.test.");
    CHECK(addresses(out.answer) == Strings{"192.0.2.90"});
  }
  const std::size_t to_slow = slow.queries() - slow_before, to_fast = fast.queries() - fast_before;
  INFO("after warm-up: " << to_fast << " to the fast server, " << to_slow << " to the slow one");
  CHECK(to_fast + to_slow == static_cast<std::size_t>(measured));
  CHECK(to_fast >= 15);  // exploration sends about 1 in 16 elsewhere
}

}  // namespace tern::testing
