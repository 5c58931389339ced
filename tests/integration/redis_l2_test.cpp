// The second-level cache with a real redis-server (Debian's), started by each test on a lab
// address and stopped by its pid: a second ternd answers what the first resolved without asking
// any authority; flushes reach Redis; a corrupt or misplaced value is dropped and counted, never
// served; Redis down or silent costs no SERVFAIL and the circuit breaker opens.
#include <catch2/catch.hpp>

#include "support/dig.hpp"
#include "support/eventually.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/silent_server.hpp"
#include "support/ternd.hpp"

#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

constexpr const char* fleet_secret = "integration-test-fleet-secret";

/// A redis-server of the test's own: no persistence, on a lab address, stopped by pid.
struct Redis {
  TempDir dir{"redis"};
  std::string address = lab_net() + ".250.1";
  std::uint16_t port = allocate_port();
  std::unique_ptr<Process> process;

  Redis() {
    process = std::make_unique<Process>(ProcessOptions{
        {"/usr/bin/redis-server", "--bind", address, "--port", std::to_string(port), "--save", "",
         "--appendonly", "no", "--dir", dir.path, "--protected-mode", "no"},
        dir.path + "/redis.log",
        {},
        true});
    REQUIRE(eventually([&] { return cli({"PING"}) == "PONG"; }, 10s));
  }
  ~Redis() { process->stop(2s); }
  /// redis-cli's raw output (trailing newline removed).
  std::string cli(const std::vector<std::string>& words) const {
    std::string command = "redis-cli --raw -h " + address + " -p " + std::to_string(port);
    for (const std::string& w : words) command += " \"" + w + "\"";  // shell() wraps in single quotes
    std::string out = shell(command + " 2>&1");
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  std::string keys() const { return cli({"KEYS", "tern1:*"}); }
  std::string server_setting() const { return address + "@" + std::to_string(port); }
};

std::string l2_config(const std::string& server, const std::string& extra = "") {
  return "threads: 1\nredis-server: \"" + server + "\"\nredis-key-secret: \"" + fleet_secret + "\"\n" + extra;
}

/// The value of `key=` in `ternctl stats`.
std::uint64_t stat(Ternd& t, const std::string& key) {
  const std::string out = shell(ternctl_path() + " -s " + t.dir() + "/ternd.ctl stats 2>&1");
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + "=", 0) == 0) return std::stoull(line.substr(key.size() + 1));
  FAIL("no " << key << " in ternctl stats:\n" << out);
  return 0;
}

std::string ctl(Ternd& t, const std::string& words) {
  return shell(ternctl_path() + " -s " + t.dir() + "/ternd.ctl " + words + " 2>&1");
}

}  // namespace

TEST_CASE("redis l2: a second ternd answers what the first resolved, with no upstream query", "[redis]") {
  Redis redis;
  Ternd first(TerndOptions{l2_config(redis.server_setting())});
  DigResult resolved = dig(first.port(), "www.example.lab", "A");
  REQUIRE(resolved.status == "NOERROR");
  REQUIRE(!resolved.answers("A").empty());
  CHECK(eventually([&] { return stat(first, "l2.stores") >= 1; }));
  const std::string key = redis.keys();
  CHECK(key.rfind("tern1:", 0) == 0);
  CHECK(key.find("example") == std::string::npos);  // the key names reveal nothing
  // The key expires with the answer (the lab's TTL, clamped), not never.
  const long ttl = std::stol(redis.cli({"PTTL", key.substr(0, key.find('\n'))}));
  CHECK(ttl > 0);
  CHECK(ttl <= 86400 * 1000L);

  Ternd second(TerndOptions{l2_config(redis.server_setting())});
  const std::uint64_t before = stat(second, "upstream.queries");
  DigResult shared = dig(second.port(), "www.example.lab", "A");
  CHECK(shared.status == "NOERROR");
  REQUIRE(shared.answers("A").size() == resolved.answers("A").size());
  CHECK(shared.answers("A").front().data == resolved.answers("A").front().data);
  CHECK(stat(second, "upstream.queries") == before);  // no authority asked
  CHECK(stat(second, "l2.hits") == 1);
  // Now in the second's own cache: the next query is an L1 hit and does not ask Redis again.
  CHECK(dig(second.port(), "www.example.lab", "A").status == "NOERROR");
  CHECK(stat(second, "l2.hits") + stat(second, "l2.misses") == 1);
  // An NXDOMAIN is shared too.
  CHECK(dig(first.port(), "nosuch.example.lab", "A").status == "NXDOMAIN");
  CHECK(eventually([&] { return stat(first, "l2.stores") >= 2; }));
  const std::uint64_t nx_before = stat(second, "upstream.queries");
  CHECK(dig(second.port(), "nosuch.example.lab", "A").status == "NXDOMAIN");
  CHECK(stat(second, "upstream.queries") == nx_before);
}

