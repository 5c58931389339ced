// Hostile and broken input, over UDP and TCP: malformed bodies behind a readable header get
// FORMERR with the query's ID; what has no readable header, and responses (QR=1), get nothing;
// other opcodes NOTIMP, RD=0 / other classes / zone transfers REFUSED, EDNS version 1 BADVERS.
// After all of it ternd still runs and answers a canary.
#include <catch2/catch.hpp>

#include "support/dig.hpp"
#include "support/dns_wire.hpp"
#include "support/ternd.hpp"

#include <optional>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

Bytes header(std::uint16_t id, std::uint8_t flags_hi, std::uint16_t qd, std::uint16_t an = 0,
             std::uint16_t ns = 0, std::uint16_t ar = 0) {
  return {static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id), flags_hi, 0,
          static_cast<std::uint8_t>(qd >> 8), static_cast<std::uint8_t>(qd),
          static_cast<std::uint8_t>(an >> 8), static_cast<std::uint8_t>(an),
          static_cast<std::uint8_t>(ns >> 8), static_cast<std::uint8_t>(ns),
          static_cast<std::uint8_t>(ar >> 8), static_cast<std::uint8_t>(ar)};
}

Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const Bytes type_a_in = {0, 1, 0, 1};
const Bytes opt_rr = {0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0};  // root, OPT, 1232, v0, no rdata

struct BadPacket {
  std::string what;
  Bytes wire;
  std::optional<int> rcode;  ///< nullopt: no answer at all
  std::uint16_t id;
};

std::vector<BadPacket> bad_packets() {
  std::vector<BadPacket> out;
  const std::uint8_t rd = 0x01;
  // FORMERR, the header readable
  out.push_back({"compression pointer to itself in the question",
                 cat(cat(header(0xBAD1, rd, 1), {0xC0, 0x0C}), type_a_in), 1, 0xBAD1});
  out.push_back({"two pointers forming a loop",
                 cat(cat(header(0xBAD2, rd, 1), {0x01, 'a', 0xC0, 0x0E}), type_a_in), 1, 0xBAD2});
  out.push_back({"QDCOUNT 2",
                 cat(cat(cat(header(0xBAD3, rd, 2), encode_name("www.example.lab")), type_a_in),
                     cat(encode_name("db.shop.lab"), type_a_in)),
                 1, 0xBAD3});
  {
    Bytes label(1, 64);
    label.insert(label.end(), 64, 'a');
    label.push_back(0);
    out.push_back({"label of 64 octets", cat(cat(header(0xBAD4, rd, 1), label), type_a_in), 1, 0xBAD4});
  }
  {
    Bytes name;
    for (int i = 0; i < 5; ++i) {
      name.push_back(60);
      name.insert(name.end(), 60, 'b');
    }
    name.push_back(0);
    out.push_back({"name of 306 octets", cat(cat(header(0xBAD5, rd, 1), name), type_a_in), 1, 0xBAD5});
  }
  out.push_back({"trailing garbage after the question",
                 cat(cat(cat(header(0xBAD6, rd, 1), encode_name("www.example.lab")), type_a_in),
                     {'j', 'u', 'n', 'k', '!'}),
                 1, 0xBAD6});
  out.push_back({"QDCOUNT 1 and no question", header(0xBAD7, rd, 1), 1, 0xBAD7});
  out.push_back({"question cut in the middle of the type",
                 cat(cat(header(0xBAD8, rd, 1), encode_name("www.example.lab")), {0}), 1, 0xBAD8});
  out.push_back({"two OPT records",
                 cat(cat(cat(header(0xBAD9, rd, 1, 0, 0, 2), encode_name("www.example.lab")), type_a_in),
                     cat(opt_rr, opt_rr)),
                 1, 0xBAD9});
  out.push_back({"ARCOUNT 1 and no record",
                 cat(cat(header(0xBADA, rd, 1, 0, 0, 1), encode_name("www.example.lab")), type_a_in), 1,
                 0xBADA});
  {
    QueryOptions q;
    q.id = 0xBADB;
    out.push_back({"QTYPE OPT", make_query("www.example.lab", rrtype::OPT, q), 1, 0xBADB});
  }
  out.push_back({"QDCOUNT 0", header(0xBAE0, rd, 0), 1, 0xBAE0});
  // no answer at all
  {
    Bytes response_with_loop = cat(cat(header(0xBAE1, 0x80 | rd, 1), {0xC0, 0x0C}), type_a_in);
    out.push_back({"QR=1 and a pointer loop", response_with_loop, std::nullopt, 0xBAE1});
  }
  out.push_back({"5-byte packet", {0xBA, 0xDC, 0x01, 0x00, 0x00}, std::nullopt, 0xBADC});
  {
    Bytes eleven = header(0xBADD, rd, 1);
    eleven.pop_back();
    out.push_back({"11-byte packet", eleven, std::nullopt, 0xBADD});
  }
  {
    QueryOptions q;
    q.id = 0xBADE;
    q.qr = true;
    out.push_back({"QR=1 (a response)", make_query("www.example.lab", rrtype::A, q), std::nullopt, 0xBADE});
  }
  // well-formed but not served
  {
    QueryOptions q;
    q.id = 0xC001;
    q.opcode = 2;
    out.push_back({"opcode 2 (STATUS)", make_query("www.example.lab", rrtype::A, q), 4, 0xC001});
    q.id = 0xC002;
    q.opcode = 5;
    out.push_back({"opcode 5 (UPDATE)", make_query("example.lab", rrtype::SOA, q), 4, 0xC002});
  }
  {
    QueryOptions q;
    q.id = 0xC003;
    q.rd = false;
    out.push_back({"RD=0", make_query("www.example.lab", rrtype::A, q), 5, 0xC003});
    q = {};
    q.id = 0xC004;
    q.klass = 3;
    out.push_back({"class CH", make_query("version.bind", 16, q), 5, 0xC004});
    q = {};
    q.id = 0xC005;
    out.push_back({"AXFR", make_query("example.lab", rrtype::AXFR, q), 5, 0xC005});
    q.id = 0xC006;
    out.push_back({"IXFR", make_query("example.lab", 251, q), 5, 0xC006});
    q.id = 0xC007;
    q.edns_size = 1232;
    q.edns_version = 1;
    out.push_back({"EDNS version 1", make_query("www.example.lab", rrtype::A, q), 16, 0xC007});
  }
  return out;
}

