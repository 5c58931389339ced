// What an off-path or on-path forger can and cannot get into tern: replies with a wrong ID,
// from a wrong port, for another question, garbage, and out-of-bailiwick records from a
// genuine server. None of it may reach a client or the cache.
#include "tests/resolver/lab.hpp"

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

TEST_CASE("out-of-bailiwick records in a reply never reach the client or the cache",
          "[resolver][spoofing][bailiwick]") {
  Lab lab(43);
  lab.standard(1);
  lab.zone("test.").delegate("other.test.", "ns1.other.test.", lab.address(20));
  lab.zone("other.test.").add("www.other.test. 300 IN A 192.0.2.77");
  FakeAuthority& other = lab.serve(20, "other.test.");
  FakeAuthority& evil = lab.serve(66, [](const dns::Message& q, Transport) {
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

}  // namespace tern::testing
