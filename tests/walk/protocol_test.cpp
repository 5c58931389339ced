// Protocol details of the walk against scripted authorities: QNAME minimisation's fallbacks
// and bounds (RFC 9156), the Extended DNS Error a failed walk carries (RFC 8914), DNS cookies
// towards authorities (RFC 7873, RFC 9018). 0x20 and forged cookies need the wire:
// tests/resolver/protocol_test.cpp.
#include "resolver/dns/cookie.hpp"
#include "resolver/limits.hpp"
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

namespace tern::testing {

using dns::rrtype::A;
using Strings = std::vector<std::string>;

TEST_CASE("QNAME minimisation: errors for empty non-terminals and long names",
          "[walk][qmin]") {
  auto build = [](Lab& lab) {
    lab.standard(1);
    lab.zone("example.test.").add("a.b.c.example.test. 300 IN A 192.0.2.50");
  };
  // A server that fails on the empty non-terminals (a broken middlebox or load balancer):
  // relaxed mode asks the full name instead and gets the answer.
  auto failing_ent = [](Lab& lab, std::uint16_t rcode) {
    const FakeZone& zone = lab.zone("example.test.");
    lab.server(srv::example1).set_handler([&zone, rcode](const dns::Message& q, Transport t) {
      const dns::Name& n = q.questions.front().name;
      if (n == name("c.example.test.") || n == name("b.c.example.test.")) return Action::rcode(rcode);
      return zone.handler()(q, t);
    });
  };
  for (std::uint16_t rcode : {dns::rcode::refused, dns::rcode::servfail}) {
    DYNAMIC_SECTION("relaxed: " << dns::rcode_to_text(rcode) << " for an empty non-terminal falls back") {
      Lab lab(in_process);
      build(lab);
      failing_ent(lab, rcode);
      Outcome out = lab.resolve("a.b.c.example.test.");
      CHECK(out.rcode == dns::rcode::noerror);
      CHECK(addresses(out.answer) == Strings{"192.0.2.50"});
      ScriptedServer& zone = lab.server(srv::example1);
      CHECK(zone.queries("c.example.test.", A) >= 1);
      CHECK(zone.queries("b.c.example.test.", A) == 0);
      CHECK(zone.queries("a.b.c.example.test.", A) == 1);
    }
  }
  SECTION("strict: a REFUSED minimised query is not retried with the full name") {
    Lab lab(in_process);
    lab.options.qname_minimisation = resolver::QnameMinimisation::strict;
    build(lab);
    failing_ent(lab, dns::rcode::refused);
    Outcome out = lab.resolve("a.b.c.example.test.");
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK(lab.server(srv::example1).queries("a.b.c.example.test.", A) == 0);
  }
  SECTION("a 30-label name costs at most MAX_MINIMISE_COUNT minimised queries (RFC 9156 §2.3)") {
    Lab lab(in_process);
    lab.standard(1);
    std::string long_name;
    for (int i = 28; i >= 1; --i) long_name += "l" + std::to_string(i) + ".";
    long_name += "example.test.";
    lab.zone("example.test.").add(long_name + " 300 IN A 192.0.2.51");
    Outcome out = lab.resolve(long_name);
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(addresses(out.answer) == Strings{"192.0.2.51"});
    // Priming, then max_minimise_steps minimised queries (two of them to the root and the
    // TLD), then the full name once.
    CHECK(lab.total_queries() == 1 + resolver::limits::max_minimise_steps + 1);
    ScriptedServer& zone = lab.server(srv::example1);
    CHECK(zone.queries(long_name, A) == 1);
    // The first four steps show one label each (test., example.test., then l1 and l2 below
    // the zone); later steps several.
    REQUIRE(zone.received().size() >= 3);
    CHECK(zone.received()[0].question.name.label_count() == 3);
    CHECK(zone.received()[1].question.name.label_count() == 4);
    CHECK(zone.received()[2].question.name.label_count() > 5);
  }
}

TEST_CASE("QNAME minimisation: a budget of minimised queries per client query", "[walk][qmin]") {
  // A CNAME chain through three deep names in three zones: 9 + 8 + 8 minimised queries
  // unbounded; the budget stops at max_minimised_queries and asks the rest in full.
  Lab lab(in_process);
  lab.standard(1);
  const std::string deep = "l8.l7.l6.l5.l4.l3.l2.l1.";
  lab.zone("example.test.").add(deep + "example.test. 300 IN CNAME " + deep + "second.test.");
  lab.zone("test.").delegate("second.test.", "ns.second.test.", lab.address(20));
  lab.zone("second.test.").add(deep + "second.test. 300 IN CNAME " + deep + "third.test.");
  lab.serve(20, "second.test.");
  lab.zone("test.").delegate("third.test.", "ns.third.test.", lab.address(21));
  lab.zone("third.test.").add(deep + "third.test. 300 IN A 192.0.2.77");
  lab.serve(21, "third.test.");
  Outcome out = lab.resolve(deep + "example.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.77"});
  // Priming, the minimised queries, and one full query per name.
  CHECK(lab.total_queries() == 1 + resolver::limits::max_minimised_queries + 3);
  CHECK(lab.server(21).queries(deep + "third.test.", A) == 1);
}

