// Whole walks that should succeed: priming, referrals, caching, delegation reuse, glue-less
// delegations, CNAMEs, negative answers and QNAME minimisation. Every case checks what the
// client gets AND what the fake authorities were asked.
#include "resolver/limits.hpp"
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

namespace tern::testing {

using dns::rrtype::A;
using dns::rrtype::AAAA;
using dns::rrtype::NS;
using Strings = std::vector<std::string>;

TEST_CASE("a plain walk follows referrals from the hints, priming the root beside it; repeats come from the cache",
          "[walk]") {
  Lab lab(in_process);
  lab.standard(1);
  ScriptedServer& root = lab.server(srv::root);
  ScriptedServer& tld = lab.server(srv::tld_test);
  ScriptedServer& zone = lab.server(srv::example1);

  Outcome out = lab.resolve("www.example.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
  CHECK_FALSE(out.from_cache);
  // One minimised question per level (RFC 9156), from the hints; the RFC 8109 priming query
  // runs beside the walk (the client does not wait for it), so it is not the client's cost.
  REQUIRE(root.queries() == 2);
  CHECK(root.queries(".", NS) == 1);
  CHECK(root.queries("test.", A) == 1);
  CHECK(tld.queries() == 1);
  CHECK(tld.queries("example.test.", A) == 1);
  CHECK(zone.queries() == 1);
  CHECK(zone.queries("www.example.test.", A) == 1);
  CHECK(out.upstream_queries == 3);
  CHECK(lab.stats.upstream_queries == 4);

  SECTION("the same question again is answered from the cache, with no upstream query") {
    Outcome again = lab.resolve("www.example.test.");
    CHECK(again.rcode == dns::rcode::noerror);
    CHECK(again.from_cache);
    CHECK(addresses(again.answer) == Strings{"192.0.2.1"});
    CHECK(again.upstream_queries == 0);
    CHECK(lab.total_queries() == 4);
  }
  SECTION("another name of the zone goes straight to the zone's server") {
    Outcome mail = lab.resolve("mail.example.test.");
    CHECK(mail.rcode == dns::rcode::noerror);
    CHECK(addresses(mail.answer) == Strings{"192.0.2.2"});
    CHECK(mail.upstream_queries == 1);
    CHECK(root.queries() == 2);
    CHECK(tld.queries() == 1);
    CHECK(zone.queries("mail.example.test.", A) == 1);
  }
}

TEST_CASE("a glue-less delegation: the NS name is resolved first and then the answer",
          "[walk]") {
  Lab lab(in_process);
  lab.standard(1);
  lab.zone("test.").delegate("glueless.test.", "ns.provider.net.");
  lab.zone("net.").delegate("provider.net.", "ns1.provider.net.", lab.address(20));
  lab.zone("provider.net.").add("ns.provider.net. 300 IN A " + lab.address(21));
  lab.zone("glueless.test.").add("www.glueless.test. 300 IN A 192.0.2.30");
  ScriptedServer& provider = lab.serve(20, "provider.net.");
  ScriptedServer& glueless = lab.serve(21, "glueless.test.");

  Outcome out = lab.resolve("www.glueless.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.30"});
  CHECK(provider.queries() == 1);
  CHECK(provider.queries("ns.provider.net.", A) == 1);
  CHECK(glueless.queries() == 1);
  CHECK(glueless.queries("www.glueless.test.", A) == 1);
  CHECK(lab.server(srv::tld_net).queries("provider.net.", A) == 1);
  // root: ". NS", "test. A", "net. A"; test.: 1; net.: 1; provider: 1; glueless: 1. The
  // priming runs beside the walk: not the client's cost.
  CHECK(lab.server(srv::root).queries() == 3);
  CHECK(out.upstream_queries == 6);
  CHECK(lab.total_queries() == 7);
  // The server's address is now known: a second name costs one query.
  Outcome second = lab.resolve("other.glueless.test.");
  CHECK(second.rcode == dns::rcode::nxdomain);
  CHECK(second.upstream_queries == 1);
}

TEST_CASE("glue outside the delegating zone's bailiwick is ignored", "[walk][bailiwick]") {
  Lab lab(in_process);
  lab.standard(1);
  // test. hands out an address for ns.attacker.net: not its data to give (RFC 2181 §5.4.1).
  lab.zone("test.").delegate("victim.test.", "ns.attacker.net.", lab.address(66));
  lab.zone("net.").delegate("attacker.net.", "ns1.attacker.net.", lab.address(30));
  lab.zone("attacker.net.").add("ns.attacker.net. 300 IN A " + lab.address(31));
  lab.zone("victim.test.").add("www.victim.test. 300 IN A 192.0.2.40");
  ScriptedServer& evil = lab.serve(66, [](const dns::Message& q, Transport) {
    return Action::records({q.questions.front().name.to_text() + " 300 IN A 6.6.6.6"});
  });
  lab.serve(30, "attacker.net.");
  ScriptedServer& victim = lab.serve(31, "victim.test.");

  Outcome out = lab.resolve("www.victim.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.40"});
  CHECK(evil.queries() == 0);
  CHECK(victim.queries() == 1);
  CHECK(lab.server(30).queries("ns.attacker.net.", A) == 1);
  CHECK(lab.stats.scrubbed_records >= 1);
  auto cached = lab.rrsets.find(name("ns.attacker.net."), A);
  REQUIRE(cached);
  CHECK(addresses(cached->records) == Strings{lab.address(31)});
}

