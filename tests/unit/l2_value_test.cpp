// The second-level cache's value codec (cache/l2_value.hpp) and key, and the circuit breaker in
// front of Redis (daemon/l2/circuit_breaker.hpp): what a value read back must pass before it
// reaches the L1 cache, and when Redis is skipped.
#include "helpers.hpp"
#include "temp_dir.hpp"

#include "cache/answer_cache.hpp"
#include "cache/l2_limits.hpp"
#include "cache/l2_value.hpp"
#include "daemon/config/config_loader.hpp"
#include "daemon/config/redis_address.hpp"
#include "daemon/l2/circuit_breaker.hpp"

#include <limits>

using namespace tern;
using namespace tern::test;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t t0 = 1'800'000'000;  // a Unix time

struct Stored {
  cache::FakeClock clock;
  cache::AnswerCache cache{1 << 20, cache::HashKey{7, 7}, clock, cache::TtlBounds{}, cache::TtlBounds{0, 3600}};
  std::shared_ptr<const cache::CachedAnswer> entry;
};

std::unique_ptr<Stored> stored_a(std::uint32_t ttl = 300) {
  auto s = std::make_unique<Stored>();
  const std::string rr = "www.example.lab. " + std::to_string(ttl) + " IN A 127.0.0.80";
  s->entry = s->cache.insert(question("www.example.lab"), dns::rcode::noerror, rrs({rr.c_str()}), {},
                             resolver::dnssec::Security::secure, 1, "unsupported");
  return s;
}

std::vector<std::uint8_t> value_of(const cache::CachedAnswer& entry, std::int64_t stored = t0) {
  auto v = cache::encode_l2_value(entry, stored, stored + entry.ttl);
  REQUIRE(v);
  return *v;
}

}  // namespace

TEST_CASE("l2 value: a round trip keeps the answer, its verdict and EDE, TTLs counted down", "[l2]") {
  auto s = stored_a();
  std::vector<std::uint8_t> v = value_of(*s->entry);
  cache::L2Answer out;
  REQUIRE(cache::decode_l2_value(v, question("www.example.lab"), t0 + 100, out) == cache::L2Reject::none);
  CHECK(out.rcode == dns::rcode::noerror);
  REQUIRE(out.answer.size() == 1);
  CHECK(out.answer[0].ttl == 200);
  CHECK(out.remaining == 200);
  CHECK(out.security == resolver::dnssec::Security::secure);
  CHECK(out.ede == std::optional<std::uint16_t>(1));
  CHECK(out.ede_text == "unsupported");
  // And into an L1 cache, as a walk's answer would go.
  cache::FakeClock clock;
  cache::AnswerCache l1(1 << 20, cache::HashKey{1, 1}, clock, cache::TtlBounds{}, cache::TtlBounds{0, 3600});
  auto entry = l1.insert(question("www.example.lab"), out.rcode, out.answer, out.authority, out.security);
  REQUIRE(entry);
  CHECK(entry->ttl == 200);
}

TEST_CASE("l2 value: NXDOMAIN round trip keeps the SOA", "[l2]") {
  cache::FakeClock clock;
  cache::AnswerCache c(1 << 20, cache::HashKey{7, 7}, clock, cache::TtlBounds{}, cache::TtlBounds{0, 3600});
  auto entry = c.insert(question("nosuch.example.lab"), dns::rcode::nxdomain, {},
                        rrs({"example.lab. 3600 IN SOA ns1.example.lab. h.example.lab. 1 2 3 4 60"}));
  REQUIRE(entry);
  cache::L2Answer out;
  REQUIRE(cache::decode_l2_value(value_of(*entry), question("nosuch.example.lab"), t0 + 10, out) ==
          cache::L2Reject::none);
  CHECK(out.rcode == dns::rcode::nxdomain);
  REQUIRE(out.authority.size() == 1);
  CHECK(out.authority[0].ttl == 50);
}

TEST_CASE("l2 value: the question must be the one asked", "[l2]") {
  auto s = stored_a();
  cache::L2Answer out;
  std::vector<std::uint8_t> v = value_of(*s->entry);
  CHECK(cache::decode_l2_value(v, question("mail.example.lab"), t0, out) == cache::L2Reject::wrong_question);
  CHECK(cache::decode_l2_value(v, question("www.example.lab", dns::rrtype::AAAA), t0, out) ==
        cache::L2Reject::wrong_question);
}

