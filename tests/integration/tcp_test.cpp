// Client TCP (RFC 7766): pipelined queries on one connection, answered as they complete (out of
// order), matched by ID; the idle timeout; the bound on open connections.
#include <catch2/catch.hpp>

#include "support/dig.hpp"
#include "support/dns_wire.hpp"
#include "support/ternd.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <signal.h>
#include <thread>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

struct Expect {
  std::string name;
  std::uint16_t type;
  std::string last_data;  ///< data of the last answer record
};

Bytes query(std::uint16_t id, const std::string& name, std::uint16_t type) {
  QueryOptions q;
  q.id = id;
  return make_query(name, type, q);
}

bool answers_ok(TcpClient& c, std::uint16_t id) {
  if (!c.send_frame(query(id, "www.example.lab", rrtype::A))) return false;
  auto reply = c.read_frame(5s);
  if (!reply) return false;
  auto r = parse_response(*reply);
  return r && r->id == id && r->rcode == 0 && !r->answer.empty();
}

}  // namespace

TEST_CASE("TCP pipelining: 5 queries in one write, 5 answers matched by ID", "[tcp][pipelining]") {
  Ternd t;
  // Warm the cache for four of them; www.chain.lab stays cold (a walk through four zones).
  for (const char* name : {"www.example.lab", "multi.example.lab", "db.shop.lab"})
    REQUIRE(dig(t.port(), name, "A").status == "NOERROR");
  REQUIRE(dig(t.port(), "example.lab", "MX").status == "NOERROR");

  const std::map<std::uint16_t, Expect> expected = {
      {0x5101, {"www.chain.lab", rrtype::A, "127.0.0.80"}},  // cold, first on the wire
      {0x5102, {"www.example.lab", rrtype::A, "127.0.0.80"}},
      {0x5103, {"multi.example.lab", rrtype::A, ""}},
      {0x5104, {"example.lab", rrtype::MX, "10 mail.example.lab."}},
      {0x5105, {"db.shop.lab", rrtype::A, "127.0.10.1"}},
  };
  std::vector<Bytes> frames;
  for (const auto& [id, e] : expected) frames.push_back(query(id, e.name, e.type));

  TcpClient c(t.port());
  REQUIRE(c.connected());
  REQUIRE(c.send_frames(frames));
  std::vector<std::uint16_t> order;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto reply = c.read_frame(10s);
    REQUIRE(reply);
    auto r = parse_response(*reply);
    REQUIRE(r);
    INFO("answer with id " << r->id);
    auto it = expected.find(r->id);
    REQUIRE(it != expected.end());
    CHECK(r->qname == it->second.name + ".");
    CHECK(r->rcode == 0);
    REQUIRE_FALSE(r->answer.empty());
    if (!it->second.last_data.empty()) CHECK(r->answer.back().data == it->second.last_data);
    if (it->second.name == "multi.example.lab") CHECK(r->answer.size() == 3);
    order.push_back(r->id);
  }
  // RFC 7766 §7: the cached answers need not wait for the cold one written before them.
  CHECK(order.front() != 0x5101);
  std::sort(order.begin(), order.end());
  CHECK(std::unique(order.begin(), order.end()) == order.end());  // each ID exactly once

  // The same with two queries on a new connection: cold first, cached second.
  TcpClient again(t.port());
  REQUIRE(again.connected());
  std::vector<Bytes> second{query(0x5201, "www.glueless.corp", rrtype::A),  // cold
                            query(0x5202, "www.example.lab", rrtype::A)};  // cached
  REQUIRE(again.send_frames(second));
  auto first_back = again.read_frame(10s);
  REQUIRE(first_back);
  auto first = parse_response(*first_back, true);
  REQUIRE(first);
  CHECK(first->id == 0x5202);  // the cached answer overtook the cold one
  auto second_back = again.read_frame(10s);
  REQUIRE(second_back);
  CHECK(parse_response(*second_back, true)->id == 0x5201);
}

TEST_CASE("TCP pipelining: many cold queries on one connection all answered", "[tcp][pipelining]") {
  Ternd t;
  const std::vector<std::pair<std::string, std::uint16_t>> names = {
      {"www.half.lab", rrtype::A},      {"nosuch.example.lab", rrtype::A}, {"big.example.lab", rrtype::TXT},
      {"loop.chain.lab", rrtype::A},    {"www.lame.lab", rrtype::A},       {"db-fast.shop.lab", rrtype::A},
      {"mail.example.lab", rrtype::AAAA}, {"foo.wild.example.lab", rrtype::A}};
  std::vector<Bytes> frames;
  for (std::size_t i = 0; i < names.size(); ++i)
    frames.push_back(query(static_cast<std::uint16_t>(0x6000 + i), names[i].first, names[i].second));
  TcpClient c(t.port());
  REQUIRE(c.send_frames(frames));
  std::map<std::uint16_t, int> rcodes;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto reply = c.read_frame(10s);
    REQUIRE(reply);
    auto r = parse_response(*reply);
    REQUIRE(r);
    rcodes[r->id] = r->rcode;
  }
  REQUIRE(rcodes.size() == names.size());
  CHECK(rcodes[0x6000] == 0);
  CHECK(rcodes[0x6001] == 3);
  CHECK(rcodes[0x6002] == 0);
  CHECK(rcodes[0x6003] == 2);
  CHECK(rcodes[0x6004] == 2);
  CHECK(rcodes[0x6005] == 0);
  CHECK(rcodes[0x6006] == 0);
  CHECK(rcodes[0x6007] == 0);
}

