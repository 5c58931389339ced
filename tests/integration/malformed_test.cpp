// The malformed-packet catalogue (tests/support/malformed_packets.hpp) as client queries, over
// UDP, TCP and DoT: every category gets the reply its verdict names (FORMERR, NOTIMP, REFUSED,
// BADVERS with the query's ID) or nothing, and is counted in `ternctl stats` (the responses.*
// counter of its rcode, or dropped.* / tcp.bad-frames for what gets no reply). A canary query
// answers between categories. bad_input_test.cpp keeps the cases the catalogue does not hold
// (UDP over 4096 octets, garbage floods).
#include "../support/malformed_packets.hpp"
#include "support/dns_wire.hpp"
#include "support/eventually.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/ternd.hpp"
#include "support/tls_client.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

using namespace tern::itest;
using namespace std::chrono_literals;
using tern::malformed::Category;
using tern::malformed::Verdict;

namespace {

const std::string canary_name = "www.example.lab";

/// A ternd with a control socket (for its counters) and, when `tls`, a DoT listener.
struct Target {
  TempDir dir{"malformed"};
  std::uint16_t tls_port = 0;
  std::unique_ptr<Ternd> ternd;

  explicit Target(bool tls) {
    std::string extra = "control-socket: " + dir.path + "/ternd.ctl\n";
    if (tls) {
      tls_port = allocate_port();
      const std::string key = dir.path + "/a.key", cert = dir.path + "/a.pem";
      const std::string log = dir.path + "/openssl.out";
      ExitStatus made = run_to_completion(
          ProcessOptions{{"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                          "-nodes", "-days", "30", "-subj", "/CN=tern-test", "-keyout", key, "-out", cert},
                         log, {}, true},
          20s);
      INFO(read_file(log));
      REQUIRE(made.exited);
      REQUIRE(made.code == 0);
      extra += "tls-listen: [\"127.0.0.1@" + std::to_string(tls_port) + "\"]\ntls-certificate: " + cert +
               "\ntls-private-key: " + key + "\n";
    }
    ternd = std::make_unique<Ternd>(TerndOptions{extra});
  }

  std::map<std::string, std::uint64_t> stats() {
    const std::string log = dir.path + "/ternctl.out";
    std::ofstream(log, std::ios::trunc).close();
    run_to_completion(ProcessOptions{{ternctl_path(), "-s", dir.path + "/ternd.ctl", "stats"}, log, {}, true}, 10s);
    std::map<std::string, std::uint64_t> out;
    std::istringstream in(read_file(log));
    std::string line;
    while (std::getline(in, line)) {
      const auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      try {
        out[line.substr(0, eq)] = std::stoull(line.substr(eq + 1));
      } catch (const std::exception&) {
      }
    }
    return out;
  }
};

/// The counter a verdict must raise (several are summed); empty: not checked.
std::vector<std::string> counters_for(Verdict v) {
  switch (v) {
    case Verdict::formerr: return {"responses.formerr"};
    case Verdict::notimp: return {"responses.notimp"};
    case Verdict::refused: return {"responses.refused"};
    // BADVERS is 16: its low four bits in the header are 0; it has a counter of its own.
    case Verdict::badvers: return {"responses.badvers"};
    case Verdict::drop: return {"dropped.unreadable", "dropped.responses"};
    case Verdict::close: return {"tcp.bad-frames"};
  }
  return {};
}

std::uint64_t sum(const std::map<std::string, std::uint64_t>& stats, const std::vector<std::string>& keys) {
  std::uint64_t n = 0;
  for (const auto& k : keys) {
    auto it = stats.find(k);
    if (it != stats.end()) n += it->second;
  }
  return n;
}

Bytes packet(const Category& c, std::uint16_t id) {
  return c.make(tern::malformed::Context{id, encode_name(canary_name), false});
}

void check_reply(Verdict v, std::uint16_t id, const std::optional<Bytes>& reply) {
  if (v == Verdict::drop || v == Verdict::close) {
    CHECK_FALSE(reply);
    return;
  }
  REQUIRE(reply);
  auto r = parse_response(*reply);
  REQUIRE(r);  // ternd's own answer is well-formed
  CHECK(r->id == id);
  CHECK(r->qr);
  CHECK(r->answer.empty());
  CHECK(r->rcode == tern::malformed::rcode_of(v));  // extended: BADVERS is 16
  if (v == Verdict::badvers) CHECK(r->has_opt);  // the upper bits live in the OPT
}

void check_counted(Target& t, Verdict v, std::uint64_t before) {
  const auto keys = counters_for(v);
  if (keys.empty()) return;
  CHECK(eventually([&] { return sum(t.stats(), keys) > before; }));
}

void check_canary_udp(std::uint16_t port, std::uint16_t id) {
  QueryOptions q;
  q.id = id;
  auto reply = udp_exchange(port, make_query(canary_name, rrtype::A, q), 5000ms);
  REQUIRE(reply);
  auto r = parse_response(*reply);
  REQUIRE(r);
  CHECK(r->id == id);
  CHECK(r->rcode == 0);
  REQUIRE(r->answer.size() == 1);
  CHECK(r->answer[0].data == "127.0.0.80");
}

/// How long to wait for a reply: a verdict that answers gets 3 s, a dropped one 400 ms (the
/// reply that must not come).
std::chrono::milliseconds reply_wait(Verdict v) { return v == Verdict::drop ? 400ms : 3000ms; }

/// The skeleton every transport shares: for each category the transport carries (`verdict_of`
/// says which verdict, if any), send it with `exchange(category, verdict, id)` (which checks
/// the reply or the closed stream), then check its counter rose, ternd still runs, and a UDP
/// canary is answered. A canary also answers before the first category.
template <class Exchange>
void run_catalogue(Target& t, std::optional<Verdict> Category::*verdict_of, std::uint16_t first_id,
                   std::uint16_t canary_id, Exchange exchange) {
  const std::uint16_t port = t.ternd->port();
  check_canary_udp(port, canary_id);
  int sent = 0;
  std::uint16_t id = first_id;
  for (const Category& c : tern::malformed::categories()) {
    const std::optional<Verdict>& verdict = c.*verdict_of;
    if (!verdict) continue;
    INFO("category: " << c.name);
    ++sent;
    ++id;
    const std::uint64_t before = sum(t.stats(), counters_for(*verdict));
    exchange(c, *verdict, id);
    check_counted(t, *verdict, before);
    REQUIRE(t.ternd->running());
    check_canary_udp(port, static_cast<std::uint16_t>(canary_id + sent));
  }
  CHECK(sent >= 25);
}

}  // namespace

TEST_CASE("every malformed category as a UDP query: its verdict, counted; a canary between",
          "[malformed][udp]") {
  Target t(false);
  const std::uint16_t port = t.ternd->port();
  run_catalogue(t, &Category::udp, 0xA000, 0x6000, [&](const Category& c, Verdict v, std::uint16_t id) {
    check_reply(v, id, udp_exchange(port, packet(c, id), reply_wait(v)));
  });
}

TEST_CASE("every malformed category as a TCP query: its verdict, counted; a canary between",
          "[malformed][tcp]") {
  Target t(false);
  const std::uint16_t port = t.ternd->port();
  // One connection carries every category that leaves it open, as a client would; a category
  // that must close its stream gets a connection of its own.
  TcpClient shared(port);
  REQUIRE(shared.connected());
  run_catalogue(t, &Category::tcp, 0xA100, 0x6100, [&](const Category& c, Verdict v, std::uint16_t id) {
    if (v == Verdict::close) {
      TcpClient own(port);
      REQUIRE(own.connected());
      REQUIRE(own.send_frame(packet(c, id)));
      CHECK(own.wait_closed(3s));
      return;
    }
    REQUIRE(shared.send_frame(packet(c, id)));
    check_reply(v, id, shared.read_frame(reply_wait(v)));
    REQUIRE_FALSE(shared.eof());
  });
}

TEST_CASE("every malformed category as a DoT query: its verdict, counted; a canary between",
          "[malformed][dot]") {
  Target t(true);
  // As over TCP: one TLS connection for the categories that leave it open.
  TlsClient shared(t.tls_port);
  REQUIRE(shared.connected());
  run_catalogue(t, &Category::tcp, 0xA200, 0x6200, [&](const Category& c, Verdict v, std::uint16_t id) {
    if (v == Verdict::close) {
      TlsClient own(t.tls_port);
      REQUIRE(own.connected());
      REQUIRE(own.send_frames({packet(c, id)}));
      CHECK_FALSE(own.read_frame(3s));
      CHECK(own.closed());
      return;
    }
    REQUIRE(shared.send_frames({packet(c, id)}));
    check_reply(v, id, shared.read_frame(reply_wait(v)));
    REQUIRE_FALSE(shared.closed());
  });
}