TEST_CASE("l2 value: corrupt values are refused, whatever is cut or flipped", "[l2]") {
  auto s = stored_a();
  const std::vector<std::uint8_t> good = value_of(*s->entry);
  const dns::Question q = question("www.example.lab");
  cache::L2Answer out;
  CHECK(cache::decode_l2_value({}, q, t0, out) == cache::L2Reject::malformed);
  std::vector<std::uint8_t> v = good;
  v[0] = 'X';  // not ours
  CHECK(cache::decode_l2_value(v, q, t0, out) == cache::L2Reject::malformed);
  v = good;
  v[4] = 3;  // bogus: never stored
  CHECK(cache::decode_l2_value(v, q, t0, out) == cache::L2Reject::malformed);
  v = good;
  v[24] = 0xff;  // EDE text longer than the value
  CHECK(cache::decode_l2_value(v, q, t0, out) == cache::L2Reject::malformed);
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    v.assign(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
    CHECK(cache::decode_l2_value(v, q, t0, out) != cache::L2Reject::none);
  }
  v = good;
  v.resize(cache::l2_limits::max_value_size + 1);
  CHECK(cache::decode_l2_value(v, q, t0, out) == cache::L2Reject::malformed);
  // SERVFAIL in the header: never stored, so never taken.
  v = good;
  const std::size_t wire = v.size() - s->entry->wire.size();
  v[wire + 3] = static_cast<std::uint8_t>((v[wire + 3] & 0xF0) | dns::rcode::servfail);
  CHECK(cache::decode_l2_value(v, q, t0, out) == cache::L2Reject::wrong_rcode);
  v = good;
  v[wire + 2] &= 0x7F;  // QR clear: a query, not an answer
  CHECK(cache::decode_l2_value(v, q, t0, out) == cache::L2Reject::wrong_question);
}

TEST_CASE("l2 value: times must be possible, and an expired value is no answer", "[l2]") {
  auto s = stored_a(300);
  const dns::Question q = question("www.example.lab");
  cache::L2Answer out;
  CHECK(cache::decode_l2_value(value_of(*s->entry), q, t0 + 300, out) == cache::L2Reject::expired);
  // Stored far in the future (a skewed or lying writer).
  CHECK(cache::decode_l2_value(value_of(*s->entry, t0 + 3600), q, t0, out) == cache::L2Reject::bad_times);
  // Within the allowed skew: taken, its TTL not beyond its expiry.
  REQUIRE(cache::decode_l2_value(value_of(*s->entry, t0 + 10), q, t0, out) == cache::L2Reject::none);
  CHECK(out.answer[0].ttl <= out.remaining);
  // A stored time far in the past: no overflow in the arithmetic (found by fuzz_l2_value).
  auto ancient = cache::encode_l2_value(*s->entry, std::numeric_limits<std::int64_t>::min(), t0 + 300);
  REQUIRE(ancient);
  CHECK(cache::decode_l2_value(*ancient, q, t0, out) == cache::L2Reject::bad_times);
  auto v = cache::encode_l2_value(*s->entry, t0, t0);  // expires when stored
  REQUIRE(v);
  CHECK(cache::decode_l2_value(*v, q, t0, out) == cache::L2Reject::bad_times);
}

TEST_CASE("l2 key: keyed by the secret, the question and DO; reveals no name", "[l2]") {
  const cache::HashKey a = cache::l2_secret_key("0123456789abcdef-fleet-a");
  const cache::HashKey b = cache::l2_secret_key("0123456789abcdef-fleet-b");
  const dns::Question q = question("www.example.lab");
  const std::string key = cache::l2_key(a, q, true);
  CHECK(key.starts_with(cache::l2_key_prefix));
  CHECK(key.size() == cache::l2_key_prefix.size() + 32);
  CHECK(key.find("example") == std::string::npos);
  CHECK(key == cache::l2_key(cache::l2_secret_key("0123456789abcdef-fleet-a"), q, true));
  CHECK(key != cache::l2_key(b, q, true));
  CHECK(key != cache::l2_key(a, q, false));
  CHECK(key != cache::l2_key(a, question("www.example.lab", dns::rrtype::AAAA), true));
}

TEST_CASE("l2 value: the question of a value, for flushes", "[l2]") {
  auto s = stored_a();
  auto q = cache::l2_value_question(value_of(*s->entry));
  REQUIRE(q);
  CHECK(*q == question("www.example.lab"));
  CHECK_FALSE(cache::l2_value_question(std::vector<std::uint8_t>{'T', 'L', '2', 1}));
}

