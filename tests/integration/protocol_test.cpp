// Protocol features seen from a real client: DNS cookies with dig +cookie (RFC 7873, RFC
// 9018: a 24-octet cookie back, a valid server cookie echoed on a miss and on a cache hit, a
// forged one replaced, a reload keeps it valid, a malformed option FORMERR, none when off),
// and minimal ANY with dig ANY (RFC 8482: one RRset, or the synthesised HINFO).
#include <catch2/catch.hpp>

#include "support/dig.hpp"
#include "support/dns_wire.hpp"
#include "support/ternd.hpp"

#include <csignal>
#include <regex>
#include <set>
#include <thread>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

/// The COOKIE dig printed from the response ("" if none), lower-case hex.
std::string cookie_in(const DigResult& r) {
  std::smatch m;
  static const std::regex line("; COOKIE: ([0-9a-fA-F]+)");
  return std::regex_search(r.output, m, line) ? m[1].str() : std::string();
}

DigResult dig_cookie(std::uint16_t port, const std::string& name, const std::string& cookie = {}) {
  return dig(port, name, "A", {cookie.empty() ? "+cookie" : "+cookie=" + cookie});
}

}  // namespace

TEST_CASE("dig +cookie: a server cookie comes back, and a valid one is accepted", "[cookies][integration]") {
  Ternd t;
  DigResult first = dig_cookie(t.port(), "www.example.lab");
  INFO(first.output);
  REQUIRE(first.status == "NOERROR");
  const std::string cookie = cookie_in(first);
  REQUIRE(cookie.size() == 48);  // 8-octet client + 16-octet RFC 9018 server cookie
  CHECK(first.output.find("(good)") != std::string::npos);  // our client cookie came back
  CHECK(cookie.substr(16, 8) == "01000000");              // version 1, reserved zero

  // Sent back: accepted and echoed as it is, on the cache-hit path as on the miss path.
  for (const char* name : {"www.example.lab", "mail.example.lab"}) {
    DigResult again = dig_cookie(t.port(), name, cookie);
    INFO(again.output);
    CHECK(again.status == "NOERROR");
    CHECK(cookie_in(again) == cookie);
  }
  // A forged server cookie is not echoed: the client gets a fresh one of ours.
  std::string forged = cookie;
  forged[47] = forged[47] == '0' ? '1' : '0';
  DigResult replaced = dig_cookie(t.port(), "www.example.lab", forged);
  INFO(replaced.output);
  CHECK(replaced.status == "NOERROR");
  const std::string fresh = cookie_in(replaced);
  REQUIRE(fresh.size() == 48);
  CHECK(fresh.substr(0, 16) == cookie.substr(0, 16));
  CHECK(fresh != forged);

  // A reload rotates the secret; the cookie made before it stays valid.
  t.process().signal(SIGHUP);
  bool reloaded = false;
  for (int i = 0; i < 100 && !reloaded; ++i) {
    reloaded = t.log().find("configuration reloaded") != std::string::npos;
    if (!reloaded) std::this_thread::sleep_for(50ms);
  }
  REQUIRE(reloaded);
  std::this_thread::sleep_for(200ms);
  CHECK(cookie_in(dig_cookie(t.port(), "www.example.lab", cookie)) == cookie);
}

TEST_CASE("a malformed COOKIE option gets FORMERR; cookies: no ignores it", "[cookies][integration]") {
  // An OPT whose RDATA is a COOKIE option of 5 octets (a client cookie must have 8).
  QueryOptions options;
  options.edns_size = 1232;
  Bytes query = make_query("www.example.lab", 1, options);
  const Bytes option = {0, 10, 0, 5, 1, 2, 3, 4, 5};
  query[query.size() - 1] = static_cast<std::uint8_t>(option.size());  // OPT RDLENGTH (was 0)
  query.insert(query.end(), option.begin(), option.end());
  {
    Ternd t;
    auto wire = udp_exchange(t.port(), query);
    REQUIRE(wire);
    auto r = parse_response(*wire);
    REQUIRE(r);
    CHECK(r->rcode == rcode::FORMERR);
    CHECK(r->id == 0x1234);
  }
  {
    Ternd t(TerndOptions{"cookies: no\n"});
    auto wire = udp_exchange(t.port(), query);
    REQUIRE(wire);
    auto r = parse_response(*wire);
    REQUIRE(r);
    CHECK(r->rcode == rcode::NOERROR);
    DigResult plain = dig_cookie(t.port(), "www.example.lab");
    INFO(plain.output);
    CHECK(cookie_in(plain).empty());
  }
}

TEST_CASE("dig ANY gets one RRset, never every type (RFC 8482)", "[any][integration]") {
  Ternd t;
  // mail.example.lab has A and AAAA: only one of them comes back.
  DigResult mail = dig(t.port(), "mail.example.lab", "ANY");
  INFO(mail.output);
  CHECK(mail.status == "NOERROR");
  std::set<std::string> types;
  for (const auto& rr : mail.answer) types.insert(rr.type);
  CHECK(types == std::set<std::string>{"A"});
  // The apex has SOA, NS and MX but no A: the synthesised HINFO, not all three.
  DigResult apex = dig(t.port(), "example.lab", "ANY");
  INFO(apex.output);
  CHECK(apex.status == "NOERROR");
  REQUIRE(apex.answer.size() == 1);
  CHECK(apex.answer.front().type == "HINFO");
  CHECK(apex.answer.front().data.find("RFC8482") != std::string::npos);
  // A cached answer of another type stands in: MX asked first, then ANY.
  CHECK(dig(t.port(), "example.lab", "MX").status == "NOERROR");
  DigResult cached = dig(t.port(), "example.lab", "ANY");
  INFO(cached.output);
  REQUIRE(cached.answer.size() == 1);
  CHECK(cached.answer.front().type == "MX");
  DigResult missing = dig(t.port(), "nosuch.example.lab", "ANY");
  CHECK(missing.status == "NXDOMAIN");
}
