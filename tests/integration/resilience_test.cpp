// Authorities that never answer: a root server that swallows every query (UDP datagrams queue
// unread, TCP connections are never accepted). ternd must give SERVFAIL within a bound instead
// of hanging, keep answering other clients meanwhile, and wait for the slow resolution without
// burning CPU (a TCP client's idle timer must not spin while its query is in progress).
#include <catch2/catch.hpp>

#include "support/silent_server.hpp"
#include "support/dig.hpp"
#include "support/dns_wire.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/ternd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

/// User + system CPU time of a process, in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(all.substr(all.rfind(')') + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

TEST_CASE("a silent root: SERVFAIL within a bound, no CPU spin, other clients served", "[resilience]") {
  const std::string silent_address = lab_net() + ".99.1";
  SilentServer silent(silent_address);
  REQUIRE(silent.udp >= 0);
  TempDir dir("silent");
  std::string hints = dir.write("silent.hints",
                                ".            3600000 NS a.silent-root.\n"
                                "a.silent-root. 3600000 A " + silent_address + "\n");
  TerndOptions o;
  o.use_lab = false;
  o.extra_config = "root-hints: " + hints + "\nquery-loopback: yes\ndo-ip6: no\n"
                   "tcp-idle-timeout: 100\nthreads: 1\n";
  Ternd t(o);

  TcpClient c(t.port());
  REQUIRE(c.connected());
  QueryOptions q;
  q.id = 0xA001;
  double cpu_before = cpu_seconds(t.process().pid());
  auto start = std::chrono::steady_clock::now();
  REQUIRE(c.send_frame(make_query("www.example.lab", rrtype::A, q)));

  // Meanwhile (the resolution is stuck upstream) the same ternd answers what needs no walk.
  QueryOptions norec;
  norec.id = 0xA002;
  norec.rd = false;
  auto quick = udp_exchange(t.port(), make_query("www.example.lab", rrtype::A, norec), 1s);
  REQUIRE(quick);
  CHECK(parse_response(*quick, true)->rcode == 5);

  auto reply = c.read_frame(15s);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = cpu_seconds(t.process().pid()) - cpu_before;
  REQUIRE(reply);
  auto r = parse_response(*reply);
  REQUIRE(r);
  CHECK(r->id == 0xA001);
  CHECK(r->rcode == 2);
  INFO("the resolution took " << wall << " s of wall time and " << cpu << " s of ternd's CPU");
  CHECK(wall < 12.0);
  // Waiting costs nothing: well under a tenth of the wall time (a spinning timer takes ~all).
  CHECK(cpu < 0.1 * wall + 0.05);
  // After the answer the connection is idle: closed by the 100 ms idle timeout.
  CHECK(c.wait_closed(2s));
  CHECK(t.running());
}
