// Issue 16: resolutions in flight are bounded. A stub zone on an authority that never answers
// holds every question about it; one ternd thread with max-resolutions-per-worker 20 gets 30
// such questions at once: 20 wait, 10 are answered SERVFAIL at once ("resolver busy"), counted;
// a cached name asked in the same burst is answered from the cache; once the waiting ones are
// answered (SERVFAIL, their walks give up) nothing is held: resolutions.admitted,
// resolver.in-flight-memory and upstream.sockets are back to 0. (The gauges while they wait are
// checked by tests/unit/walk_admission_test.cpp, where nothing times out.) Then, with resolution-jostle-timeout 0 (a reload), the
// oldest give way to newcomers instead. Without the bound all 30 would wait and none be counted.
#include <catch2/catch.hpp>

#include "support/dig.hpp"
#include "support/dns_wire.hpp"
#include "support/eventually.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/silent_server.hpp"
#include "support/ternd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

std::string ctl_stats(const TempDir& dir, const std::string& socket) {
  const std::string log = dir.path + "/ternctl.out";
  std::ofstream(log, std::ios::trunc).close();
  run_to_completion(ProcessOptions{{ternctl_path(), "-s", socket, "stats"}, log, {}, true}, 10s);
  return read_file(log);
}

std::uint64_t stat(const std::string& stats, const std::string& key) {
  std::istringstream in(stats);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + "=", 0) == 0) return std::stoull(line.substr(key.size() + 1));
  FAIL("no " << key << " in ternctl stats:\n" << stats);
  return 0;
}

/// One UDP socket sending many queries to ternd and reading the replies as they come.
struct Flood {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  explicit Flood(std::uint16_t port) {
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  ~Flood() { ::close(fd); }
  bool send(const Bytes& query) {
    return ::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) ==
           static_cast<ssize_t>(query.size());
  }
  /// The replies that come within `quiet` of each other, until `want` have come or none comes.
  std::vector<Bytes> replies(std::size_t want, std::chrono::milliseconds quiet) {
    std::vector<Bytes> got;
    while (got.size() < want) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(quiet.count())) <= 0) break;
      Bytes buffer(4096);
      const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (n <= 0) break;
      buffer.resize(static_cast<std::size_t>(n));
      got.push_back(std::move(buffer));
    }
    return got;
  }
};

bool says_busy(const Bytes& reply) {
  return std::string(reply.begin(), reply.end()).find("resolver busy") != std::string::npos;
}

}  // namespace

TEST_CASE("max-resolutions-per-worker: a slow flood over the bound is shed and counted, cached names answered, "
          "nothing held after", "[abuse][flight-bound]") {
  const std::string silent_address = lab_net() + ".99.6";
  SilentServer silent(silent_address);
  REQUIRE(silent.udp >= 0);
  TempDir dir("flightbound");
  const std::string socket = dir.path + "/ternd.ctl";
  const std::string common = "control-socket: " + socket + "\nthreads: 1\nmax-resolutions-per-worker: 20\n"
                             "stub-zone:\n  - name: silent.lab\n    servers: [\"" + silent_address + "\"]\n";
  TerndOptions o;
  o.extra_config = common + "resolution-jostle-timeout: 60000\n";
  Ternd t(o);
  REQUIRE(dig(t.port(), "www.example.lab", "A").status == "NOERROR");  // cached from now on

  Flood flood(t.port());
  constexpr int waiting = 20, over = 10;
  constexpr std::uint16_t cached_id = 0x5FFF;
  // One burst: 30 questions the silent authority holds, then one for the cached name. The
  // first 20 are admitted at once (their walks wait at least the smallest upstream timeout); the
  // next 10 find the bound full; the cached name is answered from the cache while it is.
  for (int i = 0; i < waiting + over; ++i) {
    QueryOptions q;
    q.id = static_cast<std::uint16_t>(0x5000 + i);
    q.edns_size = 1232;
    REQUIRE(flood.send(make_query("q" + std::to_string(i) + ".silent.lab", rrtype::A, q)));
  }
  QueryOptions cached_query;
  cached_query.id = cached_id;
  REQUIRE(flood.send(make_query("www.example.lab", rrtype::A, cached_query)));
  // The ones over the bound are answered at once, SERVFAIL saying why, and the cached name.
  const std::vector<Bytes> first = flood.replies(over + 1, 3000ms);
  REQUIRE(first.size() == over + 1);
  int busy = 0, cached = 0;
  for (const Bytes& reply : first) {
    auto r = parse_response(reply);
    REQUIRE(r);
    if (r->id == cached_id) {
      CHECK(r->rcode == rcode::NOERROR);
      CHECK(r->ancount >= 1);
      ++cached;
    } else {
      CHECK(r->rcode == rcode::SERVFAIL);
      CHECK(says_busy(reply));
      busy += says_busy(reply) ? 1 : 0;
    }
  }
  CHECK(busy == over);
  CHECK(cached == 1);
  const std::string during = ctl_stats(dir, socket);
  INFO(during);
  CHECK(stat(during, "resolutions.refused") == over);
  CHECK(stat(during, "resolutions.jostled") == 0);
  CHECK(stat(during, "process.resident-bytes") > 0);
  CHECK(stat(during, "process.open-fds") > 0);

  // The waiting ones end when their walk gives up on the silent authority: SERVFAIL, not busy.
  const std::vector<Bytes> late = flood.replies(waiting, 20000ms);
  CHECK(late.size() == waiting);
  for (const Bytes& reply : late) CHECK_FALSE(says_busy(reply));
  std::string after;
  CHECK(eventually([&] {
    after = ctl_stats(dir, socket);
    return stat(after, "resolutions.admitted") == 0 && stat(after, "upstream.sockets") == 0;
  }, 10s));
  CHECK(stat(after, "resolver.in-flight-memory") == 0);
  CHECK(stat(after, "queries.internal-errors") == 0);

  // resolution-jostle-timeout 0 (a reload): the oldest give way to newcomers.
  t.rewrite_config(common + "resolution-jostle-timeout: 0\n");
  REQUIRE(::kill(t.process().pid(), SIGHUP) == 0);
  REQUIRE(eventually([&] { return t.log().find("configuration reloaded") != std::string::npos; }, 10s));
  for (int i = 0; i < waiting + over; ++i) {
    QueryOptions q;
    q.id = static_cast<std::uint16_t>(0x6000 + i);
    q.edns_size = 1232;  // the EDE and its text come only in an OPT
    REQUIRE(flood.send(make_query("r" + std::to_string(i) + ".silent.lab", rrtype::A, q)));
  }
  // Each of the last ten pushed out the oldest waiting one (r0 .. r9), answered at once.
  const std::vector<Bytes> jostled = flood.replies(over, 3000ms);
  CHECK(jostled.size() == over);
  for (const Bytes& reply : jostled) {
    auto r = parse_response(reply, true);
    REQUIRE(r);
    CHECK(r->rcode == rcode::SERVFAIL);
    CHECK(says_busy(reply));
    CHECK(r->id < 0x6000 + over);
  }
  const std::string now = ctl_stats(dir, socket);
  CHECK(stat(now, "resolutions.jostled") == over);
  CHECK(stat(now, "resolutions.refused") == over);  // unchanged since the first flood
  CHECK(flood.replies(waiting, 20000ms).size() == waiting);
  CHECK(eventually([&] { return stat(ctl_stats(dir, socket), "resolutions.admitted") == 0; }, 10s));
  CHECK(t.running());
}
