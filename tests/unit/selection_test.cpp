#include "helpers.hpp"

#include "resolver/limits.hpp"
#include "resolver/selection.hpp"

#include <map>

using namespace tern;
using namespace std::chrono;
using resolver::Candidate;
using resolver::ServerFeedback;

namespace {
cache::ServerStats known(std::uint32_t srtt_us) {
  cache::ServerStats s;
  s.srtt_us = srtt_us;
  s.rttvar_us = srtt_us / 4;
  return s;
}
}  // namespace

TEST_CASE("timeouts follow the smoothed RTT within the limits", "[selection]") {
  CHECK(resolver::upstream_timeout(std::nullopt) == duration_cast<milliseconds>(resolver::unknown_server_rtt));
  CHECK(resolver::upstream_timeout(known(1000)) == resolver::limits::min_upstream_timeout);
  CHECK(resolver::upstream_timeout(known(200000)) == milliseconds(600));
  CHECK(resolver::upstream_timeout(known(5000000)) == resolver::limits::max_upstream_timeout);
}

TEST_CASE("the fastest live server is chosen most of the time", "[selection]") {
  resolver::SecureRandom rng;
  cache::TimePoint now{};
  std::vector<Candidate> c{{known(80000)}, {known(2000)}, {std::nullopt}};
  std::map<std::size_t, int> picks;
  for (int i = 0; i < 1600; ++i) ++picks[resolver::choose_server(c, now, rng)];
  CHECK(picks[1] > 1300);  // about 15/16 of the time
  CHECK(picks[0] + picks[2] > 20);  // exploration keeps the others' RTT fresh
}

TEST_CASE("a backed-off server is chosen only when nothing else is left", "[selection]") {
  resolver::SecureRandom rng;
  cache::TimePoint now{seconds(100)};
  auto down = known(1000);
  down.backoff_until = now + seconds(5);
  std::vector<Candidate> c{{down}, {known(300000)}};
  for (int i = 0; i < 200; ++i) CHECK(resolver::choose_server(c, now, rng) == 1);
  std::vector<Candidate> only{{down}};
  CHECK(resolver::choose_server(only, now, rng) == 0);
}

TEST_CASE("learning from exchanges", "[selection]") {
  cache::TimePoint now{seconds(100)};
  auto s = resolver::learn({}, ServerFeedback::ok, microseconds(10000), now);
  CHECK(s.srtt_us == 10000);
  s = resolver::learn(s, ServerFeedback::ok, microseconds(2000), now);
  CHECK(s.srtt_us == 9000);  // 7/8 old + 1/8 new
  SECTION("timeouts lengthen the estimate and back off from the third") {
    auto t = resolver::learn(s, ServerFeedback::timeout, microseconds(0), now);
    CHECK(t.srtt_us > s.srtt_us);
    CHECK(t.backoff_until <= now);
    t = resolver::learn(t, ServerFeedback::timeout, microseconds(0), now);
    t = resolver::learn(t, ServerFeedback::unreachable, microseconds(0), now);
    CHECK(t.consecutive_failures == 3);
    CHECK(t.backoff_until > now);
    CHECK(t.failures == 3);
    SECTION("a success clears the backoff") {
      auto ok = resolver::learn(t, ServerFeedback::ok, microseconds(1000), now);
      CHECK(ok.consecutive_failures == 0);
      CHECK(ok.backoff_until == cache::TimePoint{});
    }
  }
  SECTION("backoff is capped at a minute") {
    auto t = s;
    for (int i = 0; i < 40; ++i) t = resolver::learn(t, ServerFeedback::timeout, microseconds(0), now);
    CHECK(t.backoff_until <= now + seconds(60));
  }
}

TEST_CASE("timeouts and failed TCP retries are counted apart from other failures (ternctl infra show)",
          "[selection]") {
  cache::ServerStats s;
  const cache::TimePoint now{};
  s = resolver::learn(s, ServerFeedback::timeout, microseconds(0), now);
  s = resolver::learn(s, ServerFeedback::tcp_failed, microseconds(0), now);
  s = resolver::learn(s, ServerFeedback::servfail, microseconds(1000), now);
  s = resolver::learn(s, ServerFeedback::timeout, microseconds(0), now);
  CHECK(s.failures == 4);
  CHECK(s.timeouts == 2);
  CHECK(s.tcp_failures == 1);
  s = resolver::learn(s, ServerFeedback::ok, microseconds(1000), now);
  CHECK(s.timeouts == 2);  // all time, not reset by a success
}
