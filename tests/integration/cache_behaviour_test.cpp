// The cache as a client and an operator see it, with ternd as a process in front of the lab:
// TTL bounds, flushes through ternctl, expiry with the authority down (never served stale
// unless serve-stale is on), serve-stale's EDE, prefetch, and the memory bound under a flood.
#include "support/dig.hpp"
#include "support/eventually.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/ternd.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {


/// A ternd with a control socket in its own temp dir, and extra settings.
struct ControlledTernd {
  TempDir ctl{"ctl"};
  std::string socket = ctl.path + "/ternd.ctl";
  Ternd ternd;
  explicit ControlledTernd(const std::string& extra)
      : ternd(TerndOptions{"control-socket: " + ctl.path + "/ternd.ctl\n" + extra}) {}

  struct Reply {
    int code = -1;
    std::string out;
  };
  Reply ternctl(const std::vector<std::string>& words) {
    std::vector<std::string> args{ternctl_path(), "-s", socket};
    args.insert(args.end(), words.begin(), words.end());
    const std::string log = ctl.path + "/ternctl.out";
    std::ofstream(log, std::ios::trunc).close();
    ExitStatus status = run_to_completion(ProcessOptions{args, log, {}, true}, 10s);
    return Reply{status.exited ? status.code : -1, read_file(log)};
  }
  /// The value of one `stats` key (0 when absent).
  std::uint64_t stat(const std::string& key) {
    std::string out = ternctl({"stats"}).out;
    auto at = out.find("\n" + key + "=");
    if (at == std::string::npos) at = out.rfind(key + "=", 0) == 0 ? 0 : std::string::npos;
    else ++at;
    if (at == std::string::npos) return 0;
    return std::stoull(out.substr(at + key.size() + 1));
  }
};

/// Stops one lab authority (by the pid in its pidfile) for the scope; `lab.sh start` (which
/// leaves running instances alone) brings it back at scope exit.
class AuthorityDown {
 public:
  AuthorityDown(const std::string& instance, const std::string& address) {
    const std::string pid_text = read_file(Lab::get().dir() + "/" + instance + "/nsd.pid");
    REQUIRE_FALSE(pid_text.empty());
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    REQUIRE(::kill(pid, SIGTERM) == 0);
    for (int i = 0; i < 50; ++i) {
      if (::kill(pid, 0) != 0) break;
      std::this_thread::sleep_for(100ms);
    }
    (void)address;
  }
  ~AuthorityDown() {
    const Lab& lab = Lab::get();
    run_to_completion(ProcessOptions{{"/usr/bin/env", "LAB_NET=" + lab.net(), "LAB_DIR=" + lab.dir(),
                                      source_root() + "/zones/lab.sh", "start"},
                                     lab.dir() + "/restart.log", {}, true},
                      30s);
  }
  AuthorityDown(const AuthorityDown&) = delete;
  AuthorityDown& operator=(const AuthorityDown&) = delete;
};

std::uint32_t a_ttl(std::uint16_t port, const std::string& name) {
  DigResult r = dig(port, name, "A");
  INFO(r.output);
  REQUIRE(r.status == "NOERROR");
  REQUIRE_FALSE(r.answers("A").empty());
  return r.answers("A").front().ttl;
}

}  // namespace

TEST_CASE("cache-max-ttl bounds the TTL on a miss and on a hit", "[cache][integration]") {
  Ternd t(TerndOptions{"cache-max-ttl: 7\n"});
  CHECK(a_ttl(t.port(), "db.shop.lab") == 7);  // the authority says 300
  std::this_thread::sleep_for(1100ms);
  CHECK(a_ttl(t.port(), "db.shop.lab") <= 6);
}