TEST_CASE("redis l2: ternctl cache flush, flush-zone and flush-all reach Redis", "[redis]") {
  Redis redis;
  Ternd t(TerndOptions{l2_config(redis.server_setting())});
  for (const char* name : {"www.example.lab", "mail.example.lab", "www.shop.lab"})
    REQUIRE(dig(t.port(), name, "A").answered);
  CHECK(eventually([&] { return redis.cli({"DBSIZE"}) == "3"; }));
  std::string out = ctl(t, "cache flush www.example.lab");
  CHECK(out.find("redis: removed 1 keys") != std::string::npos);
  CHECK(redis.cli({"DBSIZE"}) == "2");
  REQUIRE(dig(t.port(), "www.example.lab", "A").answered);  // back again
  CHECK(eventually([&] { return redis.cli({"DBSIZE"}) == "3"; }));
  out = ctl(t, "cache flush www.example.lab A");
  CHECK(out.find("redis: removed 1 keys") != std::string::npos);
  out = ctl(t, "cache flush-zone example.lab");
  CHECK(out.find("redis: removed 1 keys") != std::string::npos);  // mail; www went just before
  CHECK(redis.cli({"DBSIZE"}) == "1");
  redis.cli({"SET", "someone-else:key", "x"});  // not ternd's: left alone
  out = ctl(t, "cache flush-all");
  CHECK(out.find("redis: removed 1 keys") != std::string::npos);
  CHECK(redis.cli({"DBSIZE"}) == "1");
}

TEST_CASE("redis l2: a corrupt or misplaced value is dropped, counted and never served", "[redis]") {
  Redis redis;
  Ternd first(TerndOptions{l2_config(redis.server_setting())});
  const std::vector<std::string> names{"www.example.lab", "mail.example.lab", "www.shop.lab"};
  for (const std::string& name : names) REQUIRE(dig(first.port(), name, "A").status == "NOERROR");
  CHECK(eventually([&] { return redis.cli({"DBSIZE"}) == "3"; }));
  std::istringstream keys(redis.keys());
  std::string a, b, c;
  keys >> a >> b >> c;
  REQUIRE(!c.empty());
  // A poisoned Redis: one key holds garbage, another a copy of a third key's answer (a
  // genuine value, for another question).
  redis.cli({"SET", a, "garbage, not a tern value"});
  redis.cli({"COPY", c, b, "REPLACE"});

  Ternd second(TerndOptions{l2_config(redis.server_setting())});
  for (const std::string& name : names) {
    DigResult r = dig(second.port(), name, "A");
    CHECK(r.status == "NOERROR");
    REQUIRE(!r.answer.empty());
    CHECK(r.answer.front().name == name + ".");  // its own question's answer, whatever Redis held
  }
  CHECK(stat(second, "l2.dropped") == 2);
  CHECK(stat(second, "l2.hits") == 1);
  CHECK(second.log().find("redis: value for") != std::string::npos);
}

TEST_CASE("redis l2: Redis down costs no SERVFAIL, and the breaker opens", "[redis]") {
  // Nothing listens there: every command fails at once.
  const std::string nowhere = lab_net() + ".250.1@" + std::to_string(allocate_port());
  Ternd t(TerndOptions{l2_config(nowhere, "redis-breaker-failures: 2\nredis-breaker-backoff: 30000\n")});
  for (const char* name : {"www.example.lab", "mail.example.lab", "www.shop.lab", "nosuch.example.lab"}) {
    DigResult r = dig(t.port(), name, "A");
    CHECK(r.answered);
    CHECK(r.status != "SERVFAIL");
  }
  CHECK(stat(t, "l2.errors") >= 1);
  CHECK(stat(t, "l2.breaker-opened") == 1);
  CHECK(stat(t, "l2.breaker-open") == 1);
  CHECK(stat(t, "l2.skipped") >= 1);
  CHECK(t.log().find("redis: breaker open") != std::string::npos);
}

TEST_CASE("redis l2: a Redis that never answers costs the timeout, then the breaker skips it", "[redis]") {
  // The kernel completes the TCP handshake; nobody ever reads: every lookup times out.
  const std::string address = lab_net() + ".250.2";
  SilentServer silent(address);
  REQUIRE(silent.tcp >= 0);
  Ternd t(TerndOptions{
      l2_config(address + "@53", "redis-timeout: 50\nredis-breaker-failures: 2\nredis-breaker-backoff: 30000\n")});
  for (const char* name : {"www.example.lab", "mail.example.lab", "www.shop.lab"}) {
    DigResult r = dig(t.port(), name, "A");
    CHECK(r.status == "NOERROR");
  }
  CHECK(stat(t, "l2.timeouts") == 2);
  CHECK(stat(t, "l2.breaker-opened") == 1);
  CHECK(stat(t, "l2.skipped") >= 1);
}
