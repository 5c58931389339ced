// edns-tcp-keepalive (RFC 7828) on wire messages: finding the client's empty option, appending
// the server's TIMEOUT in 100 ms units to the OPT record.
#include <catch2/catch.hpp>

#include "daemon/listeners/edns_keepalive.hpp"

#include <cstdint>
#include <vector>

using tern::daemon::add_keepalive;
using tern::daemon::query_asks_for_keepalive;
using namespace std::chrono_literals;

namespace {

using Bytes = std::vector<std::uint8_t>;

/// www.example.lab A with an OPT whose RDATA is `options` (no OPT when `with_opt` is false).
Bytes message(bool with_opt, const Bytes& options = {}) {
  Bytes m{0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(with_opt ? 1 : 0)};
  const Bytes qname{3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'l', 'a', 'b', 0};
  m.insert(m.end(), qname.begin(), qname.end());
  m.insert(m.end(), {0, 1, 0, 1});
  if (with_opt) {
    m.insert(m.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0});
    m.push_back(static_cast<std::uint8_t>(options.size() >> 8));
    m.push_back(static_cast<std::uint8_t>(options.size() & 0xff));
    m.insert(m.end(), options.begin(), options.end());
  }
  return m;
}

}  // namespace

TEST_CASE("query_asks_for_keepalive: option 11, empty, among others", "[keepalive]") {
  CHECK_FALSE(query_asks_for_keepalive(message(false)));
  CHECK_FALSE(query_asks_for_keepalive(message(true)));
  CHECK(query_asks_for_keepalive(message(true, {0, 11, 0, 0})));
  CHECK(query_asks_for_keepalive(message(true, {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 11, 0, 0})));
  CHECK_FALSE(query_asks_for_keepalive(message(true, {0, 11, 0, 2, 0, 50})));  // clients send no TIMEOUT
  CHECK_FALSE(query_asks_for_keepalive(message(true, {0, 12, 0, 0})));
  CHECK_FALSE(query_asks_for_keepalive(Bytes{1, 2, 3}));
}

TEST_CASE("add_keepalive: TIMEOUT in units of 100 ms at the end of the OPT record", "[keepalive]") {
  Bytes r = message(true, {0, 10, 0, 0});
  const std::size_t before = r.size();
  REQUIRE(add_keepalive(r, 10s));
  REQUIRE(r.size() == before + 6);
  CHECK(Bytes(r.end() - 6, r.end()) == Bytes{0, 11, 0, 2, 0, 100});
  CHECK(r[before - 6] == 0);  // RDLENGTH 4 + 6
  CHECK(r[before - 5] == 10);
  CHECK(query_asks_for_keepalive(r) == false);  // it carries a value now

  Bytes floor = message(true);
  REQUIRE(add_keepalive(floor, 250ms));
  CHECK(Bytes(floor.end() - 2, floor.end()) == Bytes{0, 2});  // rounded down
  Bytes tiny = message(true);
  REQUIRE(add_keepalive(tiny, 50ms));
  CHECK(Bytes(tiny.end() - 2, tiny.end()) == Bytes{0, 1});  // never 0, which means "close now"
  Bytes huge = message(true);
  REQUIRE(add_keepalive(huge, std::chrono::hours(10)));
  CHECK(Bytes(huge.end() - 2, huge.end()) == Bytes{0xff, 0xff});
}

TEST_CASE("add_keepalive leaves a response without OPT unchanged", "[keepalive]") {
  Bytes r = message(false);
  const Bytes original = r;
  CHECK_FALSE(add_keepalive(r, 1s));
  CHECK(r == original);
}
