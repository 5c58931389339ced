// What an off-path forger can and cannot get into tern over the wire: replies with a wrong ID,
// from a wrong port, for another question, garbage. None of it may reach a client or the
// cache. (Out-of-bailiwick records from a genuine server: tests/walk/walk_test.cpp.)
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

namespace tern::testing {

using dns::rrtype::A;
using Strings = std::vector<std::string>;

namespace {

/// An authoritative-looking answer "qname A 6.6.6.6" (the forger's data).
dns::Message forged_answer(std::string_view qname) {
  dns::Message m;
  m.aa = true;
  m.answer.push_back(record(std::string(qname) + " 300 IN A 6.6.6.6"));
  return m;
}

std::vector<Forgery> every_forgery(std::string_view qname) {
  Forgery other_question{Forgery::Kind::other_question, forged_answer(qname), {}};
  other_question.message.questions.push_back(question("other.example.test."));
  other_question.message.answer.push_back(record("other.example.test. 300 IN A 6.6.6.6"));
  return {Forgery{Forgery::Kind::wrong_id, forged_answer(qname), {}},
          Forgery{Forgery::Kind::other_port, forged_answer(qname), {}},
          other_question};
}

bool holds_forged(const std::vector<dns::Record>& records) {
  auto a = addresses(records);
  return std::find(a.begin(), a.end(), "6.6.6.6") != a.end();
}

}  // namespace

TEST_CASE("forged replies sent before the genuine one are ignored", "[resolver][spoofing]") {
  Lab lab(40);
  lab.standard(1);
  const FakeZone& zone = lab.zone("example.test.");
  lab.server(srv::example1).set_handler([&zone](const dns::Message& q, Transport) {
    Action a = zone.respond(q);
    if (q.questions.front().name == name("www.example.test.")) a.before = every_forgery("www.example.test.");
    return a;
  });

  Outcome out = lab.resolve("www.example.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
  // The wrong-port datagram never reaches the connected socket (the kernel drops it); the
  // wrong-ID and wrong-question ones do, and are counted.
  CHECK(lab.stats.mismatched_replies == 2);
  CHECK(lab.server(srv::example1).queries("www.example.test.", A) == 1);
  lab.pump(50ms);
  // The answer is cached once, in the answer cache (the client's own direct answer).
  auto cached = lab.answers.find(question("www.example.test."));
  REQUIRE(cached);
  CHECK(addresses(cached->entry->records().answer) == Strings{"192.0.2.1"});
  CHECK_FALSE(lab.rrsets.find(name("www.example.test."), A));
  CHECK_FALSE(lab.rrsets.find(name("other.example.test."), A));
  CHECK_FALSE(lab.answers.find(question("other.example.test.")));
}

TEST_CASE("when only forged replies come the resolver times out: never the forged data",
          "[resolver][spoofing]") {
  Lab lab(41);
  lab.standard(2);
  const FakeZone& zone = lab.zone("example.test.");
  auto only_forgeries = [&zone](const dns::Message& q, Transport) {
    if (q.questions.front().name != name("www.example.test.")) return zone.respond(q);
    Action a = Action::silence();
    a.before = every_forgery("www.example.test.");
    return a;
  };
  lab.server(srv::example1).set_handler(only_forgeries);
  lab.server(srv::example2).set_handler(only_forgeries);

  Outcome out = lab.resolve("www.example.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::servfail);
  CHECK_FALSE(holds_forged(out.answer));
  CHECK(out.answer.empty());
  CHECK(lab.server(srv::example1).queries() == 1);
  CHECK(lab.server(srv::example2).queries() == 1);
  CHECK(lab.stats.mismatched_replies == 4);
  CHECK(lab.stats.upstream_timeouts == 2);
  CHECK_FALSE(lab.rrsets.find(name("www.example.test."), A));
  CHECK_FALSE(lab.answers.find(question("www.example.test.")));
}

TEST_CASE("garbage replies are ignored and counted; the genuine answer is accepted",
          "[resolver][spoofing][malformed]") {
  Lab lab(42);
  lab.standard(1);
  const FakeZone& zone = lab.zone("example.test.");
  lab.server(srv::example1).set_handler([&zone](const dns::Message& q, Transport) {
    Action a = zone.respond(q);
    if (q.questions.front().name != name("www.example.test.")) return a;
    const std::uint8_t hi = static_cast<std::uint8_t>(q.id >> 8), lo = static_cast<std::uint8_t>(q.id);
    // Too short for a header; then the right ID with a question name that points at itself.
    a.before.push_back(Forgery{Forgery::Kind::raw, {}, {hi, lo, 0x84, 0x00, 0x00}});
    a.before.push_back(Forgery{Forgery::Kind::raw, {},
                               {hi, lo, 0x84, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1}});
    return a;
  });

  Outcome out = lab.resolve("www.example.test.");
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
  CHECK(lab.stats.malformed_replies == 2);
  CHECK(lab.stats.mismatched_replies == 0);
  CHECK(lab.server(srv::example1).queries() == 1);
}

}  // namespace tern::testing
