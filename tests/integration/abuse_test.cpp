// Abuse limits seen from the client side: ip-ratelimit (a flood from one client address is
// limited while another address keeps its answers; slip replies carry TC=1), a kill -9
// under load followed by a restart that answers within a second, 20 times out of 20, and a
// flood of unique names that leaves ternd's memory bounded by cache-size.
#include <catch2/catch.hpp>

#include "support/dns_wire.hpp"
#include "support/eventually.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/sourced_udp.hpp"
#include "support/ternd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

/// Sends `count` queries for `name` from `client` as fast as the socket takes them, reading
/// replies as they come; returns {answered NOERROR with records, TC=1 slips}.
std::pair<int, int> flood(SourcedUdp& client, std::uint16_t port, const std::string& name, int count) {
  int answered = 0, slipped = 0;
  auto take = [&](std::chrono::milliseconds wait) {
    while (auto reply = client.receive(wait)) {
      auto r = parse_response(*reply);
      if (!r) continue;
      if (r->tc) ++slipped;
      else if (!r->answer.empty()) ++answered;
    }
  };
  for (int i = 0; i < count; ++i) {
    QueryOptions q;
    q.id = static_cast<std::uint16_t>(i);
    client.send(port, make_query(name, rrtype::A, q));
    take(0ms);
  }
  take(500ms);
  return {answered, slipped};
}

}  // namespace

TEST_CASE("ip-ratelimit: a flood from one address is limited, another address keeps its answers", "[abuse][ratelimit]") {
  TempDir ctl{"ctl"};
  const std::string socket = ctl.path + "/ternd.ctl";
  Ternd t(TerndOptions{"control-socket: " + socket + "\nip-ratelimit: 20\nip-ratelimit-slip: 0\n"});
  SourcedUdp attacker("127.0.0.2"), other("127.0.0.3");
  REQUIRE(attacker.ok());
  REQUIRE(other.ok());
  // Warm the cache from the other address, so the flood is all cache hits (the hot path).
  REQUIRE(other.exchange(t.port(), "www.example.lab", 1, 3s));

  const std::uint64_t handled_before = stat(socket, ctl.path, "queries.udp");
  const auto started = std::chrono::steady_clock::now();
  auto [answered, slipped] = flood(attacker, t.port(), "www.example.lab", 2000);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // A burst of one second's worth (20) plus 20 per second of the flood's duration.
  const int bound = 20 + static_cast<int>(20 * seconds) + 2;
  std::printf("ip-ratelimit 20/s: flood of 2000 queries from 127.0.0.2 in %.2f s: %d answered (bound %d), "
              "%d slipped\n",
              seconds, answered, bound, slipped);
  CHECK(answered >= 20);
  CHECK(answered <= bound);
  CHECK(slipped == 0);
  // Another address is not touched by the first one's bucket.
  int other_answered = 0;
  for (std::uint16_t id = 100; id < 110; ++id)
    if (auto r = other.exchange(t.port(), "www.example.lab", id, 2s); r && !r->answer.empty()) ++other_answered;
  CHECK(other_answered == 10);
  // Some of the flood never reaches ternd (the socket buffer overflows: how much depends on how
  // fast ternd reads, a sanitized one reads slowly): what reaches it past the limit is dropped
  // and counted, nothing else of it handled (queries.udp counts the handled ones).
  const std::uint64_t dropped = stat(socket, ctl.path, "ratelimit.dropped");
  const std::uint64_t handled = stat(socket, ctl.path, "queries.udp") - handled_before - 10;  // less other's 10
  std::printf("ip-ratelimit: ratelimit.dropped = %llu, handled %llu\n", static_cast<unsigned long long>(dropped),
              static_cast<unsigned long long>(handled));
  CHECK(dropped >= 100);
  CHECK(handled <= static_cast<std::uint64_t>(bound));

  SECTION("slip: every 2nd limited query gets an empty TC=1 reply; a reload turns the limit off") {
    t.rewrite_config("control-socket: " + socket + "\nip-ratelimit: 20\nip-ratelimit-slip: 2\n");
    t.process().signal(SIGHUP);
    std::this_thread::sleep_for(1500ms);  // the bucket refills; the reload reaches the workers
    auto [a2, s2] = flood(attacker, t.port(), "www.example.lab", 1000);
    std::printf("ip-ratelimit 20/s slip 2: flood of 1000: %d answered, %d slipped\n", a2, s2);
    CHECK(a2 <= 20 + 2 * 20);
    CHECK(s2 >= 100);            // about half of what reached ternd past the limit ...
    CHECK(s2 <= 1000 / 2 + 1);   // ... never more than half
    CHECK(stat(socket, ctl.path, "ratelimit.slipped") >= static_cast<std::uint64_t>(s2));

    t.rewrite_config("control-socket: " + socket + "\n");
    t.process().signal(SIGHUP);
    // Off once a burst of 50 is answered in full (a slip reply or a refilled token is not enough).
    CHECK(eventually([&] { return flood(attacker, t.port(), "www.example.lab", 50).first == 50; }, 10s));
    auto [a3, s3] = flood(attacker, t.port(), "www.example.lab", 500);
    std::printf("ip-ratelimit off after reload: flood of 500: %d answered, %d slipped\n", a3, s3);
    // Far above the limit's 20 + 20/s (the flood outruns the socket buffers, so not all 500).
    CHECK(a3 >= 100);
    CHECK(s3 == 0);
  }
}

