// The decisions taken when client connection slots run short (issue 16): the pressure levels,
// the idle timeout each brings, which connection an eviction closes (a pure function), and the
// eviction as ConnectionCounter carries it out.
#include <catch2/catch.hpp>

#include "daemon/listeners/connection_limits.hpp"
#include "daemon/listeners/connection_pressure.hpp"

#include <vector>

using namespace tern::daemon;
using namespace std::chrono_literals;

namespace {

const auto t0 = std::chrono::steady_clock::time_point() + 1h;
const auto a = asio::ip::make_address("192.0.2.1"), b = asio::ip::make_address("192.0.2.2"),
           c = asio::ip::make_address("2001:db8::3"), fresh = asio::ip::make_address("198.51.100.7");

}  // namespace

TEST_CASE("pressure levels at half and at 80 % of the slots", "[limits][pressure]") {
  CHECK(pressure_level(0, 100) == PressureLevel::none);
  CHECK(pressure_level(50, 100) == PressureLevel::none);
  CHECK(pressure_level(51, 100) == PressureLevel::high);
  CHECK(pressure_level(80, 100) == PressureLevel::high);
  CHECK(pressure_level(81, 100) == PressureLevel::severe);
  CHECK(pressure_level(120, 100) == PressureLevel::severe);  // a reload lowered the bound
  CHECK(pressure_level(0, 0) == PressureLevel::severe);
}

TEST_CASE("the idle timeout shrinks with pressure, never below 200 ms nor above the configured", "[limits][pressure]") {
  CHECK(idle_timeout_under_pressure(10s, PressureLevel::none) == 10s);
  CHECK(idle_timeout_under_pressure(10s, PressureLevel::high) == 1s);
  CHECK(idle_timeout_under_pressure(10s, PressureLevel::severe) == 200ms);
  CHECK(idle_timeout_under_pressure(1s, PressureLevel::high) == 200ms);  // a tenth would be 100 ms
  CHECK(idle_timeout_under_pressure(150ms, PressureLevel::high) == 150ms);
  CHECK(idle_timeout_under_pressure(150ms, PressureLevel::severe) == 150ms);
}

TEST_CASE("pick_eviction: the idlest connection of the address holding the most", "[limits][eviction]") {
  const std::vector<OpenConnection> open{
      {a, t0 + 5s, false}, {b, t0 + 1s, false}, {b, t0 + 3s, false}, {b, t0 + 2s, false},
      {c, t0, false},      {c, t0 + 4s, false},
  };
  // b holds 3: its idlest (index 1) goes, though c's connection at t0 is idler still.
  CHECK(pick_eviction(open, fresh) == 1u);
  CHECK(pick_eviction(open, a) == 1u);  // a holds 1: 1 + 2 <= 3
  CHECK(pick_eviction(open, c) == std::nullopt);  // c holds 2: it would end with as many as b
  CHECK(pick_eviction(open, b) == std::nullopt);  // never from itself
}

TEST_CASE("pick_eviction: idle before busy, ties to the idler address, equal shares stay", "[limits][eviction]") {
  SECTION("a busy connection goes only when its address has no idle one") {
    const std::vector<OpenConnection> open{{a, t0, true}, {a, t0 + 2s, false}, {a, t0 + 1s, true}};
    CHECK(pick_eviction(open, fresh) == 1u);
    const std::vector<OpenConnection> all_busy{{a, t0 + 1s, true}, {a, t0, true}};
    CHECK(pick_eviction(all_busy, fresh) == 1u);
  }
  SECTION("two addresses hold the most: the one with the idler connection loses it") {
    const std::vector<OpenConnection> open{{a, t0 + 2s, false}, {a, t0 + 3s, false}, {b, t0 + 4s, false},
                                           {b, t0 + 1s, false}};
    CHECK(pick_eviction(open, fresh) == 3u);
  }
  SECTION("one connection per address: nobody is evicted") {
    const std::vector<OpenConnection> open{{a, t0, false}, {b, t0, false}, {c, t0, false}};
    CHECK(pick_eviction(open, fresh) == std::nullopt);
  }
  SECTION("nothing open") { CHECK(pick_eviction({}, fresh) == std::nullopt); }
}

TEST_CASE("ConnectionCounter: full, a fresh address evicts the idlest of the biggest holder", "[limits][eviction]") {
  using Verdict = ConnectionCounter::Verdict;
  ConnectionCounter counter;
  std::vector<ConnectionCounter::Slot> held;
  std::vector<int> woken(4, 0);
  std::optional<ConnectionCounter::Slot> slot;
  for (int i = 0; i < 4; ++i) {  // a, a, a, b in 4 slots, 3 per address at most
    REQUIRE(counter.try_admit(i < 3 ? a : b, 4, 3, slot) == Verdict::admitted);
    slot->on_wake([&woken, i] { ++woken[i]; });
    held.push_back(std::move(*slot));
    slot.reset();
  }
  // The 3rd admission made it 75 % (high): the two running ones were woken (the 4th, severe,
  // wakes them again unless that came within 100 ms of the first).
  CHECK(woken[0] >= 1);
  CHECK(woken[1] >= 1);
  CHECK(woken[3] == 0);
  CHECK(counter.try_admit(a, 4, 3, slot) == Verdict::over_client);  // before any eviction
  held[0].activity().query_started();  // a's first two are busy, its third idle
  held[1].activity().query_started();

  // b holds 1, a 3: b takes the slot of a's idle connection, which alone is told.
  const std::vector<int> before = woken;
  REQUIRE(counter.try_admit(b, 4, 3, slot) == Verdict::admitted_by_eviction);
  CHECK(held[2].activity().evicted());
  CHECK_FALSE(held[0].activity().evicted());
  CHECK(woken == std::vector<int>{before[0], before[1], before[2] + 1, before[3]});
  CHECK(counter.open() == 4);
  held.push_back(std::move(*slot));
  slot.reset();

  // a 2, b 2: neither takes from the other.
  CHECK(counter.try_admit(b, 4, 3, slot) == Verdict::over_total);
  CHECK(counter.try_admit(a, 4, 3, slot) == Verdict::over_total);
  held.erase(held.begin() + 2);  // the evicted one closes: its slot was given away already
  CHECK(counter.open() == 4);
  held.erase(held.begin());      // a closes one of its own: a slot comes free
  CHECK(counter.open() == 3);
  CHECK(counter.try_admit(a, 4, 3, slot) == Verdict::admitted);
  slot.reset();
  held.clear();
  CHECK(counter.open() == 0);
}

TEST_CASE("ConnectionCounter: a connection not yet running is evicted by its flag alone", "[limits][eviction]") {
  ConnectionCounter counter;
  std::vector<ConnectionCounter::Slot> held;
  std::optional<ConnectionCounter::Slot> slot;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(counter.try_admit(a, 3, 3, slot) == ConnectionCounter::Verdict::admitted);
    held.push_back(std::move(*slot));
    slot.reset();
  }
  held[0].activity().query_started();
  held[2].activity().query_started();
  // No wake set yet (none has started): the idle one is chosen all the same; it reads the flag
  // when it starts, and its slot is already the newcomer's.
  CHECK(counter.try_admit(fresh, 3, 3, slot) == ConnectionCounter::Verdict::admitted_by_eviction);
  CHECK(held[1].activity().evicted());
  CHECK(counter.open() == 3);
}
