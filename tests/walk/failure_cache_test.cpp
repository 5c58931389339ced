// RFC 9520 failure caching: a failed resolution is remembered (question and zone), repeated
// questions cost no upstream query until the memory expires, repeated failures back off up to
// the cap, a success forgets, and a trace still walks.
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>

namespace tern::testing {

using dns::rrtype::A;

TEST_CASE("failure cache: a REFUSING zone is asked once per failure TTL, with backoff up to the cap",
          "[walk][failure-cache]") {
  Lab lab(in_process);
  lab.standard(1);
  lab.answers.failures().set_bounds(cache::FailureBounds{1, 4});
  lab.zone("test.").delegate("broken.test.", "ns1.broken.test.", lab.address(30));
  lab.zone("broken.test.").add("www.broken.test. 300 IN A 192.0.2.30");
  ScriptedServer& broken = lab.serve(30, [](const dns::Message&, Transport) {
    return Action::rcode(dns::rcode::refused);
  });

  Outcome first = lab.resolve("www.broken.test.");
  const std::size_t asked = broken.queries();
  CHECK(first.rcode == dns::rcode::servfail);
  CHECK(first.ede == resolver::ede::no_reachable_authority);
  CHECK(asked >= 1);

  // Within the failure TTL: the same question and another name in the zone fail from memory.
  for (int i = 0; i < 20; ++i) {
    Outcome again = lab.resolve("www.broken.test.");
    CHECK(again.rcode == dns::rcode::servfail);
    CHECK(again.ede == resolver::ede::cached_error);
    CHECK(again.upstream_queries == 0);
    Outcome other = lab.resolve("host" + std::to_string(i) + ".broken.test.");
    CHECK(other.rcode == dns::rcode::servfail);
    CHECK(other.ede == resolver::ede::cached_error);
  }
  CHECK(broken.queries() == asked);
  CHECK(lab.answers.failures().hits() >= 40);

  // Each expiry lets one walk through; each new failure doubles the TTL: 1, 2, 4, then the cap 4.
  const dns::Question www = question("www.broken.test.");
  std::uint32_t expected_ttl = 1;
  for (int round = 0; round < 4; ++round) {
    INFO("round " << round);
    auto remembered = lab.answers.failures().find(cache::FailureKey::question(www));
    REQUIRE(remembered);
    CHECK(remembered->ttl == expected_ttl);
    lab.clock.advance(std::chrono::milliseconds(expected_ttl * 1000 - 200));
    const std::size_t before = broken.queries();
    CHECK(lab.resolve("www.broken.test.").ede == resolver::ede::cached_error);
    CHECK(broken.queries() == before);  // not yet expired
    lab.clock.advance(std::chrono::milliseconds(400));
    Outcome retried = lab.resolve("www.broken.test.");
    CHECK(retried.rcode == dns::rcode::servfail);
    CHECK(retried.ede == resolver::ede::no_reachable_authority);
    CHECK(broken.queries() > before);  // expired: asked again
    expected_ttl = std::min<std::uint32_t>(expected_ttl * 2, 4);
  }

  // The zone is repaired: still SERVFAIL from memory until the entry expires, then answered,
  // and the success forgets the failure.
  FakeZone& zone = lab.zone("broken.test.");
  broken.set_handler([&zone](const dns::Message& q, Transport) { return zone.respond(q); });
  CHECK(lab.resolve("www.broken.test.").ede == resolver::ede::cached_error);
  lab.clock.advance(std::chrono::seconds(5));
  Outcome repaired = lab.resolve("www.broken.test.");
  CHECK(addresses(repaired.answer) == std::vector<std::string>{"192.0.2.30"});
  CHECK_FALSE(lab.answers.failures().entries().find(cache::FailureKey::question(www)).value);
}

TEST_CASE("failure cache: a silent server times out once; trace and refresh still walk; 0 turns it off",
          "[walk][failure-cache]") {
  Lab lab(in_process);
  lab.standard(1);
  lab.zone("test.").delegate("silent.test.", "ns1.silent.test.", lab.address(31));
  ScriptedServer& silent = lab.serve(31, [](const dns::Message&, Transport) { return Action::silence(); });

  Outcome first = lab.resolve("www.silent.test.");
  const std::size_t asked = silent.queries();
  CHECK(first.rcode == dns::rcode::servfail);
  CHECK(asked >= 1);
  for (int i = 0; i < 5; ++i) {
    Outcome again = lab.resolve("www.silent.test.");
    CHECK(again.ede == resolver::ede::cached_error);
    CHECK(again.from_cache);
  }
  CHECK(silent.queries() == asked);

  // ternctl trace reads no cache, the failure cache included: it walks and meets the silence.
  std::optional<resolver::TraceResult> run = lab.run(lab.resolver().trace(question("www.silent.test.")));
  REQUIRE(run);
  const resolver::TraceResult& traced = *run;
  CHECK(traced.outcome.rcode == dns::rcode::servfail);
  CHECK(traced.outcome.ede != resolver::ede::cached_error);
  CHECK(silent.queries() > asked);

  // cache-max-failure-ttl 0: nothing is remembered, every question walks.
  lab.answers.failures().set_bounds(cache::FailureBounds{1, 0});
  const std::size_t before = silent.queries();
  Outcome off = lab.resolve("www.silent.test.");
  CHECK(off.ede != resolver::ede::cached_error);
  CHECK(silent.queries() > before);
}

}  // namespace tern::testing
