// Protocol details that only the wire shows: 0x20 case randomisation (the query's case as it
// went out, replies in another case, forgeries in the wrong case) and a forged COOKIE over UDP
// (RFC 7873). The rest of the walk's protocol details run in process: tests/walk/protocol_test.cpp.
#include "resolver/dns/cookie.hpp"
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

namespace tern::testing {

using Strings = std::vector<std::string>;

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
    ScriptedServer& server = lab.server(srv::example1);
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
    ScriptedServer& server = lab.server(srv::example1);
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

TEST_CASE("DNS cookies: a reply whose client cookie is not ours is dropped as forged (RFC 7873)",
          "[resolver][cookies]") {
  // Over the wire: the forged reply is a datagram sent just before the genuine one.
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

}  // namespace tern::testing