TEST_CASE("kill -9 under load, start again: answering within a second, 20 times out of 20", "[abuse][restart]") {
  // t writes the config and checks its own ternd stops cleanly; the ternds killed here are
  // started from the same config by the test itself.
  Ternd t;
  REQUIRE(t.stop().exited);
  ProcessOptions p;
  p.args = {ternd_path(), "-c", t.config_path(), "-d"};
  p.log_path = t.log_path();
  auto current = std::make_unique<Process>(p);
  // Load: a client thread asking cached and uncached names all the time, never waiting long.
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> load_answers{0};
  std::thread load([&] {
    SourcedUdp client("127.0.0.4");
    std::uint16_t id = 0;
    while (!stop) {
      const std::string name = id % 4 == 0 ? "nx" + std::to_string(id) + ".example.lab" : "www.example.lab";
      if (client.exchange(t.port(), name, ++id, 50ms)) ++load_answers;
    }
  });
  std::vector<double> first_answer_ms;
  SourcedUdp probe("127.0.0.5");
  std::uint16_t id = 1000;
  for (int round = 0; round < 20; ++round) {
    // Under load: the daemon answered something since the last restart.
    const auto before = load_answers.load();
    REQUIRE(eventually([&] { return load_answers.load() > before + 5; }, 10s));
    current->signal(SIGKILL);
    REQUIRE(current->wait_for(5s));
    const auto started = std::chrono::steady_clock::now();
    current = std::make_unique<Process>(p);
    // Bounded polling (generous, 10 s) for a resolved answer; the bound asserted is 1 s.
    std::optional<double> answered_ms;
    while (std::chrono::steady_clock::now() - started < 10s) {
      auto r = probe.exchange(t.port(), "www.example.lab", ++id, 20ms);
      if (r && r->rcode == 0 && !r->answer.empty()) {
        answered_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        break;
      }
    }
    REQUIRE(answered_ms);
    first_answer_ms.push_back(*answered_ms);
  }
  stop = true;
  load.join();
  std::sort(first_answer_ms.begin(), first_answer_ms.end());
  std::printf("restart after kill -9 under load: 20 rounds, first resolved answer after min %.0f ms, "
              "median %.0f ms, max %.0f ms (bound 1000 ms)\n",
              first_answer_ms.front(), first_answer_ms[10], first_answer_ms.back());
  // The build-asan ternd (-O0, every access checked) starts several times slower: the bound is
  // the release-like build's promise, not the sanitizer's.
  if (ternd_is_sanitized()) WARN("restart bound not checked with AddressSanitizer");
  else CHECK(first_answer_ms.back() < 1000.0);
  current->stop();
}

namespace {

/// VmRSS of a process in KiB (0 when unreadable).
std::uint64_t rss_kib(pid_t pid) {
  const std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  auto at = status.find("VmRSS:");
  return at == std::string::npos ? 0 : std::stoull(status.substr(at + 6));
}

}  // namespace

