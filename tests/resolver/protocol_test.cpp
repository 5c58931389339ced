// Protocol details of the walk against scripted authorities: QNAME minimisation's fallbacks
// and bounds (RFC 9156), the Extended DNS Error a failed walk carries (RFC 8914), 0x20 case
// randomisation and DNS cookies towards authorities (RFC 7873, RFC 9018).
#include "resolver/dns/cookie.hpp"
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

TEST_CASE("QNAME minimisation: a budget of minimised queries per client query", "[resolver][walk][qmin]") {
  // A CNAME chain through three deep names in three zones: 9 + 8 + 8 minimised queries
  // unbounded; the budget stops at max_minimised_queries and asks the rest in full.
  Lab lab(76);
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


namespace {

/// A forged answer for `qname`: 6.6.6.6, authoritative.
dns::Message forged_answer(const std::string& qname) {
  dns::Message m;
  m.aa = true;
  m.answer.push_back(record(qname + " 300 IN A 6.6.6.6"));
  return m;
}

bool any_upper(const std::string& wire) {
  return std::any_of(wire.begin(), wire.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

/// The COOKIE option of a query, if it has a well-formed one.
std::optional<dns::CookieOption> cookie_of(const dns::Message& q) {
  dns::CookieOption c;
  if (!q.edns || dns::find_cookie(q.edns->options, c) != dns::CookieParse::ok) return std::nullopt;
  return c;
}

/// What a cookie-aware authority gives a client: a server cookie bound to its client cookie.
std::string server_cookie_for(std::string_view client, char generation = 'a') {
  return std::string(8, generation) + std::string(client);
}

}  // namespace

TEST_CASE("0x20: random case upstream, exact echo required, fallback for servers that lower-case",
          "[resolver][caps]") {
  SECTION("an echoing server: random case goes out, answers come back") {
    Lab lab(66);
    lab.options.use_caps_for_id = true;
    lab.standard(1);
    Outcome out = lab.resolve("www.example.test.");
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
    bool mixed = false;
    for (int server : {srv::root, srv::tld_test, srv::example1})
      for (const auto& r : lab.server(server).received()) mixed = mixed || any_upper(r.qname_wire);
    CHECK(mixed);  // 30-odd random letters all lower-case: one chance in a billion
    CHECK(lab.stats.caps_fallbacks == 0);
  }
  SECTION("off (the default): names go out lower-case") {
    Lab lab(67);
    lab.standard(1);
    CHECK(lab.resolve("www.example.test.").rcode == dns::rcode::noerror);
    for (const auto& r : lab.server(srv::example1).received()) CHECK_FALSE(any_upper(r.qname_wire));
  }
  SECTION("a server that answers in lower case is checked over TCP, then asked without 0x20") {
    Lab lab(68);
    lab.options.use_caps_for_id = true;
    lab.standard(1);
    const FakeZone& zone = lab.zone("example.test.");
    FakeAuthority& server = lab.server(srv::example1);
    server.set_handler([&zone](const dns::Message& q, Transport) {
      Action a = zone.respond(q);
      a.lowercase_question = true;
      return a;
    });
    Outcome out = lab.resolve("www.example.test.");
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
    CHECK(lab.stats.caps_fallbacks == 1);
    auto learnt = lab.infra.find(resolver::address_key(server.address()));
    REQUIRE(learnt);
    CHECK(learnt->no_caps_for_id);
    // The UDP query in random case got a lower-case reply only; the same over TCP (no forger
    // there) got one too: the server does not echo case, and its TCP reply is the answer.
    REQUIRE(server.queries() == 2);
    CHECK(server.received()[0].transport == Transport::udp);
    CHECK(any_upper(server.received()[0].qname_wire));
    CHECK(server.received()[1].transport == Transport::tcp);
    CHECK(any_upper(server.received()[1].qname_wire));
    // The next name goes to it without 0x20 straight away.
    server.reset_counts();
    CHECK(lab.resolve("mail.example.test.").rcode == dns::rcode::noerror);
    REQUIRE(server.queries() == 1);
    CHECK(server.received()[0].transport == Transport::udp);
    CHECK_FALSE(any_upper(server.received()[0].qname_wire));
    CHECK(lab.stats.caps_fallbacks == 1);
  }
  SECTION("forged replies in the wrong case and a genuine answer too late for the timeout do not "
          "turn 0x20 off") {
    // A forger that got port, ID and question right (here: the server itself sends the
    // forgery) but not the case, while the genuine answer is slower than the UDP timeout.
    Lab lab(70);
    lab.options.use_caps_for_id = true;
    lab.standard(1);
    const FakeZone& zone = lab.zone("example.test.");
    FakeAuthority& server = lab.server(srv::example1);
    server.set_handler([&zone](const dns::Message& q, Transport t) {
      if (t == Transport::tcp) return zone.respond(q);  // an off-path forger cannot answer over TCP
      // Over UDP only the forgery arrives (the genuine answer is lost or late): the query's ID
      // and question, the name in lower case, not in the query's random case.
      Action forged = Action::answer(forged_answer(q.questions.front().name.to_text()));
      forged.lowercase_question = true;
      return forged;
    });
    Outcome out = lab.resolve("www.example.test.");
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
    CHECK(lab.stats.mismatched_replies >= 1);
    CHECK(lab.stats.caps_fallbacks == 0);
    auto learnt = lab.infra.find(resolver::address_key(server.address()));
    REQUIRE(learnt);
    CHECK_FALSE(learnt->no_caps_for_id);
    // The check over TCP went in random case, and the next question over UDP does too.
    REQUIRE(server.queries() == 2);
    CHECK(server.received()[1].transport == Transport::tcp);
    server.reset_counts();
    server.set_handler(zone.handler());
    CHECK(lab.resolve("mail.example.test.").rcode == dns::rcode::noerror);
    REQUIRE(server.queries() == 1);
    CHECK(server.received()[0].transport == Transport::udp);
    CHECK(any_upper(server.received()[0].qname_wire));
  }
  SECTION("a forged reply with the right ID and question but the wrong case is ignored") {
    Lab lab(69);
    lab.options.use_caps_for_id = true;
    lab.standard(1);
    const FakeZone& zone = lab.zone("example.test.");
    lab.server(srv::example1).set_handler([&zone](const dns::Message& q, Transport) {
      Action a = zone.respond(q);
      a.before.push_back(Forgery{Forgery::Kind::other_case, forged_answer(q.questions.front().name.to_text()), {}});
      return a;
    });
    Outcome out = lab.resolve("www.example.test.");
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
    CHECK(lab.stats.mismatched_replies >= 1);
    CHECK(lab.stats.caps_fallbacks == 0);
  }
}

TEST_CASE("DNS cookies towards authorities (RFC 7873)", "[resolver][cookies]") {
  SECTION("the server cookie an authority gives is remembered and sent back") {
    Lab lab(72);
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
  SECTION("a reply whose client cookie is not ours is dropped as forged") {
    Lab lab(73);
    lab.standard(1);
    const FakeZone& zone = lab.zone("example.test.");
    lab.server(srv::example1).set_handler([&zone](const dns::Message& q, Transport) {
      Action a = zone.respond(q);
      auto c = cookie_of(q);
      if (c) a.reply->edns = dns::Edns{1232, 0, false, dns::cookie_option(c->client, server_cookie_for(c->client))};
      // Right ID, right question, answer 6.6.6.6: only the client cookie gives it away.
      dns::Message forged = forged_answer(q.questions.front().name.to_text());
      forged.id = q.id;
      forged.qr = true;
      forged.questions = q.questions;
      forged.edns = dns::Edns{1232, 0, false, dns::cookie_option("guessed!", server_cookie_for("guessed!"))};
      Forgery same_id;
      same_id.kind = Forgery::Kind::raw;
      same_id.bytes = *dns::build_message(forged);
      a.before.push_back(same_id);
      return a;
    });
    Outcome out = lab.resolve("www.example.test.");
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
    CHECK(lab.stats.mismatched_replies >= 1);
  }
  SECTION("BADCOOKIE: asked once more with the new server cookie") {
    Lab lab(74);
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
    Lab lab(75);
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