TEST_CASE("ternctl flushes take effect on the next query", "[cache][integration]") {
  ControlledTernd c("");
  const auto port = c.ternd.port();
  a_ttl(port, "db.shop.lab");
  a_ttl(port, "www.example.lab");
  std::this_thread::sleep_for(2100ms);
  CHECK(a_ttl(port, "db.shop.lab") <= 298);  // served from cache, counted down
  auto show = c.ternctl({"cache", "show", "db.shop.lab"});
  CHECK(show.code == 0);
  CHECK(show.out.find("127.0.10.1") != std::string::npos);

  auto flush = c.ternctl({"cache", "flush", "db.shop.lab"});
  CHECK(flush.code == 0);
  CHECK(c.ternctl({"cache", "show", "db.shop.lab", "A"}).out.find("127.0.10.1") == std::string::npos);
  CHECK(a_ttl(port, "db.shop.lab") == 300);         // asked the authority again
  CHECK(a_ttl(port, "www.example.lab") <= 298);     // untouched by that flush

  CHECK(c.ternctl({"cache", "flush-zone", "example.lab"}).code == 0);
  CHECK(a_ttl(port, "www.example.lab") == 300);
  std::this_thread::sleep_for(1100ms);
  CHECK(c.ternctl({"cache", "flush-all"}).code == 0);
  CHECK(a_ttl(port, "db.shop.lab") == 300);
  CHECK(a_ttl(port, "www.example.lab") == 300);
  auto dump = c.ternctl({"cache", "dump"});
  CHECK(dump.code == 0);
  CHECK(dump.out.find("www.example.lab.") != std::string::npos);
}

TEST_CASE("an expired entry is never served unless serve-stale is on", "[cache][integration]") {
  const Lab& lab = Lab::get();
  SECTION("serve-stale off: the answer dies with its TTL") {
    Ternd t(TerndOptions{"cache-max-ttl: 2\n"});
    CHECK(a_ttl(t.port(), "db.shop.lab") == 2);
    AuthorityDown down("shop-lab", lab.address("11.1"));
    std::this_thread::sleep_for(2500ms);
    DigResult r = dig(t.port(), "db.shop.lab", "A", {}, 8);
    INFO(r.output);
    CHECK(r.status == "SERVFAIL");
    CHECK(r.answers("A").empty());
  }
  SECTION("serve-stale on: the old answer with TTL 30 and EDE 3") {
    Ternd t(TerndOptions{"cache-max-ttl: 2\nserve-stale: yes\nserve-stale-client-timeout: 400\n"});
    CHECK(a_ttl(t.port(), "db.shop.lab") == 2);
    AuthorityDown down("shop-lab", lab.address("11.1"));
    std::this_thread::sleep_for(2500ms);
    for (int i = 0; i < 2; ++i) {  // the second is within the failure recheck interval
      DigResult r = dig(t.port(), "db.shop.lab", "A", {}, 8);
      INFO(r.output);
      CHECK(r.status == "NOERROR");
      REQUIRE(r.answers("A").size() == 1);
      CHECK(r.answers("A").front().data == "127.0.10.1");
      CHECK(r.answers("A").front().ttl == 30);
      CHECK(r.output.find("EDE: 3") != std::string::npos);
    }
  }
  SECTION("serve-stale on: stale data wins over a remembered resolution failure (RFC 9520)") {
    ControlledTernd c("cache-max-ttl: 2\nserve-stale: yes\nserve-stale-client-timeout: 400\n"
                      "cache-min-failure-ttl: 60\n");
    CHECK(a_ttl(c.ternd.port(), "db.shop.lab") == 2);
    AuthorityDown down("shop-lab", lab.address("11.1"));
    std::this_thread::sleep_for(2500ms);
    CHECK(dig(c.ternd.port(), "db.shop.lab", "A", {}, 8).output.find("EDE: 3") != std::string::npos);
    // The background refresh fails and is remembered; the stale answer is still what clients get.
    REQUIRE(eventually([&] { return c.stat("cache.failure.entries") >= 1; }, 20s));
    DigResult r = dig(c.ternd.port(), "db.shop.lab", "A", {}, 8);
    INFO(r.output);
    CHECK(r.status == "NOERROR");
    CHECK(r.output.find("EDE: 3") != std::string::npos);
    CHECK(r.output.find("EDE: 13") == std::string::npos);
  }
  SECTION("serve-stale on: a stale NXDOMAIN carries EDE 19, not 3") {
    Ternd t(TerndOptions{"cache-max-ttl: 2\ncache-max-negative-ttl: 2\nserve-stale: yes\n"
                         "serve-stale-client-timeout: 400\n"});
    CHECK(dig(t.port(), "nothing-here.shop.lab", "A").status == "NXDOMAIN");
    AuthorityDown down("shop-lab", lab.address("11.1"));
    std::this_thread::sleep_for(2500ms);
    DigResult r = dig(t.port(), "nothing-here.shop.lab", "A", {}, 8);
    INFO(r.output);
    CHECK(r.status == "NXDOMAIN");
    CHECK(r.output.find("EDE: 19") != std::string::npos);
    CHECK(r.output.find("EDE: 3") == std::string::npos);
  }
}