TEST_CASE("TCP idle timeout 500 ms: an idle connection is closed by ternd", "[tcp][idle]") {
  Ternd t(TerndOptions{"tcp-idle-timeout: 500\n"});

  SECTION("a connection that never sends") {
    TcpClient c(t.port());
    REQUIRE(c.connected());
    auto start = std::chrono::steady_clock::now();
    CHECK(c.wait_closed(5s));  // generous: the machine may be loaded
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 400ms);
  }
  SECTION("idle after an answer") {
    TcpClient c(t.port());
    REQUIRE(answers_ok(c, 0x7001));
    auto start = std::chrono::steady_clock::now();
    CHECK(c.wait_closed(5s));  // generous: the machine may be loaded
    CHECK(std::chrono::steady_clock::now() - start >= 400ms);
  }
  SECTION("a connection in use every 300 ms stays open past the timeout") {
    TcpClient c(t.port());
    for (std::uint16_t i = 0; i < 4; ++i) {
      REQUIRE(answers_ok(c, static_cast<std::uint16_t>(0x7100 + i)));
      std::this_thread::sleep_for(300ms);
    }
    CHECK_FALSE(c.eof());
    CHECK(c.wait_closed(5s));  // generous: the machine may be loaded
  }
}

TEST_CASE("tcp-max-connections 2: a third connection is closed at once, UDP still answers", "[tcp][limit]") {
  Ternd t(TerndOptions{"tcp-max-connections: 2\n"});
  REQUIRE(dig(t.port(), "www.example.lab", "A").status == "NOERROR");  // cached: the TCP queries take no time
  // Both slots taken is pressure (issue 16): idle, the two are closed after 200 ms (not after
  // tcp-idle-timeout, 10 s), so the third must come within that; a round that a stalled
  // machine made too slow is tried again.
  bool refused = false;
  std::uint16_t id = 0x8001;
  for (int round = 0; round < 5 && !refused; ++round) {
    TcpClient c1(t.port());
    REQUIRE(answers_ok(c1, id++));  // accepted and counted by ternd
    TcpClient c2(t.port());
    REQUIRE(answers_ok(c2, id++));
    TcpClient c3(t.port());
    REQUIRE(c3.connected());  // the kernel completes the handshake; ternd then closes it
    (void)c3.send_frame(query(id++, "www.example.lab", rrtype::A));
    refused = !c3.read_frame(2s) && c3.eof();
    if (!refused) continue;
    DigResult udp = dig(t.port(), "www.example.lab", "A", {"+notcp"});
    INFO(udp.output);
    CHECK(udp.status == "NOERROR");
    // Idle, the idlest goes at the pressure timeout; then the pressure is off for the other.
    CHECK((c1.wait_closed(3s) || c2.wait_closed(3s)));
  }
  CHECK(refused);

  // the two closed: a new connection gets in (ternd frees the slot when it sees the close)
  bool admitted = false;
  auto deadline = std::chrono::steady_clock::now() + 3s;
  for (std::uint16_t id = 0x8100; !admitted && std::chrono::steady_clock::now() < deadline; ++id) {
    TcpClient c4(t.port());
    admitted = answers_ok(c4, id);
    if (!admitted) std::this_thread::sleep_for(100ms);
  }
  CHECK(admitted);
}

TEST_CASE("connections closed by the client mid-query give their slot back", "[tcp][limit]") {
  Ternd t(TerndOptions{"tcp-max-connections: 2\n"});
  // Ten connections in a row, each closed with a cold query still in progress at ternd.
  const char* cold[] = {"www.chain.lab", "www.glueless.corp", "www.half.lab", "loop.chain.lab",
                        "nosuch1.shop.lab", "nosuch2.shop.lab", "ftp.example.lab", "www.lame.lab",
                        "db-fast.shop.lab", "x.wild.example.lab"};
  std::uint16_t id = 0x8200;
  for (const char* name : cold) {
    TcpClient c(t.port());
    REQUIRE(c.connected());
    REQUIRE(c.send_frame(query(id++, name, rrtype::A)));
  }
  // Both slots must come free again (bounded: the cold queries finish quickly in the lab).
  bool both = false;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!both && std::chrono::steady_clock::now() < deadline) {
    TcpClient a(t.port()), b(t.port());
    both = answers_ok(a, id++) && answers_ok(b, id++);
    if (!both) std::this_thread::sleep_for(100ms);
  }
  CHECK(both);
}

// Worker::reconfigure applies the TCP limits too (tcp-idle-timeout is marked Reload: yes in the
// settings table): open connections follow the new value.
TEST_CASE("SIGHUP applies a new tcp-idle-timeout", "[tcp][idle][reload]") {
  Ternd t(TerndOptions{"tcp-idle-timeout: 30000\n"});
  t.rewrite_config("tcp-idle-timeout: 300\n");
  t.process().signal(SIGHUP);
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (t.log().find("configuration reloaded") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  REQUIRE(t.log().find("configuration reloaded") != std::string::npos);
  TcpClient c(t.port());
  REQUIRE(c.connected());
  CHECK(c.wait_closed(5s));  // generous: the machine may be loaded
}
