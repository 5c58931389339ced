// The failover lab, shortened (zones/README.md, "Failover lab"): failover.lab's records
// (db TTL 5, db-fast TTL 2) switch to new addresses at the authority ("lab.sh switch"), and a
// c-ares client behind ternd must get the old address exactly until its TTL runs out and the new
// one right after; a ternctl flush switches at once; serve-stale answers with the authority
// down. Also ternctl trace (the hops of a fresh walk) and ternctl cache watch (countdown and
// refresh), and the lab's delay relay. Times are compared with bounds derived from when queries were sent and answered,
// never with how fast anything was.
#include "support/cares_client.hpp"
#include "support/dig.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/ternd.hpp"

#include <catch2/catch.hpp>

#include <ares.h>
#include <arpa/nameser.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace tern::itest;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

/// Runs `lab.sh ARGS...` on the test lab; REQUIREs exit 0.
void lab_sh(const std::vector<std::string>& words) {
  const Lab& lab = Lab::get();
  std::vector<std::string> args{"/usr/bin/env", "LAB_NET=" + lab.net(), "LAB_DIR=" + lab.dir(), "LAB_WAIT=15",
                                "/bin/bash", source_root() + "/zones/lab.sh"};
  args.insert(args.end(), words.begin(), words.end());
  const std::string log = lab.dir() + "/failover-test.log";
  std::ofstream(log, std::ios::trunc).close();
  ExitStatus s = run_to_completion(ProcessOptions{args, log, {}, true}, 40s);
  INFO("lab.sh " << words.front() << ": " << read_file(log));
  REQUIRE((s.exited && s.code == 0));
}

/// failover.lab serves its new version for the scope, the old one again after.
struct Switched {
  Switched() { lab_sh({"switch", "new", "failover.lab"}); }
  ~Switched() { lab_sh({"switch", "old", "failover.lab"}); }
};

/// failover-lab (failover.lab's only server) is stopped for the scope.
struct FailoverAuthorityDown {
  FailoverAuthorityDown() { lab_sh({"stop", "failover-lab"}); }
  ~FailoverAuthorityDown() { lab_sh({"start", "failover-lab"}); }
};

/// A ternd with a control socket.
struct Controlled {
  TempDir dir{"failover"};
  Ternd ternd;
  explicit Controlled(const std::string& extra = "")
      : ternd(TerndOptions{"control-socket: " + dir.path + "/ternd.ctl\n" + extra}) {}
  std::string socket() const { return dir.path + "/ternd.ctl"; }
  std::vector<std::string> ctl(const std::vector<std::string>& words) const {
    std::vector<std::string> args{ternctl_path(), "-s", socket()};
    args.insert(args.end(), words.begin(), words.end());
    return args;
  }
  /// Runs ternctl to completion; REQUIREs exit 0; returns its output.
  std::string ternctl(const std::vector<std::string>& words) const {
    const std::string log = dir.path + "/ternctl.out";
    std::ofstream(log, std::ios::trunc).close();
    ExitStatus s = run_to_completion(ProcessOptions{ctl(words), log, {}, true}, 30s);
    std::string out = read_file(log);
    INFO("ternctl " << words.front() << ": " << out);
    REQUIRE((s.exited && s.code == 0));
    return out;
  }
};

/// One c-ares answer with when its query was sent and its answer came.
struct Seen {
  Clock::time_point sent, received;
  std::string address;  ///< "" for no address
  int ttl = -1;
};

Seen ask(CaresClient& client, const std::string& name) {
  Seen s;
  s.sent = Clock::now();
  CaresHost host = parse_a(client.query(name, ns_t_a));
  s.received = Clock::now();
  if (host.status == ARES_SUCCESS && host.addresses.size() == 1) {
    s.address = host.addresses[0].address;
    s.ttl = host.addresses[0].ttl;
  }
  return s;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

constexpr const char* old_db = "127.0.16.1";
constexpr const char* new_db = "127.0.26.1";
constexpr const char* old_fast = "127.0.16.2";
constexpr const char* new_fast = "127.0.26.2";

}  // namespace