TEST_CASE("a failed walk says why in its Extended DNS Error", "[walk][failure][ede]") {
  SECTION("servers that answer REFUSED: no reachable authority (22)") {
    Lab lab(in_process);
    lab.standard(1);
    lab.server(srv::example1).set_handler([](const dns::Message&, Transport) {
      return Action::rcode(dns::rcode::refused);
    });
    Outcome out = lab.resolve("www.example.test.");
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK(out.ede == resolver::ede::no_reachable_authority);
  }
  SECTION("servers whose port is closed (ICMP unreachable): network error (23)") {
    Lab lab(in_process);
    lab.standard(1);
    // Delegated to two addresses nothing listens on: the kernel refuses at once.
    lab.zone("test.").delegate("dead.test.", "ns1.dead.test.", lab.address(70));
    lab.zone("test.").delegate("dead.test.", "ns2.dead.test.", lab.address(71));
    Outcome out = lab.resolve("www.dead.test.");
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK(out.ede == resolver::ede::network_error);
    CHECK(lab.stats.upstream_unreachable >= 1);
  }
}

TEST_CASE("DNS cookies towards authorities (RFC 7873)", "[walk][cookies]") {
  SECTION("the server cookie an authority gives is remembered and sent back") {
    Lab lab(in_process);
    lab.standard(1);
    const FakeZone& zone = lab.zone("example.test.");
    std::vector<std::string> owned;  // client|server cookie of each query (copies, not views)
    lab.server(srv::example1).set_handler([&](const dns::Message& q, Transport) {
      Action a = zone.respond(q);
      auto c = cookie_of(q);
      owned.push_back(c ? std::string(c->client) + "|" + std::string(c->server) : std::string("none"));
      if (c) a.reply->edns = dns::Edns{1232, 0, false, dns::cookie_option(c->client, server_cookie_for(c->client))};
      return a;
    });
    CHECK(lab.resolve("www.example.test.").rcode == dns::rcode::noerror);
    CHECK(lab.resolve("mail.example.test.").rcode == dns::rcode::noerror);
    REQUIRE(owned.size() >= 2);
    const std::string client = owned.front().substr(0, 8);
    CHECK(owned.front() == client + "|");  // first contact: the client cookie alone
    CHECK(owned.back() == client + "|" + server_cookie_for(client));
    auto learnt = lab.infra.find(resolver::address_key(lab.server(srv::example1).address()));
    REQUIRE(learnt);
    CHECK(learnt->server_cookie == server_cookie_for(client));
    // Every server gets its own client cookie.
    auto root = lab.infra.find(resolver::address_key(lab.server(srv::root).address()));
    REQUIRE(root);
    CHECK(root->client_cookie.size() == 8);
    CHECK(root->client_cookie != client);
  }
  SECTION("BADCOOKIE: asked once more with the new server cookie") {
    Lab lab(in_process);
    lab.standard(1);
    const FakeZone& zone = lab.zone("example.test.");
    int badcookies = 0;
    lab.server(srv::example1).set_handler([&](const dns::Message& q, Transport) {
      auto c = cookie_of(q);
      REQUIRE(c);
      const std::string fresh = server_cookie_for(c->client, 'b');
      Action a = zone.respond(q);
      if (c->server != fresh) {  // RFC 7873 §5.2.3 for a server that requires cookies
        ++badcookies;
        a = Action::rcode(dns::rcode::badcookie);
      }
      a.reply->edns = dns::Edns{1232, 0, false, dns::cookie_option(c->client, fresh)};
      return a;
    });
    Outcome out = lab.resolve("www.example.test.");
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
    CHECK(badcookies == 1);
    CHECK(lab.stats.badcookie_retries == 1);
    CHECK(lab.server(srv::example1).queries() == 2);
  }
  SECTION("cookies off: no COOKIE option goes out") {
    Lab lab(in_process);
    lab.options.cookies = false;
    lab.standard(1);
    const FakeZone& zone = lab.zone("example.test.");
    int with_cookie = 0;
    lab.server(srv::example1).set_handler([&](const dns::Message& q, Transport) {
      if (cookie_of(q)) ++with_cookie;
      return zone.respond(q);
    });
    CHECK(lab.resolve("www.example.test.").rcode == dns::rcode::noerror);
    CHECK(with_cookie == 0);
  }
}

}  // namespace tern::testing
