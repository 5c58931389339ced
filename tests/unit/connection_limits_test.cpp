// The bound on open client connections, in all and per client address.
#include <catch2/catch.hpp>

#include "daemon/listeners/connection_limits.hpp"

#include <vector>

using tern::daemon::ConnectionCounter;

TEST_CASE("ConnectionCounter bounds the total and each client address", "[limits]") {
  ConnectionCounter counter;
  const auto a = asio::ip::make_address("192.0.2.1"), b = asio::ip::make_address("2001:db8::1");
  std::vector<ConnectionCounter::Slot> held;
  std::optional<ConnectionCounter::Slot> slot;
  for (int i = 0; i < 2; ++i) {
    REQUIRE(counter.try_admit(a, 3, 2, slot) == ConnectionCounter::Verdict::admitted);
    held.push_back(std::move(*slot));
    slot.reset();
  }
  CHECK(counter.try_admit(a, 3, 2, slot) == ConnectionCounter::Verdict::over_client);
  CHECK_FALSE(slot);
  REQUIRE(counter.try_admit(b, 3, 2, slot) == ConnectionCounter::Verdict::admitted);
  held.push_back(std::move(*slot));
  slot.reset();
  CHECK(counter.try_admit(b, 3, 2, slot) == ConnectionCounter::Verdict::over_total);
  CHECK(counter.open() == 3);
  held.erase(held.begin());  // one of a's closes: a may connect again
  CHECK(counter.open() == 2);
  CHECK(counter.try_admit(a, 3, 2, slot) == ConnectionCounter::Verdict::admitted);
  slot.reset();
  held.clear();
  CHECK(counter.open() == 0);
}
