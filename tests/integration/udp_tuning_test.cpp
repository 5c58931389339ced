// The UDP listener's tuning settings seen from outside: udp-batch-size bounds the datagrams one
// recvmmsg call reads (udp.receive-calls), so-rcvbuf/so-sndbuf size the listening socket's
// kernel buffers (read back with ss), and a buffer the kernel caps is a warning, not a failure.
#include <catch2/catch.hpp>

#include "support/dns_wire.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/sourced_udp.hpp"
#include "support/ternd.hpp"

#include <regex>
#include <string>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

/// The kernel's receive and send buffer of the UDP socket(s) on 127.0.0.1:port, from ss -m
/// ("skmem:(r0,rb2097152,t0,tb524288,...)"): {rb, tb} of the first one.
std::pair<std::uint64_t, std::uint64_t> socket_buffers(std::uint16_t port, const std::string& dir) {
  const std::string out = dir + "/ss-" + std::to_string(port) + ".out";  // the runner appends
  run_to_completion(ProcessOptions{{"/usr/bin/ss", "-Hulnm", "sport = :" + std::to_string(port)}, out, {}, true}, 10s);
  const std::string text = read_file(out);
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(R"(rb(\d+),t\d+,tb(\d+))"))) return {0, 0};
  return {std::stoull(m[1]), std::stoull(m[2])};
}

/// Sends `count` queries for `name` at once from `client`, then reads every answer; how many came.
/// (200 answers fit in the client socket's default buffer; more would be dropped there.)
int burst(SourcedUdp& client, std::uint16_t port, const std::string& name, int count) {
  for (int i = 0; i < count; ++i) {
    QueryOptions q;
    q.id = static_cast<std::uint16_t>(i + 1);
    client.send(port, make_query(name, rrtype::A, q));
  }
  int answered = 0;
  while (answered < count && client.receive(2000ms)) ++answered;
  return answered;
}

}  // namespace

TEST_CASE("so-rcvbuf and so-sndbuf size the listening socket's buffers", "[udp][tuning]") {
  TempDir dir{"udp-buffers"};
  Ternd t(TerndOptions{"so-rcvbuf: 1536k\nso-sndbuf: 1280k\nthreads: 1\n"});
  const auto [rb, tb] = socket_buffers(t.port(), dir.path);
  // Linux reports twice the size asked for (its bookkeeping share, socket(7)).
  CHECK(rb == 2u * 1536 * 1024);
  CHECK(tb == 2u * 1280 * 1024);
  CHECK(t.log().find("so-rcvbuf") == std::string::npos);  // granted: no warning
  // The defaults leave the kernel's own sizes (net.core.rmem_default, wmem_default).
  Ternd plain(TerndOptions{"threads: 1\n"});
  const auto [plain_rb, plain_tb] = socket_buffers(plain.port(), dir.path);
  CHECK(plain_rb == std::stoull(read_file("/proc/sys/net/core/rmem_default")));
  CHECK(plain_tb == std::stoull(read_file("/proc/sys/net/core/wmem_default")));
}

TEST_CASE("a buffer the kernel caps is a warning and ternd still answers", "[udp][tuning]") {
  // Without CAP_NET_ADMIN, SO_RCVBUFFORCE is refused and SO_RCVBUF stops at net.core.rmem_max.
  const std::uint64_t rmem_max = std::stoull(read_file("/proc/sys/net/core/rmem_max"));
  REQUIRE(rmem_max < (512u << 20));  // else nothing here can be capped: this machine cannot run the test
  TerndOptions options{"so-rcvbuf: 512m\nthreads: 1\n"};
  options.command_prefix = {"/usr/bin/setpriv", "--bounding-set=-net_admin", "--inh-caps=-net_admin", "--"};
  Ternd t(options);
  CHECK(t.log().find("so-rcvbuf 127.0.0.1: asked for 536870912 bytes") != std::string::npos);
  CHECK(t.log().find("raise net.core.rmem_max") != std::string::npos);
  SourcedUdp client("127.0.0.7");
  REQUIRE(client.ok());
  CHECK(client.exchange(t.port(), "www.example.lab", 7, 5000ms));
}

TEST_CASE("udp-batch-size 1 reads one datagram per call; the default reads bursts in batches",
          "[udp][tuning]") {
  TempDir ctl{"udp-batch"};
  const std::string socket = ctl.path + "/ternd.ctl";
  SourcedUdp client("127.0.0.7");
  REQUIRE(client.ok());
  auto run = [&](const std::string& extra) {
    Ternd t(TerndOptions{"control-socket: " + socket + "\nthreads: 1\n" + extra});
    REQUIRE(client.exchange(t.port(), "www.example.lab", 1, 5000ms));  // cached from here on
    const int answered = burst(client, t.port(), "www.example.lab", 200);
    const std::uint64_t queries = stat(socket, ctl.path, "queries.udp");
    const std::uint64_t calls = stat(socket, ctl.path, "udp.receive-calls");
    std::printf("%s: %d of 200 answered, %llu UDP queries in %llu receive calls\n", extra.c_str(), answered,
                static_cast<unsigned long long>(queries), static_cast<unsigned long long>(calls));
    CHECK(answered == 200);
    return std::pair{queries, calls};
  };
  const auto [one_queries, one_calls] = run("udp-batch-size: 1\n");
  CHECK(one_calls == one_queries);  // never two datagrams in one call
  // With batches a burst of 200 needs far fewer calls than datagrams. (Not asserted as a
  // figure: how many queue up between two wake-ups is the scheduler's business.)
  const auto [queries, calls] = run("");
  CHECK(calls <= queries);
}
