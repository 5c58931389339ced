// The failure cache's own rules (RFC 9520): backoff, its cap, the memory that outlives an
// entry by the cap, a failure recorded twice while remembered, the off switch and the budget.
#include "helpers.hpp"

#include "cache/failure_cache.hpp"

using namespace tern;
using namespace tern::test;
using namespace std::chrono_literals;

namespace {
cache::FailureKey www() { return cache::FailureKey::question(question("www.broken.lab")); }
}  // namespace

TEST_CASE("failure cache: 1 s, then doubling per repeated failure up to the cap", "[cache][failure-cache]") {
  cache::FakeClock clock;
  cache::FailureCache f(1 << 20, cache::HashKey{1, 2}, clock, cache::FailureBounds{1, 8});
  CHECK_FALSE(f.find(www()));
  CHECK(f.record(www(), 22, "no reachable authority for broken.lab.") == 1);
  auto hit = f.find(www());
  REQUIRE(hit);
  CHECK(hit->ede == 22);
  CHECK(hit->why == "no reachable authority for broken.lab.");
  CHECK(hit->remaining == 1);
  // Recorded again while remembered (a nested walk, another worker): one step, not two.
  CHECK(f.record(www(), 22, "again") == 1);
  CHECK(f.find(www())->ttl == 1);
  for (std::uint32_t expected : {2u, 4u, 8u, 8u}) {
    clock.advance(1001ms * f.find(www())->ttl);
    CHECK_FALSE(f.find(www()));
    CHECK(f.record(www(), 22, "x") == expected);
  }
  CHECK(f.hits() == 6);  // the live finds above
  CHECK(f.remembered(www()));
  CHECK(f.hits() == 6);  // the walk's probe is no client hit
  // Forgotten after its TTL plus the cap: the next failure starts from 1 s again.
  clock.advance(17s);
  CHECK(f.record(www(), 22, "x") == 1);
  f.erase(www());
  CHECK_FALSE(f.find(www()));
}

TEST_CASE("failure cache: zone and question keys are apart; max 0 turns it off; min above max gives max",
          "[cache][failure-cache]") {
  cache::FakeClock clock;
  cache::FailureCache f(1 << 20, cache::HashKey{1, 2}, clock, cache::FailureBounds{1, 300});
  const auto zone = cache::FailureKey::zone_of(name("broken.lab"));
  f.record(zone, 22, "zone");
  CHECK(f.find(zone));
  CHECK_FALSE(f.find(cache::FailureKey::question(question("broken.lab"))));
  f.set_bounds(cache::FailureBounds{1, 0});
  CHECK_FALSE(f.find(zone));  // off: nothing is answered from memory
  CHECK(f.record(www(), 22, "x") == 0);
  f.set_bounds(cache::FailureBounds{10, 5});
  CHECK(f.record(www(), 22, "x") == 5);
}

TEST_CASE("failure cache: the byte budget bounds it", "[cache][failure-cache]") {
  cache::FakeClock clock;
  cache::FailureCache f(64 << 10, cache::HashKey{1, 2}, clock, cache::FailureBounds{1, 300});
  for (int i = 0; i < 5000; ++i)
    f.record(cache::FailureKey::question(question(("n" + std::to_string(i) + ".broken.lab").c_str())), 22,
             "no reachable authority for broken.lab.");
  const cache::CacheStats s = f.entries().stats();
  CHECK(s.bytes <= 64u << 10);
  CHECK(s.evictions > 0);
  CHECK(s.entries < 5000);
}