TEST_CASE("redis-server address: ADDRESS@PORT, ADDRESS, or a socket path; never a host name", "[l2]") {
  daemon::RedisAddress a;
  CHECK(daemon::parse_redis_address("127.0.0.1@6380", a).empty());
  CHECK(a.host == "127.0.0.1");
  CHECK(a.port == 6380);
  CHECK(daemon::parse_redis_address("::1", a).empty());
  CHECK(a.port == 6379);
  CHECK(daemon::parse_redis_address("/run/redis/redis.sock", a).empty());
  CHECK(a.unix_path == "/run/redis/redis.sock");
  CHECK_FALSE(daemon::parse_redis_address("redis.example@6379", a).empty());
  CHECK_FALSE(daemon::parse_redis_address("127.0.0.1@0", a).empty());
  CHECK_FALSE(daemon::parse_redis_address("127.0.0.1@70000", a).empty());
  CHECK_FALSE(daemon::parse_redis_address("127.0.0.1@", a).empty());
}

TEST_CASE("circuit breaker: opens after N failures in a row, probes after the back-off", "[l2]") {
  using Breaker = daemon::CircuitBreaker;
  Breaker b(3, 100ms, 400ms);
  const auto t = Breaker::Clock::time_point{} + 1h;
  CHECK(b.allow(t));
  CHECK_FALSE(b.failed(t));
  CHECK_FALSE(b.failed(t));
  b.succeeded();  // a success in between: the count starts again
  CHECK_FALSE(b.failed(t));
  CHECK_FALSE(b.failed(t));
  CHECK(b.failed(t));  // third in a row
  CHECK(b.state() == Breaker::State::open);
  CHECK_FALSE(b.allow(t + 99ms));
  // After the back-off, one probe goes; the others wait for what it says.
  CHECK(b.allow(t + 100ms));
  CHECK(b.state() == Breaker::State::half_open);
  CHECK_FALSE(b.allow(t + 100ms));
  // The probe fails: open again, twice as long.
  CHECK(b.failed(t + 100ms));
  CHECK(b.backoff() == 200ms);
  CHECK_FALSE(b.allow(t + 299ms));
  CHECK(b.allow(t + 300ms));
  CHECK(b.failed(t + 300ms));
  CHECK(b.backoff() == 400ms);
  CHECK(b.allow(t + 700ms));
  CHECK(b.failed(t + 700ms));
  CHECK(b.backoff() == 400ms);  // the ceiling
  CHECK(b.allow(t + 1100ms));
  b.succeeded();
  CHECK(b.state() == Breaker::State::closed);
  CHECK(b.backoff() == 100ms);
  CHECK(b.allow(t + 1100ms));
}

TEST_CASE("redis settings: parsed, and redis-server needs a secret of 16 characters", "[l2][config]") {
  TempDir dir;
  daemon::Config c = daemon::load_config(dir.write("a.yaml", "redis-server: 127.0.0.1@6380\n"
                                                             "redis-key-secret: 0123456789abcdef\n"
                                                             "redis-timeout: 20\nredis-breaker-failures: 5\n"
                                                             "redis-breaker-backoff: 250\n"),
                                         {});
  CHECK(c.redis_server == "127.0.0.1@6380");
  CHECK(c.redis_key_secret == "0123456789abcdef");
  CHECK(c.redis_timeout_ms == 20);
  CHECK(c.redis_breaker_failures == 5);
  CHECK(c.redis_breaker_backoff_ms == 250);
  CHECK(daemon::load_config(dir.write("b.yaml", "redis-key-secret: x\n"), {}).redis_server.empty());
  auto error = [&](const std::string& yaml) -> std::string {
    try {
      daemon::load_config(dir.write("bad.yaml", yaml), {});
    } catch (const daemon::ConfigError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error("redis-server: 127.0.0.1\n").find("redis-key-secret") != std::string::npos);
  CHECK(error("redis-server: 127.0.0.1\nredis-key-secret: short\n").find("at least 16") != std::string::npos);
  CHECK(error("redis-server: redis.example\nredis-key-secret: 0123456789abcdef\n").find("not an IP address") !=
        std::string::npos);
  CHECK(error("redis-timeout: 0\n") != "");
}