TEST_CASE("a cache flood of unique names keeps the caches under cache-size", "[abuse][cache-flood]") {
  TempDir ctl{"ctl"};
  const std::string socket = ctl.path + "/ternd.ctl";
  constexpr std::uint64_t cache_size = 1u << 20;  // the smallest cache-size: the flood fills it 10x over
  Ternd t(TerndOptions{"control-socket: " + socket + "\ncache-size: 1m\n"});
  SourcedUdp client("127.0.0.6");
  REQUIRE(client.ok());
  // Two floods of fresh names each: the first reaches the steady state (caches full, the
  // allocator's high-water mark of 100 resolutions in flight), the second must not grow.
  // 5000 names a flood (five times what the 1m answer cache holds) keep the suite short;
  // TERN_ITEST_FLOOD_NAMES=20000 is the run the README's figures come from.
  const char* env_names = std::getenv("TERN_ITEST_FLOOD_NAMES");
  const int names = env_names != nullptr ? std::max(1000, std::atoi(env_names)) / 100 * 100 : 5000;
  auto flood_names = [&](int round) {
    int answered = 0;
    std::uint16_t id = 0;
    for (int batch = 0; batch < names / 100; ++batch) {
      for (int i = 0; i < 100; ++i) {
        QueryOptions q;
        q.id = ++id;
        client.send(t.port(), make_query("flood" + std::to_string(round) + "-" + std::to_string(batch * 100 + i) +
                                             ".example.lab",
                                         rrtype::A, q));
      }
      int got = 0;
      while (got < 100 && client.receive(1000ms)) ++got;
      answered += got;
    }
    return answered;
  };
  const std::uint64_t rss_start = rss_kib(t.process().pid());
  const int answered_first = flood_names(1);
  const std::uint64_t rss_before = rss_kib(t.process().pid());
  const int answered = flood_names(2);
  CHECK(answered_first >= names / 2);
  const std::uint64_t bytes = stat(socket, ctl.path, "cache.answer.bytes") + stat(socket, ctl.path, "cache.rrset.bytes") +
                              stat(socket, ctl.path, "cache.infra.bytes");
  const std::uint64_t entries = stat(socket, ctl.path, "cache.answer.entries");
  const std::uint64_t evictions = stat(socket, ctl.path, "cache.answer.evictions");
  const std::uint64_t rss_after = rss_kib(t.process().pid());
  std::printf("cache flood: 2 x %d unique names (%d, %d answered), cache-size 1m: caches hold %llu bytes, %llu "
              "answers; %llu evicted; RSS %llu KiB at start, %llu after the first flood, %llu after the second\n",
              names, answered_first, answered, static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(entries),
              static_cast<unsigned long long>(evictions),
              static_cast<unsigned long long>(rss_start), static_cast<unsigned long long>(rss_before),
              static_cast<unsigned long long>(rss_after));
  CHECK(answered >= names / 2);
  CHECK(evictions > 0);           // the flood did fill it ...
  CHECK(bytes <= cache_size);     // ... and no further
  CHECK(entries < static_cast<std::uint64_t>(names));
  // The memory of issue 8: the whole growth is the caches' heap (bounded by cache-size, twice
  // for the allocator's slack) plus a fixed allowance for the resolutions in flight, and the
  // second flood adds at most a few MiB. Before the fix (a 64 KiB receive buffer per upstream
  // exchange, caches charging half their real heap, freed pages kept by glibc) RSS grew 25-50
  // MiB over the first flood and 0.2-16.6 MiB over the second; after it, 4-7 MiB in all for
  // 2 x 5000 names, 9 MiB for 2 x 20000, and 0.1-2.7 MiB over the second flood.
  if (ternd_is_sanitized()) {
    // The build-asan ternd: ASan's allocator keeps freed blocks in quarantine (up to 256 MiB)
    // and adds redzones, so its RSS measures the sanitizer, not ternd.
    WARN("RSS bounds not checked with AddressSanitizer");
    return;
  }
  constexpr std::uint64_t in_flight_kib = 12 * 1024;
  CHECK(rss_after <= rss_start + 2 * cache_size / 1024 + in_flight_kib);
  CHECK(rss_after <= rss_before + 4 * cache_size / 1024);
}
