// Protocol details of the walk against scripted authorities: QNAME minimisation's fallbacks
// and bounds (RFC 9156), the Extended DNS Error a failed walk carries (RFC 8914), 0x20 case
// randomisation and DNS cookies towards authorities (RFC 7873, RFC 9018).
#include "resolver/limits.hpp"
#include "tests/resolver/lab.hpp"

#include <catch2/catch.hpp>

namespace tern::testing {

using dns::rrtype::A;
using Strings = std::vector<std::string>;

TEST_CASE("QNAME minimisation: errors for empty non-terminals and long names",
          "[resolver][walk][qmin]") {
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
      Lab lab(rcode == dns::rcode::refused ? 60 : 61);
      build(lab);
      failing_ent(lab, rcode);
      Outcome out = lab.resolve("a.b.c.example.test.");
      CHECK(out.rcode == dns::rcode::noerror);
      CHECK(addresses(out.answer) == Strings{"192.0.2.50"});
      FakeAuthority& zone = lab.server(srv::example1);
      CHECK(zone.queries("c.example.test.", A) >= 1);
      CHECK(zone.queries("b.c.example.test.", A) == 0);
      CHECK(zone.queries("a.b.c.example.test.", A) == 1);
    }
  }
  SECTION("strict: a REFUSED minimised query is not retried with the full name") {
    Lab lab(62);
    lab.options.qname_minimisation = resolver::QnameMinimisation::strict;
    build(lab);
    failing_ent(lab, dns::rcode::refused);
    Outcome out = lab.resolve("a.b.c.example.test.");
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK(lab.server(srv::example1).queries("a.b.c.example.test.", A) == 0);
  }
  SECTION("a 30-label name costs at most MAX_MINIMISE_COUNT minimised queries (RFC 9156 §2.3)") {
    Lab lab(63);
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
    FakeAuthority& zone = lab.server(srv::example1);
    CHECK(zone.queries(long_name, A) == 1);
    // The first four steps show one label each (test., example.test., then l1 and l2 below
    // the zone); later steps several.
    REQUIRE(zone.received().size() >= 3);
    CHECK(zone.received()[0].question.name.label_count() == 3);
    CHECK(zone.received()[1].question.name.label_count() == 4);
    CHECK(zone.received()[2].question.name.label_count() > 5);
  }
}

TEST_CASE("a failed walk says why in its Extended DNS Error", "[resolver][failure][ede]") {
  SECTION("servers that answer REFUSED: no reachable authority (22)") {
    Lab lab(64);
    lab.standard(1);
    lab.server(srv::example1).set_handler([](const dns::Message&, Transport) {
      return Action::rcode(dns::rcode::refused);
    });
    Outcome out = lab.resolve("www.example.test.");
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK(out.ede == resolver::ede::no_reachable_authority);
  }
  SECTION("servers whose port is closed (ICMP unreachable): network error (23)") {
    Lab lab(65);
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

}  // namespace tern::testing