TEST_CASE("prefetch refreshes a popular entry before it expires", "[cache][integration]") {
  ControlledTernd c("cache-max-ttl: 10\nprefetch: yes\n");
  const auto port = c.ternd.port();
  CHECK(a_ttl(port, "db.shop.lab") == 10);
  const auto misses = c.stat("cache.misses");
  std::this_thread::sleep_for(9200ms);  // in the last tenth of the TTL
  CHECK(a_ttl(port, "db.shop.lab") <= 1);  // still the old entry, and it starts the prefetch
  std::this_thread::sleep_for(600ms);
  CHECK(a_ttl(port, "db.shop.lab") >= 9);  // refreshed in the background ...
  CHECK(c.stat("cache.misses") == misses);  // ... without a client ever missing
  CHECK(c.stat("prefetch.started") >= 1);
}

TEST_CASE("a flood of unique names stays within cache-size and the hot set stays cached", "[cache][integration]") {
  ControlledTernd c("cache-size: 1m\n");
  const auto port = c.ternd.port();
  TempDir work("flood");
  std::string queries;
  for (int i = 0; i < 6000; ++i) queries += "flood" + std::to_string(i) + ".example.lab A\n";
  const std::string query_file = work.write("queries.txt", queries);
  a_ttl(port, "www.example.lab");
  std::atomic<bool> flooding{true};
  std::thread hot([&] {
    while (flooding) {
      dig(port, "www.example.lab", "A", {}, 2);
      std::this_thread::sleep_for(200ms);
    }
  });
  ExitStatus flood = run_to_completion(
      ProcessOptions{{"/usr/bin/dnsperf", "-s", "127.0.0.1", "-p", std::to_string(port), "-d", query_file,
                      "-n", "1", "-c", "4", "-Q", "3000", "-t", "5"},
                     work.path + "/dnsperf.log", {}, true},
      120s);
  flooding = false;
  hot.join();
  CHECK(flood.exited);
  CHECK(c.ternd.running());
  const auto answer_bytes = c.stat("cache.answer.bytes");
  const auto rrset_bytes = c.stat("cache.rrset.bytes");
  const auto infra_bytes = c.stat("cache.infra.bytes");
  INFO("answer " << answer_bytes << " rrset " << rrset_bytes << " infra " << infra_bytes);
  CHECK(answer_bytes + rrset_bytes + infra_bytes <= 1024 * 1024);
  CHECK(c.stat("cache.answer.evictions") > 0);  // the flood did push entries out
  // The hot name, asked throughout, is still a hit: its TTL keeps counting down.
  CHECK(a_ttl(port, "www.example.lab") < 300);
  // And the process itself stays small. Not under ASan: its shadow memory and quarantine
  // (hundreds of MiB) say nothing about tern's own.
  if (ternd_is_sanitized()) return;
  std::string status = read_file("/proc/" + std::to_string(c.ternd.process().pid()) + "/status");
  auto at = status.find("VmRSS:");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoul(status.substr(at + 6)) < 128 * 1024);  // kB
}

TEST_CASE("ternctl: usage errors exit 2, a missing daemon exits 1 with a clear message", "[cache][integration][ternctl]") {
  TempDir work("ternctl");
  const std::string log = work.path + "/out";
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), ternctl_path());
    ExitStatus status = run_to_completion(ProcessOptions{args, log, {}, true}, 10s);
    REQUIRE(status.exited);
    return std::make_pair(status.code, read_file(log));
  };
  const std::string nowhere = work.path + "/no-daemon.ctl";
  auto [missing, missing_text] = run({"-s", nowhere, "stats"});
  CHECK(missing == 1);
  CHECK(missing_text.find("cannot connect to " + nowhere) != std::string::npos);
  CHECK(missing_text.find("is ternd running?") != std::string::npos);
  CHECK(run({"-s", nowhere, "frobnicate"}).first == 2);  // refused before connecting
  CHECK(run({}).first == 2);
  // Against a running daemon, a bad argument is the daemon's usage error: status 2 too.
  ControlledTernd c("");
  auto bad_name = c.ternctl({"cache", "show", "a..b"});
  CHECK(bad_name.code == 2);
  auto bad_type = c.ternctl({"cache", "show", "www.example.lab", "BOGUS"});
  CHECK(bad_type.code == 2);
  CHECK(c.ternctl({"stats"}).code == 0);
}