TEST_CASE("failover: the old address until its TTL runs out, the new one right after", "[failover]") {
  Controlled c;
  CaresClient client(c.ternd.port());
  struct Name {
    std::string name, old_address, new_address;
    Seen warm;
    std::vector<Seen> seen;
  };
  std::vector<Name> names{{"db.failover.lab", old_db, new_db, {}, {}},
                          {"db-fast.failover.lab", old_fast, new_fast, {}, {}}};
  for (Name& n : names) {
    n.warm = ask(client, n.name);
    REQUIRE(n.warm.address == n.old_address);
  }
  Switched switched;
  // Ask every 200 ms until both answer the new address (bounded: the longest TTL and a margin).
  const auto bound = Clock::now() + 15s;
  bool done = false;
  while (!done && Clock::now() < bound) {
    done = true;
    for (Name& n : names) {
      n.seen.push_back(ask(client, n.name));
      done = done && n.seen.back().address == n.new_address;
    }
    std::this_thread::sleep_for(200ms);
  }
  for (const Name& n : names) {
    INFO(n.name << " warm TTL " << n.warm.ttl);
    const double ttl = n.warm.ttl;
    std::size_t first_new = n.seen.size();
    for (std::size_t i = 0; i < n.seen.size(); ++i) {
      const Seen& s = n.seen[i];
      // The entry was stored between warm.sent and warm.received and expires TTL later.
      const double sent_after = seconds(s.sent - n.warm.received);
      const double received_after = seconds(s.received - n.warm.sent);
      INFO("answer " << i << ": " << s.address << " TTL " << s.ttl << ", sent " << sent_after
                     << " s after the warm-up answer, received " << received_after << " s after its query");
      REQUIRE((s.address == n.old_address || s.address == n.new_address));
      if (s.address == n.old_address) {
        CHECK(first_new == n.seen.size());      // never back to the old address
        CHECK(sent_after <= ttl + 0.5);         // never served past its TTL
        if (i > 0 && n.seen[i - 1].address == n.old_address) CHECK(s.ttl <= n.seen[i - 1].ttl);  // counts down
      } else {
        if (first_new == n.seen.size()) first_new = i;
        CHECK(received_after >= ttl - 0.5);     // never switched before the TTL ran out
      }
    }
    REQUIRE(first_new < n.seen.size());         // converged
    // Served until the TTL ran out: the last old answer had (almost) nothing left.
    REQUIRE(first_new > 0);
    CHECK(n.seen[first_new - 1].ttl <= 1);
    // The new address right after: fresh from the authority, with its full TTL.
    CHECK(n.seen[first_new].ttl >= static_cast<int>(ttl) - 1);
  }
}

TEST_CASE("failover: ternctl cache flush at the switch serves the new address at once", "[failover]") {
  Controlled c;
  CaresClient client(c.ternd.port());
  REQUIRE(ask(client, "db.failover.lab").address == old_db);
  Switched switched;
  // Without the flush the cache still holds the old address (TTL 5)...
  Seen before = ask(client, "db.failover.lab");
  REQUIRE(before.address == old_db);
  REQUIRE(before.ttl >= 2);
  c.ternctl({"cache", "flush", "db.failover.lab"});
  // ... with it, the very next answer carries the new one, long before that TTL is over.
  Seen after = ask(client, "db.failover.lab");
  CHECK(after.address == new_db);
  CHECK(seconds(after.received - before.sent) < before.ttl);
}

TEST_CASE("failover: serve-stale answers the old address with the authority down", "[failover]") {
  Controlled c("serve-stale: yes\nserve-stale-client-timeout: 400\n");
  DigResult warm = dig(c.ternd.port(), "db-fast.failover.lab", "A");
  REQUIRE(warm.answers("A").size() == 1);
  REQUIRE(warm.answers("A")[0].data == old_fast);
  FailoverAuthorityDown down;
  std::this_thread::sleep_for(std::chrono::seconds(warm.answers("A")[0].ttl) + 1s);  // past its TTL
  DigResult stale = dig(c.ternd.port(), "db-fast.failover.lab", "A");
  INFO(stale.output);
  REQUIRE(stale.status == "NOERROR");
  REQUIRE(stale.answers("A").size() == 1);
  CHECK(stale.answers("A")[0].data == old_fast);
  CHECK(stale.output.find("EDE: 3") != std::string::npos);  // RFC 8914 Stale Answer
}