TEST_CASE("out-of-bailiwick records in a reply never reach the client or the cache",
          "[walk][spoofing][bailiwick]") {
  Lab lab(in_process);
  lab.standard(1);
  lab.zone("test.").delegate("other.test.", "ns1.other.test.", lab.address(20));
  lab.zone("other.test.").add("www.other.test. 300 IN A 192.0.2.77");
  ScriptedServer& other = lab.serve(20, "other.test.");
  ScriptedServer& evil = lab.serve(66, [](const dns::Message& q, Transport) {
    return Action::records({q.questions.front().name.to_text() + " 300 IN A 6.6.6.6"});
  });
  const FakeZone& zone = lab.zone("example.test.");
  const std::string evil_address = lab.address(66);
  // example.test's own server, answering for its own name, slips in data about other.test
  // in every section (the Kaminsky-style payload).
  lab.server(srv::example1).set_handler([&zone, evil_address](const dns::Message& q, Transport) {
    Action a = zone.respond(q);
    a.reply->answer.push_back(record("www.other.test. 300 IN A 6.6.6.6"));
    a.reply->authority.push_back(record("other.test. 300 IN NS ns.evil.test."));
    a.reply->additional.push_back(record("ns.evil.test. 300 IN A " + evil_address));
    a.reply->additional.push_back(record("ns1.other.test. 300 IN A " + evil_address));
    return a;
  });

  Outcome out = lab.resolve("www.example.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
  CHECK(out.answer.size() == 1);
  CHECK(out.authority.empty());
  CHECK(lab.stats.scrubbed_records == 4);
  CHECK_FALSE(lab.rrsets.find(name("www.other.test."), A));
  CHECK_FALSE(lab.rrsets.find(name("other.test."), dns::rrtype::NS));
  CHECK_FALSE(lab.rrsets.find(name("ns.evil.test."), A));
  CHECK_FALSE(lab.answers.find(question("www.other.test.")));

  // Asking for www.other.test goes to its real authority and gets the real data.
  Outcome real = lab.resolve("www.other.test.");
  INFO(show(real.answer));
  CHECK(real.rcode == dns::rcode::noerror);
  CHECK(addresses(real.answer) == Strings{"192.0.2.77"});
  CHECK(other.queries("www.other.test.", A) == 1);
  CHECK(lab.server(srv::tld_test).queries("other.test.", A) == 1);
  CHECK(evil.queries() == 0);
}

TEST_CASE("QNAME minimisation", "[walk][qmin]") {
  auto build = [](Lab& lab) {
    lab.standard(1);
    lab.zone("example.test.").add("a.b.c.example.test. 300 IN A 192.0.2.50");
  };
  auto max_labels = [](const ScriptedServer& server) {
    std::size_t most = 0;
    for (const auto& r : server.received()) most = std::max(most, r.question.name.label_count());
    return most;
  };

  SECTION("relaxed (the default): servers above the zone only see one label more than theirs") {
    Lab lab(in_process);
    build(lab);
    Outcome out = lab.resolve("a.b.c.example.test.");
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(addresses(out.answer) == Strings{"192.0.2.50"});
    CHECK(max_labels(lab.server(srv::root)) == 1);
    CHECK(max_labels(lab.server(srv::tld_test)) == 2);
    CHECK(lab.server(srv::root).queries("a.b.c.example.test.", A) == 0);
    CHECK(lab.server(srv::tld_test).queries("a.b.c.example.test.", A) == 0);
    ScriptedServer& zone = lab.server(srv::example1);
    CHECK(zone.queries("c.example.test.", A) == 1);
    CHECK(zone.queries("b.c.example.test.", A) == 1);
    CHECK(zone.queries("a.b.c.example.test.", A) == 1);
    CHECK(zone.queries() == 3);
  }
  SECTION("off: every server sees the full name") {
    Lab lab(in_process);
    lab.options.qname_minimisation = resolver::QnameMinimisation::off;
    build(lab);
    Outcome out = lab.resolve("a.b.c.example.test.");
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(addresses(out.answer) == Strings{"192.0.2.50"});
    CHECK(lab.server(srv::root).queries("a.b.c.example.test.", A) == 1);
    CHECK(lab.server(srv::tld_test).queries("a.b.c.example.test.", A) == 1);
    CHECK(lab.server(srv::example1).queries() == 1);
    CHECK(lab.total_queries() == 4);  // priming, root, TLD, zone
  }
  // A server that says NXDOMAIN for an empty non-terminal (broken, RFC 8020 says nothing
  // is below it): relaxed mode asks the full name instead; strict mode believes it.
  auto broken_ent = [](Lab& lab) {
    const FakeZone& zone = lab.zone("example.test.");
    lab.server(srv::example1).set_handler([&zone](const dns::Message& q, Transport t) {
      const dns::Name& n = q.questions.front().name;
      if (n == name("c.example.test.") || n == name("b.c.example.test.")) {
        Action a = zone.respond(q);
        a.reply->rcode = dns::rcode::nxdomain;
        return a;
      }
      return zone.handler()(q, t);
    });
  };
  SECTION("relaxed: an NXDOMAIN for an empty non-terminal falls back to the full name") {
    Lab lab(in_process);
    build(lab);
    broken_ent(lab);
    Outcome out = lab.resolve("a.b.c.example.test.");
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(addresses(out.answer) == Strings{"192.0.2.50"});
    ScriptedServer& zone = lab.server(srv::example1);
    CHECK(zone.queries("c.example.test.", A) == 1);
    CHECK(zone.queries("b.c.example.test.", A) == 0);
    CHECK(zone.queries("a.b.c.example.test.", A) == 1);
    CHECK(zone.queries() == 2);
  }
  SECTION("strict: the same NXDOMAIN is final (RFC 8020)") {
    Lab lab(in_process);
    lab.options.qname_minimisation = resolver::QnameMinimisation::strict;
    build(lab);
    broken_ent(lab);
    Outcome out = lab.resolve("a.b.c.example.test.");
    CHECK(out.rcode == dns::rcode::nxdomain);
    CHECK(out.answer.empty());
    CHECK(lab.server(srv::example1).queries() == 1);
  }
}

TEST_CASE("a CNAME chain across two zones is followed", "[walk][cname]") {
  Lab lab(in_process);
  lab.standard(1);
  lab.zone("example.test.").add("alias.example.test. 300 IN CNAME www.other.test.");
  lab.zone("test.").delegate("other.test.", "ns1.other.test.", lab.address(20));
  lab.zone("other.test.").add("www.other.test. 300 IN A 192.0.2.60");
  ScriptedServer& other = lab.serve(20, "other.test.");

  Outcome out = lab.resolve("alias.example.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  REQUIRE(out.answer.size() == 2);
  CHECK(out.answer[0].type == dns::rrtype::CNAME);
  CHECK(out.answer[0].owner == name("alias.example.test."));
  CHECK(dns::rdata_target(out.answer[0]) == name("www.other.test."));
  CHECK(out.answer[1].owner == name("www.other.test."));
  CHECK(a_text(out.answer[1]) == "192.0.2.60");
  CHECK(lab.server(srv::example1).queries("alias.example.test.", A) == 1);
  CHECK(other.queries("www.other.test.", A) == 1);
  CHECK(lab.server(srv::tld_test).queries() == 2);  // example.test, then other.test
  CHECK(out.upstream_queries == 5);  // the priming beside it not counted

  // The whole chain is cached: the same question and the target's own are free.
  CHECK(lab.resolve("alias.example.test.").upstream_queries == 0);
  Outcome target = lab.resolve("www.other.test.");
  CHECK(addresses(target.answer) == Strings{"192.0.2.60"});
  CHECK(target.upstream_queries == 0);
  CHECK(lab.total_queries() == 6);
}

TEST_CASE("NXDOMAIN and NODATA carry the SOA and are cached", "[walk][negative]") {
  Lab lab(in_process);
  lab.standard(1);
  ScriptedServer& zone = lab.server(srv::example1);

  Outcome nx = lab.resolve("nope.example.test.");
  CHECK(nx.rcode == dns::rcode::nxdomain);
  CHECK(nx.answer.empty());
  REQUIRE(nx.authority.size() == 1);
  CHECK(nx.authority[0].type == dns::rrtype::SOA);
  CHECK(nx.authority[0].owner == name("example.test."));
  CHECK(zone.queries("nope.example.test.", A) == 1);

  Outcome nodata = lab.resolve("www.example.test.", AAAA);
  CHECK(nodata.rcode == dns::rcode::noerror);
  CHECK(nodata.answer.empty());
  REQUIRE(nodata.authority.size() == 1);
  CHECK(nodata.authority[0].type == dns::rrtype::SOA);
  CHECK(zone.queries("www.example.test.", AAAA) == 1);
  const std::size_t before = lab.total_queries();

  Outcome nx2 = lab.resolve("nope.example.test.");
  CHECK(nx2.rcode == dns::rcode::nxdomain);
  CHECK(nx2.from_cache);
  REQUIRE(nx2.authority.size() == 1);
  CHECK(nx2.authority[0].type == dns::rrtype::SOA);
  Outcome nodata2 = lab.resolve("www.example.test.", AAAA);
  CHECK(nodata2.rcode == dns::rcode::noerror);
  CHECK(nodata2.from_cache);
  CHECK(nodata2.answer.empty());
  CHECK(nodata2.authority.size() == 1);
  CHECK(lab.total_queries() == before);
}

}  // namespace tern::testing
