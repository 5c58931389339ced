// Walks that meet broken or hostile authorities: silent servers, referral loops, NXNS-style
// fan-out, CNAME loops and over-long chains. Each must end (SERVFAIL or an answer) within a
// bounded number of upstream queries and a bounded time.
#include "resolver/limits.hpp"
#include "resolver/selection.hpp"
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

namespace tern::testing {

using dns::rrtype::A;
using Strings = std::vector<std::string>;

namespace {

Action silent(const dns::Message&, Transport) { return Action::silence(); }

/// A referral to `child` served by `ns_name` at `address`, whatever the question.
Handler refer_to(std::string child, std::string ns_name, std::string address) {
  return [=](const dns::Message&, Transport) {
    dns::Message m;
    m.authority.push_back(record(child + " 300 IN NS " + ns_name));
    m.additional.push_back(record(ns_name + " 300 IN A " + address));
    return Action::answer(std::move(m));
  };
}

}  // namespace

TEST_CASE("a silent server: the resolver fails over to the zone's other server",
          "[walk][failure][timeout]") {
  Lab lab(in_process);
  lab.standard(2);
  for (int i = 0; i < 6; ++i)
    lab.zone("example.test.").add("n" + std::to_string(i) + ".example.test. 300 IN A 192.0.2.7");
  ScriptedServer& dead = lab.server(srv::example1);
  ScriptedServer& alive = lab.server(srv::example2);
  dead.set_handler(silent);
  // The resolver knows ns1 as the fastest possible server (1 us), and ns1 has just gone
  // silent. (Exploration may still pick ns2 first one time in 16: ask distinct names until
  // ns1 has been tried; ns1 stays the favourite until then.)
  cache::ServerStats fast;
  fast.srtt_us = 1;
  fast.rttvar_us = 1;
  lab.infra.store(resolver::address_key(dead.address()), fast);

  int names = 0;
  for (; names < 6 && dead.queries() == 0; ++names) {
    const std::string qname = "n" + std::to_string(names) + ".example.test.";
    Outcome out = lab.resolve(qname);
    INFO(qname);
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(addresses(out.answer) == Strings{"192.0.2.7"});
    CHECK(alive.queries(qname, A) == 1);
    CHECK(lab.last_elapsed < 2000ms);
  }
  CHECK(dead.queries() == 1);  // tried once, then the other server answered
  CHECK(alive.queries() == static_cast<std::size_t>(names));
  CHECK(lab.stats.upstream_timeouts == 1);
}

TEST_CASE("all servers silent: SERVFAIL with EDE 22 in bounded time and queries",
          "[walk][failure][timeout]") {
  Lab lab(in_process);
  lab.standard(2);
  ScriptedServer& ns1 = lab.server(srv::example1);
  ScriptedServer& ns2 = lab.server(srv::example2);
  ns1.set_handler(silent);
  ns2.set_handler(silent);

  Outcome out = lab.resolve("www.example.test.");
  CHECK(out.rcode == dns::rcode::servfail);
  CHECK(out.answer.empty());
  CHECK(out.ede == resolver::ede::no_reachable_authority);
  // Each server once, at the unknown-server timeout (376 ms): well under the 10 s deadline.
  CHECK(ns1.queries() == 1);
  CHECK(ns2.queries() == 1);
  CHECK(out.upstream_queries == 4);  // root, test., ns1, ns2 (the priming beside it not counted)
  CHECK(lab.stats.upstream_timeouts == 2);
  CHECK(lab.last_elapsed < 2500ms);
  // SERVFAIL is not cached as an answer.
  CHECK_FALSE(lab.answers.find(question("www.example.test.")));
  // RFC 6298 §5.5: the next timeout for a server that timed out is longer than the one that
  // expired, and such a server ranks behind one never asked.
  for (ScriptedServer* server : {&ns1, &ns2}) {
    auto learnt = lab.infra.find(resolver::address_key(server->address()));
    REQUIRE(learnt);
    CHECK(learnt->consecutive_failures == 1);
    CHECK(resolver::upstream_timeout(learnt) > resolver::upstream_timeout(std::nullopt));
    CHECK(learnt->srtt_us > static_cast<std::uint32_t>(resolver::unknown_server_score.count()));
  }
}

TEST_CASE("referral loops end in SERVFAIL with bounded queries", "[walk][failure][referral]") {
  SECTION("upward referral (to the parent)") {
    Lab lab(in_process);
    lab.standard(2);
    for (int s : {srv::example1, srv::example2})
      lab.server(s).set_handler(refer_to("test.", "ns1.nic.test.", lab.address(srv::tld_test)));
    Outcome out = lab.resolve("www.example.test.");
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK(lab.server(srv::example1).queries() == 1);
    CHECK(lab.server(srv::example2).queries() == 1);
    CHECK(lab.server(srv::tld_test).queries() == 1);
    CHECK(lab.total_queries() == 5);
  }
  SECTION("sideways referral (to the zone itself, at another server)") {
    Lab lab(in_process);
    lab.standard(1);
    lab.server(srv::example1).set_handler(
        refer_to("example.test.", "ns9.example.test.", lab.address(40)));
    ScriptedServer& other = lab.serve(40, refer_to("example.test.", "ns1.example.test.",
                                                  lab.address(srv::example1)));
    Outcome out = lab.resolve("www.example.test.");
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK(lab.server(srv::example1).queries() == 1);
    CHECK(other.queries() == 0);
    CHECK(lab.total_queries() == 4);
  }
  SECTION("two servers referring to each other's zones, deeper and back") {
    Lab lab(in_process);
    lab.standard(1);
    // example.test refers sub.example.test to server 40, which refers deeper to server 41,
    // which refers back up to sub.example.test at server 40.
    lab.server(srv::example1).set_handler(refer_to("sub.example.test.", "ns.sub.example.test.", lab.address(40)));
    ScriptedServer& a = lab.serve(40, refer_to("x.sub.example.test.", "ns.x.sub.example.test.", lab.address(41)));
    ScriptedServer& b = lab.serve(41, refer_to("sub.example.test.", "ns.sub.example.test.", lab.address(40)));
    Outcome out = lab.resolve("www.x.sub.example.test.");
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK(a.queries() <= 2);
    CHECK(b.queries() <= 2);
    CHECK(out.upstream_queries <= 10);
    CHECK(lab.total_queries() <= 10);
  }
  SECTION("cyclic glue-less delegations (TsuNAME)") {
    Lab lab(in_process);
    lab.standard(1);
    lab.zone("test.").delegate("loop.test.", "ns.loop.net.");
    lab.zone("net.").delegate("loop.net.", "ns.loop.test.");
    Outcome out = lab.resolve("www.loop.test.");
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK(out.upstream_queries <= resolver::limits::max_upstream_queries);
    CHECK(lab.server(srv::tld_test).queries() <= 3);
    CHECK(lab.server(srv::tld_net).queries() <= 3);
    CHECK(lab.total_queries() <= 10);
  }
}

TEST_CASE("NXNS: a referral to 100 glue-less NS names under a victim zone",
          "[walk][failure][nxns]") {
  Lab lab(in_process);
  lab.standard(1);
  for (int i = 0; i < 100; ++i)
    lab.zone("test.").delegate("nxns.test.", "ns" + std::to_string(i) + ".victim.net.");
  lab.zone("net.").delegate("victim.net.", "ns.victim.net.", lab.address(40));
  lab.zone("victim.net.");  // every NS name is NXDOMAIN
  ScriptedServer& victim = lab.serve(40, "victim.net.");

  Outcome out = lab.resolve("www.nxns.test.");
  CHECK(out.rcode == dns::rcode::servfail);
  CHECK(victim.queries() <= resolver::limits::max_ns_lookups_per_cut * 2);
  CHECK(victim.queries() >= 1);
  CHECK(out.upstream_queries <= resolver::limits::max_upstream_queries);
  CHECK(lab.total_queries() <= resolver::limits::max_upstream_queries);
  CHECK(lab.stats.limit_hits == 1);
}

namespace {

/// A chain c0 -> c1 -> ... -> c<links> alternating between example.test and other.test (one
/// link per reply, so each link is a step of the walk); c<links> has an A record.
void build_cross_zone_chain(Lab& lab, int links) {
  lab.standard(1);
  lab.zone("test.").delegate("other.test.", "ns1.other.test.", lab.address(20));
  lab.serve(20, "other.test.");
  auto owner = [](int i) {
    return "c" + std::to_string(i) + (i % 2 ? ".other.test." : ".example.test.");
  };
  auto zone_of = [&](int i) -> FakeZone& { return lab.zone(i % 2 ? "other.test." : "example.test."); };
  for (int i = 0; i < links; ++i) zone_of(i).add(owner(i) + " 300 IN CNAME " + owner(i + 1));
  zone_of(links).add(owner(links) + " 300 IN A 192.0.2.99");
}

std::size_t count_cnames(const std::vector<dns::Record>& records) {
  return static_cast<std::size_t>(std::count_if(records.begin(), records.end(),
      [](const dns::Record& r) { return r.type == dns::rrtype::CNAME; }));
}

}  // namespace

TEST_CASE("CNAME loops and over-long chains end in SERVFAIL", "[walk][failure][cname]") {
  using resolver::limits::max_cname_hops;
  SECTION("a loop across two zones") {
    Lab lab(in_process);
    lab.standard(1);
    lab.zone("test.").delegate("other.test.", "ns1.other.test.", lab.address(20));
    lab.zone("example.test.").add("a.example.test. 300 IN CNAME b.other.test.");
    lab.zone("other.test.").add("b.other.test. 300 IN CNAME a.example.test.");
    lab.serve(20, "other.test.");
    Outcome out = lab.resolve("a.example.test.");
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK(out.answer.empty());
    CHECK(lab.server(srv::example1).queries("a.example.test.", A) == 1);
    CHECK(lab.server(20).queries("b.other.test.", A) == 1);
    CHECK(lab.total_queries() == 6);
  }
  SECTION("a loop inside one zone (the server returns the loop in one reply)") {
    Lab lab(in_process);
    lab.standard(1);
    lab.zone("example.test.")
        .add("l1.example.test. 300 IN CNAME l2.example.test.")
        .add("l2.example.test. 300 IN CNAME l1.example.test.");
    Outcome out = lab.resolve("l1.example.test.");
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK(lab.server(srv::example1).queries() == 1);
  }
  SECTION("a chain of max_cname_hops links across zones is followed") {
    Lab lab(in_process);
    build_cross_zone_chain(lab, static_cast<int>(max_cname_hops));
    Outcome out = lab.resolve("c0.example.test.");
    INFO(show(out.answer));
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(count_cnames(out.answer) == max_cname_hops);
    CHECK(addresses(out.answer) == Strings{"192.0.2.99"});
  }
  SECTION("a chain of max_cname_hops + 1 links across zones: SERVFAIL") {
    Lab lab(in_process);
    build_cross_zone_chain(lab, static_cast<int>(max_cname_hops) + 1);
    Outcome out = lab.resolve("c0.example.test.");
    INFO(show(out.answer));
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK(out.answer.empty());
    CHECK(out.upstream_queries <= max_cname_hops + 6);
    CHECK(lab.server(20).queries("c13.other.test.", A) == 0);  // never asked for the last link
  }
  SECTION("a chain of 20 links inside one zone (a few replies): SERVFAIL") {
    Lab lab(in_process);
    lab.standard(1);
    for (int i = 0; i < 20; ++i)
      lab.zone("example.test.").add("d" + std::to_string(i) + ".example.test. 300 IN CNAME d" +
                                    std::to_string(i + 1) + ".example.test.");
    lab.zone("example.test.").add("d20.example.test. 300 IN A 192.0.2.98");
    Outcome out = lab.resolve("d0.example.test.");
    INFO(show(out.answer));
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK(out.answer.empty());
    CHECK(lab.server(srv::example1).queries() <= 2);
  }
}

}  // namespace tern::testing