void check_reply(const BadPacket& p, const std::optional<Bytes>& reply) {
  INFO(p.what);
  if (!p.rcode) {
    CHECK_FALSE(reply);
    return;
  }
  REQUIRE(reply);
  auto r = parse_response(*reply);
  REQUIRE(r);  // ternd's own answer must be well-formed
  CHECK(r->id == p.id);
  CHECK(r->qr);
  CHECK(r->rcode == *p.rcode);
  CHECK(r->answer.empty());
  if (*p.rcode == 16) CHECK(r->has_opt);  // BADVERS lives in the OPT's extended rcode
}

void check_canary(const Ternd& t) {
  DigResult canary = dig(t.port(), "www.example.lab", "A");
  INFO(canary.output);
  CHECK(canary.status == "NOERROR");
  REQUIRE(canary.answer.size() == 1);
  CHECK(canary.answer[0].data == "127.0.0.80");
}

}  // namespace

TEST_CASE("malformed and refused queries over UDP, then a canary", "[bad-input][udp]") {
  Ternd t;
  for (const BadPacket& p : bad_packets()) {
    // no-answer cases only wait briefly: a reply would come at once
    check_reply(p, udp_exchange(t.port(), p.wire, p.rcode ? 3000ms : 400ms));
  }
  REQUIRE(t.running());
  check_canary(t);
}

TEST_CASE("a UDP datagram over 4096 octets is dropped, not answered from a cut copy", "[bad-input][udp]") {
  Ternd t;
  // A well-formed query followed by 5000 octets: the kernel cuts it at tern's receive buffer
  // (MSG_TRUNC); answering FORMERR for trailing data would be answering a packet never read.
  QueryOptions q;
  q.id = 0xB16B;
  Bytes big = make_query("www.example.lab", rrtype::A, q);
  big.resize(big.size() + 5000, 0xAA);
  CHECK_FALSE(udp_exchange(t.port(), big, 500ms));
  // The same octets cut to a legal size get the answer a trailing-garbage query deserves.
  big.resize(4000);
  auto reply = udp_exchange(t.port(), big, 3000ms);
  REQUIRE(reply);
  auto parsed = parse_response(*reply, true);
  REQUIRE(parsed);
  CHECK(parsed->rcode == 1);
  REQUIRE(t.running());
  check_canary(t);
}

TEST_CASE("malformed and refused queries over TCP, the connection stays usable", "[bad-input][tcp]") {
  Ternd t;
  TcpClient c(t.port());
  REQUIRE(c.connected());
  for (const BadPacket& p : bad_packets()) {
    INFO(p.what);
    REQUIRE(c.send_frame(p.wire));
    check_reply(p, c.read_frame(p.rcode ? 3000ms : 400ms));
    REQUIRE_FALSE(c.eof());
  }
  // the same connection still answers a real query
  QueryOptions q;
  q.id = 0x600D;
  REQUIRE(c.send_frame(make_query("www.example.lab", rrtype::A, q)));
  auto reply = c.read_frame(5s);
  REQUIRE(reply);
  auto r = parse_response(*reply);
  REQUIRE(r);
  CHECK(r->id == 0x600D);
  CHECK(r->rcode == 0);
  REQUIRE(r->answer.size() == 1);
  CHECK(r->answer[0].data == "127.0.0.80");
  REQUIRE(t.running());
  check_canary(t);
}

TEST_CASE("a zero-length TCP frame closes only that connection", "[bad-input][tcp]") {
  Ternd t;
  TcpClient c(t.port());
  REQUIRE(c.connected());
  REQUIRE(c.send_raw({0, 0}));
  CHECK(c.wait_closed(2s));
  auto reply = tcp_exchange(t.port(), make_query("www.example.lab", rrtype::A), 5s);
  REQUIRE(reply);
  auto r = parse_response(*reply);
  REQUIRE(r);
  CHECK(r->rcode == 0);
  REQUIRE(t.running());
}

TEST_CASE("a flood of garbage datagrams does not stop ternd", "[bad-input][udp]") {
  Ternd t;
  std::uint32_t state = 12345;
  auto next = [&] {
    state = state * 1103515245u + 12345u;
    return static_cast<std::uint8_t>(state >> 16);
  };
  for (int i = 0; i < 300; ++i) {
    Bytes junk(12 + next() % 200);
    for (auto& b : junk) b = next();
    junk[2] &= 0x7F;  // QR=0, so that a FORMERR may come back; never wait long for it
    (void)udp_exchange(t.port(), junk, 10ms);
  }
  REQUIRE(t.running());
  check_canary(t);
}
