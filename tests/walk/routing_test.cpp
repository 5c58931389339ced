// Forward zones and stub zones: which servers the walk asks for names below them, with which
// flags, and what happens when those servers fail. A "forwarder" here is a fake server that
// answers everything with AA=0, RA=1, as a recursive resolver does.
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

namespace tern::testing {

using dns::rrtype::A;
using Strings = std::vector<std::string>;

namespace {

constexpr int forwarder1 = 50, forwarder2 = 51, dead_server = 52;

/// A recursive server's reply: every A question gets `address`, AA clear, RA set.
Handler recursive_answer(std::string address) {
  return [address](const dns::Message& query, Transport) {
    dns::Message m;
    m.ra = true;
    if (!query.questions.empty() && query.questions.front().type == A)
      m.answer.push_back(record(query.questions.front().name.to_text() + " 60 IN A " + address));
    return Action::answer(std::move(m));
  };
}

resolver::ZoneRoute route(const Lab& lab, std::string_view zone, resolver::ZoneRoute::Kind kind,
                          std::vector<int> servers, bool first = false) {
  resolver::ZoneRoute r{name(zone), kind, {}, first, false, {}};
  for (int s : servers) r.servers.push_back({asio::ip::make_address(lab.address(s)), 53});
  return r;
}

void set_routes(Lab& lab, std::vector<resolver::ZoneRoute> routes) {
  lab.options.routes = std::make_shared<const resolver::ZoneRoutes>(std::move(routes));
}

}  // namespace

TEST_CASE("a forward zone: its names go to the forwarder with RD=1, the rest is iterated",
          "[walk][routing][forward]") {
  Lab lab(in_process);
  lab.standard(1);
  ScriptedServer& forwarder = lab.serve(forwarder1, recursive_answer("198.51.100.7"));
  set_routes(lab, {route(lab, "corp.test.", resolver::ZoneRoute::Kind::forward, {forwarder1})});

  Outcome out = lab.resolve("www.dept.corp.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"198.51.100.7"});
  REQUIRE(forwarder.queries() == 1);
  // The whole name (no QNAME minimisation towards a recursive server) and RD=1.
  CHECK(forwarder.received()[0].question == question("www.dept.corp.test."));
  CHECK(forwarder.received()[0].rd);
  // Nothing else was asked: not even the root was primed.
  CHECK(lab.total_queries() == 1);

  SECTION("a name outside the zone is iterated from the root, without RD, never forwarded") {
    Outcome www = lab.resolve("www.example.test.");
    CHECK(addresses(www.answer) == Strings{"192.0.2.1"});
    CHECK(forwarder.queries() == 1);
    CHECK(lab.server(srv::root).queries() > 0);
    CHECK_FALSE(lab.server(srv::example1).received().back().rd);
  }
  SECTION("the forwarded answer is cached") {
    Outcome again = lab.resolve("www.dept.corp.test.");
    CHECK(again.from_cache);
    CHECK(forwarder.queries() == 1);
  }
}

TEST_CASE("a stub zone: the walk starts at its servers, skipping the root and the TLD",
          "[walk][routing][stub]") {
  Lab lab(in_process);
  lab.standard(1);
  set_routes(lab, {route(lab, "example.test.", resolver::ZoneRoute::Kind::stub, {srv::example1})});

  Outcome out = lab.resolve("www.example.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
  CHECK(lab.server(srv::root).queries() == 0);
  CHECK(lab.server(srv::tld_test).queries() == 0);
  ScriptedServer& zone = lab.server(srv::example1);
  REQUIRE(zone.queries() == 1);
  CHECK(zone.queries("www.example.test.", A) == 1);
  CHECK_FALSE(zone.received()[0].rd);  // an authority is asked as one

  SECTION("a name that does not exist there is NXDOMAIN from the stub's servers") {
    Outcome nx = lab.resolve("nope.example.test.");
    CHECK(nx.rcode == dns::rcode::nxdomain);
    CHECK(lab.server(srv::root).queries() == 0);
  }
}

TEST_CASE("a stub zone on a server the public tree does not delegate to",
          "[walk][routing][stub]") {
  Lab lab(in_process);
  lab.standard(1);
  // internal.test. exists only on this server; test.'s servers know nothing of it.
  lab.zone("internal.test.").add("host.internal.test. 300 IN A 10.9.9.9");
  lab.serve(dead_server + 1, "internal.test.");
  set_routes(lab, {route(lab, "internal.test.", resolver::ZoneRoute::Kind::stub, {dead_server + 1})});
  Outcome out = lab.resolve("host.internal.test.");
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"10.9.9.9"});
  CHECK(lab.server(srv::tld_test).queries() == 0);
}

TEST_CASE("forward-first: a dead forwarder falls back to iteration; without it, SERVFAIL",
          "[walk][routing][forward]") {
  Lab lab(in_process);
  lab.standard(1);
  // Nothing listens on dead_server: the forwarder is unreachable.
  SECTION("forward-first on: the name is iterated from the root") {
    set_routes(lab, {route(lab, "example.test.", resolver::ZoneRoute::Kind::forward, {dead_server}, true)});
    Outcome out = lab.resolve("www.example.test.");
    INFO(out.ede_text);
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
    CHECK(lab.server(srv::root).queries() > 0);
  }
  SECTION("forward-first off: SERVFAIL, and no authority is asked") {
    set_routes(lab, {route(lab, "example.test.", resolver::ZoneRoute::Kind::forward, {dead_server}, false)});
    Outcome out = lab.resolve("www.example.test.");
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK(out.ede == resolver::ede::no_reachable_authority);
    CHECK(lab.total_queries() == 0);
  }
}

TEST_CASE("the longest matching zone wins, forward or stub", "[walk][routing]") {
  Lab lab(in_process);
  lab.standard(1);
  ScriptedServer& outer = lab.serve(forwarder1, recursive_answer("198.51.100.1"));
  ScriptedServer& inner = lab.serve(forwarder2, recursive_answer("198.51.100.2"));
  set_routes(lab, {route(lab, "test.", resolver::ZoneRoute::Kind::forward, {forwarder1}),
                   route(lab, "deep.example.test.", resolver::ZoneRoute::Kind::forward, {forwarder2}),
                   route(lab, "example.test.", resolver::ZoneRoute::Kind::stub, {srv::example1})});

  CHECK(addresses(lab.resolve("a.deep.example.test.").answer) == Strings{"198.51.100.2"});
  CHECK(addresses(lab.resolve("www.other.test.").answer) == Strings{"198.51.100.1"});
  // The stub zone sits between the two forward zones: its own servers answer.
  CHECK(addresses(lab.resolve("www.example.test.").answer) == Strings{"192.0.2.1"});
  CHECK(inner.queries() == 1);
  CHECK(outer.queries() == 1);
  CHECK(lab.server(srv::root).queries() == 0);
}

TEST_CASE("a forwarder that refers instead of recursing is not used", "[walk][routing][forward]") {
  Lab lab(in_process);
  lab.standard(1);
  ScriptedServer& referrer = lab.serve(forwarder1, [&](const dns::Message&, Transport) {
    dns::Message m;
    m.authority.push_back(record("example.test. 300 IN NS ns1.example.test."));
    m.additional.push_back(record("ns1.example.test. 300 IN A " + lab.address(srv::example1)));
    return Action::answer(std::move(m));
  });
  set_routes(lab, {route(lab, "test.", resolver::ZoneRoute::Kind::forward, {forwarder1})});
  Outcome out = lab.resolve("www.example.test.");
  CHECK(out.rcode == dns::rcode::servfail);
  CHECK(referrer.queries() >= 1);
  CHECK(lab.server(srv::example1).queries() == 0);
}

}  // namespace tern::testing

namespace tern::testing {

TEST_CASE("a forwarder fast on cached names gets time to recurse for a cold one",
          "[walk][routing][forward]") {
  Lab lab(in_process);
  lab.standard(1);
  int asked = 0;
  ScriptedServer& forwarder = lab.serve(forwarder1, [&](const dns::Message& query, Transport transport) {
    Action action = recursive_answer("198.51.100.9")(query, transport);
    // The first answer comes at once (the resolver learns an RTT well under a millisecond);
    // the second takes as long as a walk from the root, far beyond an RTT-based timeout.
    if (++asked > 1) action.delay = std::chrono::milliseconds(600);
    return action;
  });
  set_routes(lab, {route(lab, "corp.test.", resolver::ZoneRoute::Kind::forward, {forwarder1})});
  CHECK(addresses(lab.resolve("warm.corp.test.").answer) == Strings{"198.51.100.9"});
  Outcome cold = lab.resolve("cold.corp.test.");
  INFO(cold.ede_text);
  CHECK(cold.rcode == dns::rcode::noerror);
  CHECK(addresses(cold.answer) == Strings{"198.51.100.9"});
  CHECK(forwarder.queries() == 2);
}

}  // namespace tern::testing