TEST_CASE("ternctl trace: the hops of a fresh walk, the cache neither read nor written", "[failover][trace]") {
  Controlled c;
  // A cached answer for the name must not shorten the traced walk: it starts at the root.
  DigResult cached = dig(c.ternd.port(), "www.example.lab", "A");
  REQUIRE(cached.answers("A").size() == 1);
  std::string out = c.ternctl({"trace", "www.example.lab", "A"});
  INFO(out);
  const std::string n = Lab::get().net();
  auto hop = [&](const std::string& zone, const std::string& server_suffix, const std::string& result) {
    // #, after, step, at-ms, zone, server (its name, when the walk learnt one, and address) ...
    return std::regex(R"((^|\n) +\d+ +(\d+|-) +\d+ +[\d.]+ )" + std::regex_replace(zone, std::regex(R"(\.)"), R"(\.)") +
                      " +(\\S+ )?" + std::regex_replace(n + "." + server_suffix, std::regex(R"(\.)"), R"(\.)") +
                      R"(\.\d+ +udp +[\d.]+ +\S+ \S+ +)" + result + "\n");
  };
  std::smatch root, tld, sld;
  REQUIRE(std::regex_search(out, root, hop(".", "0", "referral to lab\\.")));
  REQUIRE(std::regex_search(out, tld, hop("lab.", "1", "referral to example\\.lab\\.")));
  REQUIRE(std::regex_search(out, sld, hop("example.lab.", "10", "answer")));
  CHECK(root.position() < tld.position());
  CHECK(tld.position() < sld.position());
  CHECK(out.find("outcome: NOERROR") != std::string::npos);
  CHECK(out.find("127.0.0.80") != std::string::npos);
  // Priming, root, lab., example.lab. sent; root, lab., example.lab. one after the other (the
  // priming runs beside them, RFC 8109).
  CHECK(std::regex_search(out, std::regex(R"(exchanges: [4-9] sent)")));
  CHECK(std::regex_search(out, std::regex(R"(critical path: [3-9] round trips)")));
  CHECK(out.find("cache hit: 0 round trips") != std::string::npos);
  // Nothing the trace learnt was stored: a name only it resolved is not cached.
  std::string traced = c.ternctl({"trace", "db.shop.lab"});
  CHECK(traced.find("127.0.10.1") != std::string::npos);
  CHECK(c.ternctl({"cache", "show", "db.shop.lab"}).find("no cached entries") != std::string::npos);
  CHECK(c.ternctl({"cache", "show", "shop.lab", "NS"}).find("no cached entries") != std::string::npos);
}

TEST_CASE("ternctl cache watch: the TTL counting down and a refresh", "[failover][watch]") {
  Controlled c;
  REQUIRE(dig(c.ternd.port(), "db-fast.failover.lab", "A").answers("A").size() == 1);
  const std::string log = c.dir.path + "/watch.out";
  Process watch(ProcessOptions{c.ctl({"cache", "watch", "db-fast.failover.lab", "A", "--for", "5", "--interval", "0.25"}),
                               log, {}, true});
  // A client keeps asking, so the entry (TTL 2) is fetched again once it has expired.
  const auto end = Clock::now() + 5s;
  while (Clock::now() < end) {
    dig(c.ternd.port(), "db-fast.failover.lab", "A");
    std::this_thread::sleep_for(250ms);
  }
  auto status = watch.wait_for(10s);
  REQUIRE(status);
  CHECK((status->exited && status->code == 0));
  std::string out = read_file(log);
  INFO(out);
  CHECK(out.find("remaining-ttl=2 A 127.0.16.2") != std::string::npos);
  CHECK(out.find("remaining-ttl=1 A 127.0.16.2") != std::string::npos);
  CHECK(out.find("refresh: A 127.0.16.2 -> A 127.0.16.2") != std::string::npos);
}

TEST_CASE("delay relay: UDP and TCP pass through it to a lab authority", "[failover][relay]") {
  const Lab& lab = Lab::get();
  const std::uint16_t port = allocate_port();
  TempDir dir("relay");
  Process relay(ProcessOptions{{TERN_ITEST_RELAY_PATH, "--delay-ms", "30",
                                "127.0.0.1:" + std::to_string(port) + "=" + lab.address("10.1") + ":53"},
                               dir.path + "/relay.log", {}, true});
  // Ready once it answers (bounded): the relay binds before it reads anything.
  DigResult udp;
  for (int i = 0; i < 50 && !udp.answered; ++i) {
    udp = dig(port, "www.example.lab", "A", {"+norec"}, 1);
    if (!udp.answered) std::this_thread::sleep_for(100ms);
  }
  INFO(udp.output << read_file(dir.path + "/relay.log"));
  REQUIRE(udp.answered);
  CHECK(udp.has("aa"));
  REQUIRE(udp.answers("A").size() == 1);
  CHECK(udp.answers("A")[0].data == "127.0.0.80");
  // The big TXT: truncated over UDP, whole (1816 octets, 8 records) over TCP through the relay.
  DigResult truncated = dig(port, "big.example.lab", "TXT", {"+norec", "+ignore"});
  CHECK(truncated.has("tc"));
  DigResult tcp = dig(port, "big.example.lab", "TXT", {"+norec", "+tcp"});
  INFO(tcp.output);
  CHECK(tcp.answers("TXT").size() == 8);
  relay.stop();
}
