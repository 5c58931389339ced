// ip-ratelimit's token buckets: the rate, the burst, refill over time, per-address isolation,
// slip, reconfiguration, and the bound on the table under a spray of addresses.
#include <catch2/catch.hpp>

#include "daemon/answering/ip_ratelimit.hpp"

using tern::daemon::IpRateLimiter;
using namespace std::chrono_literals;

namespace {

tern::cache::HashKey test_key() { return tern::cache::HashKey{1, 2}; }

int allowed(IpRateLimiter& l, const asio::ip::address& a, int n, IpRateLimiter::Clock::time_point now) {
  int ok = 0;
  for (int i = 0; i < n; ++i) ok += l.admit(a, now) == IpRateLimiter::Verdict::allow;
  return ok;
}

}  // namespace

TEST_CASE("ip-ratelimit: off admits everything", "[ratelimit]") {
  IpRateLimiter l(test_key());
  CHECK_FALSE(l.enabled());
  const auto a = asio::ip::make_address("192.0.2.1");
  CHECK(allowed(l, a, 10000, IpRateLimiter::Clock::now()) == 10000);
  CHECK(l.tracked() == 0);
}

TEST_CASE("ip-ratelimit: one second's burst, then the rate; other addresses untouched", "[ratelimit]") {
  IpRateLimiter l(test_key());
  l.configure(100, 0);
  REQUIRE(l.enabled());
  const auto t0 = IpRateLimiter::Clock::now();
  const auto a = asio::ip::make_address("192.0.2.1");
  const auto b = asio::ip::make_address("2001:db8::1");
  CHECK(allowed(l, a, 1000, t0) == 100);
  CHECK(allowed(l, b, 1000, t0) == 100);  // its own bucket
  // 100 ms later: 10 more tokens
  CHECK(allowed(l, a, 1000, t0 + 100ms) == 10);
  // a long pause refills to the burst, never beyond
  CHECK(allowed(l, a, 1000, t0 + 60s) == 100);
  // an IPv4-mapped IPv6 address shares the IPv4 bucket
  CHECK(allowed(l, asio::ip::make_address("::ffff:192.0.2.1"), 10, t0 + 60s) == 0);
  // off again: everything passes
  l.configure(0, 0);
  CHECK(allowed(l, a, 1000, t0 + 60s) == 1000);
}

TEST_CASE("ip-ratelimit: slip answers every Nth limited query", "[ratelimit]") {
  IpRateLimiter l(test_key());
  l.configure(10, 3);
  const auto t0 = IpRateLimiter::Clock::now();
  const auto a = asio::ip::make_address("198.51.100.7");
  int allow = 0, drop = 0, slip = 0;
  for (int i = 0; i < 310; ++i) {
    switch (l.admit(a, t0)) {
      case IpRateLimiter::Verdict::allow: ++allow; break;
      case IpRateLimiter::Verdict::drop: ++drop; break;
      case IpRateLimiter::Verdict::slip: ++slip; break;
    }
  }
  CHECK(allow == 10);
  CHECK(slip == 100);
  CHECK(drop == 200);
}

TEST_CASE("ip-ratelimit: a spray of source addresses never grows the table past its bound", "[ratelimit]") {
  IpRateLimiter l(test_key(), 1024);
  l.configure(5, 0);
  const auto t0 = IpRateLimiter::Clock::now();
  for (std::uint32_t i = 0; i < 100000; ++i) l.admit(asio::ip::address_v4(0x0A000000u + i), t0);
  CHECK(l.tracked() <= 1024);
  CHECK(l.tracked() >= 512);
}

TEST_CASE("slip_reply: the question echoed with QR, TC and RA; no records; junk refused", "[ratelimit]") {
  // id 0xabcd, RD, one question "a." A IN, and an OPT record (dropped from the reply)
  std::vector<std::uint8_t> q{0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, 1, 'a', 0, 0, 1, 0, 1,
                              0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0};
  std::vector<std::uint8_t> out;
  REQUIRE(tern::daemon::slip_reply(q, out));
  REQUIRE(out.size() == 12 + 3 + 4);
  CHECK(out[0] == 0xab);
  CHECK(out[1] == 0xcd);
  CHECK(out[2] == (0x80 | 0x02 | 0x01));
  CHECK(out[3] == 0x80);
  CHECK(out[5] == 1);
  CHECK(out[11] == 0);
  std::vector<std::uint8_t> response = q;
  response[2] |= 0x80;  // a response is never answered
  CHECK_FALSE(tern::daemon::slip_reply(response, out));
  std::vector<std::uint8_t> cut(q.begin(), q.begin() + 14);
  CHECK_FALSE(tern::daemon::slip_reply(cut, out));
}
