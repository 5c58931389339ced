// access-control from the client's side: a refuse rule for 127.0.0.0/8 answers REFUSED (UDP
// and TCP, dig and c-ares), a deny rule answers nothing at all. A reload (SIGHUP) applies a new
// rule set and rejects a broken file, keeping the old rules.
#include <catch2/catch.hpp>

#include "support/eventually.hpp"
#include "support/cares_client.hpp"
#include "support/dig.hpp"
#include "support/dns_wire.hpp"
#include "support/ternd.hpp"

#include <ares.h>
#include <arpa/nameser.h>
#include <signal.h>

#include <thread>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {


int udp_rcode(const Ternd& t, const std::string& name) {
  auto reply = udp_exchange(t.port(), make_query(name, rrtype::A), 3s);
  if (!reply) return -1;
  auto r = parse_response(*reply, true);
  return r ? r->rcode : -2;
}

}  // namespace

TEST_CASE("access-control refuse: REFUSED for 127.0.0.1 over UDP and TCP", "[acl]") {
  Ternd t(TerndOptions{"access-control: [\"127.0.0.0/8 refuse\"]\n"});
  for (const char* transport : {"+notcp", "+tcp"}) {
    DigResult r = dig(t.port(), "www.example.lab", "A", {transport});
    INFO(r.output);
    REQUIRE(r.answered);
    CHECK(r.status == "REFUSED");
    CHECK(r.answer.empty());
  }
  for (bool tcp : {false, true}) {
    INFO((tcp ? "c-ares over TCP" : "c-ares over UDP"));
    // the rcode itself (ARES_FLAG_NOCHECKRESP) ...
    CaresClient exact(t.port(), CaresOptions{tcp, 3000, 2, false});
    CHECK(exact.query("www.example.lab", ns_t_a).status == ARES_EREFUSED);
    // ... and what an application with default flags sees: no usable server
    CaresClient app(t.port(), CaresOptions{tcp});
    CHECK(app.query("www.example.lab", ns_t_a).status == ARES_ECONNREFUSED);
  }
}

TEST_CASE("access-control: the longest prefix wins", "[acl]") {
  Ternd t(TerndOptions{"access-control: [\"127.0.0.0/8 refuse\", \"127.0.0.1/32 allow\"]\n"});
  DigResult r = dig(t.port(), "www.example.lab", "A");
  INFO(r.output);
  CHECK(r.status == "NOERROR");
  REQUIRE(r.answer.size() == 1);
  CHECK(r.answer[0].data == "127.0.0.80");
}

TEST_CASE("access-control deny: no answer at all, UDP or TCP", "[acl]") {
  TerndOptions o;
  o.extra_config = "access-control: [\"127.0.0.0/8 deny\"]\n";
  o.ready = TerndOptions::Ready::log;  // a probe would never be answered
  Ternd t(o);
  // UDP: nothing comes back (dig gives up after its bound)
  CHECK_FALSE(udp_exchange(t.port(), make_query("www.example.lab", rrtype::A), 1500ms));
  QueryOptions norec;
  norec.rd = false;
  CHECK_FALSE(udp_exchange(t.port(), make_query("www.example.lab", rrtype::A, norec), 500ms));
  DigResult r = dig(t.port(), "www.example.lab", "A", {}, 1, 1);
  INFO(r.output);
  CHECK_FALSE(r.answered);
  CHECK(r.exit_code == 9);  // dig: no reply from server
  // TCP: the query is read and dropped; no frame comes back
  TcpClient c(t.port());
  REQUIRE(c.connected());
  REQUIRE(c.send_frame(make_query("www.example.lab", rrtype::A)));
  CHECK_FALSE(c.read_frame(1500ms));
  CHECK(t.running());
}

TEST_CASE("SIGHUP reload: a new rule applies, a broken file is rejected", "[acl][reload]") {
  Ternd t;
  REQUIRE(udp_rcode(t, "www.example.lab") == 0);

  t.rewrite_config("access-control: [\"127.0.0.0/8 refuse\"]\n");
  t.process().signal(SIGHUP);
  CHECK(eventually([&] { return udp_rcode(t, "www.example.lab") == 5; }));

  // a file with an error: the reload is rejected, the running rules (refuse) stay
  t.rewrite_config("access-control: [\"127.0.0.0/8 allow\"]\nno-such-setting: 1\n");
  t.process().signal(SIGHUP);
  CHECK(eventually([&] { return t.log().find("reload rejected") != std::string::npos; }));
  CHECK(udp_rcode(t, "www.example.lab") == 5);
  REQUIRE(t.running());

  // and a good file again: answers, with the cache kept
  t.rewrite_config("");
  t.process().signal(SIGHUP);
  CHECK(eventually([&] { return udp_rcode(t, "www.example.lab") == 0; }));
  CHECK(t.stop().exited);
}
