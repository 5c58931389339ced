// The cache-hit path works on wire bytes; these tests parse what it produces to prove it is a
// correct response: ID and flags from the client, TTLs counted down, EDNS, truncation.
#include "helpers.hpp"

#include "daemon/answering/hit_response.hpp"

using namespace tern;
using namespace tern::test;
using namespace std::chrono_literals;

namespace {

struct Cached {
  cache::FakeClock clock;
  cache::AnswerCache answers{1 << 20, cache::HashKey{3, 4}, clock, cache::TtlBounds{}, cache::TtlBounds{0, 3600}};
};

dns::Message serve(const cache::CachedAnswer& entry, daemon::HitRequest request, daemon::HitServing serving) {
  std::vector<std::uint8_t> out;
  daemon::make_hit_response(entry, request, serving, out);
  dns::Message m;
  REQUIRE(dns::parse_message(out, m) == dns::WireError::none);
  return m;
}

}  // namespace

TEST_CASE("a hit is the cached answer with the client's ID, flags and aged TTLs", "[hit]") {
  Cached c;
  auto q = question("www.chain.lab");
  c.answers.insert(q, dns::rcode::noerror,
                   rrs({"www.chain.lab. 600 IN CNAME www.example.lab.", "www.example.lab. 300 IN A 127.0.0.80"}), {});
  c.clock.advance(42s);
  auto hit = c.answers.find(q);
  REQUIRE(hit);
  CHECK(hit->age == 42);
  CHECK(hit->remaining == 300 - 42);
  std::string client_name = "\x03WwW\x05" "chain\x03LAB";
  client_name.push_back('\0');
  daemon::HitRequest request{0xBEEF, true, true, dns::rrtype::A,
                             std::span(reinterpret_cast<const std::uint8_t*>(client_name.data()), client_name.size()),
                             true, true, 1232};
  auto m = serve(*hit->entry, request, daemon::HitServing{hit->age, std::nullopt, std::nullopt, 1232, {}});
  CHECK(m.id == 0xBEEF);
  CHECK(m.qr);
  CHECK(m.ra);
  CHECK(m.rd);
  CHECK(m.cd);
  CHECK_FALSE(m.aa);
  CHECK_FALSE(m.tc);
  REQUIRE(m.answer.size() == 2);
  CHECK(m.answer[0].ttl == 600 - 42);  // each RRset ages from its own TTL ...
  CHECK(m.answer[1].ttl == 300 - 42);
  CHECK(hit->entry->ttl == 300);       // ... and the entry lives as long as the shortest
  REQUIRE(m.edns);
  CHECK(m.edns->dnssec_ok);
  CHECK(m.edns->udp_size == 1232);
  CHECK(m.questions[0].name == q.name);
}

TEST_CASE("a hit without EDNS carries no OPT; a big one is truncated", "[hit]") {
  Cached c;
  auto q = question("big.lab", dns::rrtype::TXT);
  std::vector<dns::Record> txt;
  for (int i = 0; i < 4; ++i)
    txt.push_back(rr(("big.lab. 300 IN TXT \"" + std::string(200, 'a' + i) + "\"").c_str()));
  c.answers.insert(q, dns::rcode::noerror, txt, {});
  auto hit = c.answers.find(q);
  REQUIRE(hit);
  daemon::HitRequest request{7, true, false, dns::rrtype::TXT, {}, false, false, 512};
  auto m = serve(*hit->entry, request, daemon::HitServing{0, std::nullopt, std::nullopt, 1232, {}});
  CHECK(m.tc);
  CHECK(m.answer.empty());
  CHECK_FALSE(m.edns);
  CHECK(m.questions.size() == 1);
  request.max_size = 65535;
  m = serve(*hit->entry, request, daemon::HitServing{0, std::nullopt, std::nullopt, 1232, {}});
  CHECK_FALSE(m.tc);
  CHECK(m.answer.size() == 4);
}

TEST_CASE("stale serving fixes TTLs and attaches EDE 3", "[hit]") {
  Cached c;
  auto q = question("db.shop.lab");
  c.answers.insert(q, dns::rcode::noerror, rrs({"db.shop.lab. 300 IN A 127.0.10.1"}), {});
  c.clock.advance(400s);
  CHECK_FALSE(c.answers.find(q));  // never served past its TTL ...
  auto stale = c.answers.lookup(q);
  REQUIRE(stale);                  // ... unless serve-stale asks for it
  CHECK(stale->expired);
  daemon::HitRequest request{9, true, false, dns::rrtype::A, {}, true, false, 1232};
  auto m = serve(*stale->entry, request, daemon::HitServing{stale->age, 30u, std::uint16_t{3}, 1232, {}});
  REQUIRE(m.answer.size() == 1);
  CHECK(m.answer[0].ttl == 30);
  REQUIRE(m.edns);
  CHECK(m.edns->options == std::string("\x00\x0f\x00\x02\x00\x03", 6));
}

TEST_CASE("an NXDOMAIN answers every type of its name", "[hit]") {
  Cached c;
  auto soa = "example.lab. 3600 IN SOA ns1.example.lab. h.example.lab. 1 2 3 4 60";
  c.answers.insert(question("nosuch.example.lab"), dns::rcode::nxdomain, {}, rrs({soa}));
  auto hit = c.answers.find(question("nosuch.example.lab", dns::rrtype::MX));
  REQUIRE(hit);
  daemon::HitRequest request{1, true, false, dns::rrtype::MX, {}, false, false, 512};
  auto m = serve(*hit->entry, request, daemon::HitServing{0, std::nullopt, std::nullopt, 1232, {}});
  CHECK(m.rcode == dns::rcode::nxdomain);
  CHECK(m.questions[0].type == dns::rrtype::MX);  // the type asked, not the one first cached
  REQUIRE(m.authority.size() == 1);
  CHECK(m.authority[0].ttl == 60);
  // A NODATA is per type: it says nothing about other types.
  c.answers.insert(question("www.example.lab", dns::rrtype::AAAA), dns::rcode::noerror, {}, rrs({soa}));
  CHECK_FALSE(c.answers.find(question("www.example.lab", dns::rrtype::MX)));
  CHECK(c.answers.erase(question("nosuch.example.lab", dns::rrtype::TXT)));
  CHECK_FALSE(c.answers.find(question("nosuch.example.lab")));
}

TEST_CASE("cache-max-ttl and the negative bounds clamp what is stored", "[hit]") {
  cache::FakeClock clock;
  cache::AnswerCache answers{1 << 20, cache::HashKey{3, 4}, clock, cache::TtlBounds{0, 60}, cache::TtlBounds{120, 3600}};
  auto stored = answers.insert(question("db.shop.lab"), dns::rcode::noerror, rrs({"db.shop.lab. 300 IN A 127.0.10.1"}), {});
  REQUIRE(stored);
  CHECK(stored->ttl == 60);
  CHECK(stored->records().answer[0].ttl == 60);
  stored = answers.insert(question("x.shop.lab"), dns::rcode::nxdomain, {},
                          rrs({"shop.lab. 45 IN SOA ns1.shop.lab. h.shop.lab. 1 2 3 4 120"}));
  REQUIRE(stored);
  CHECK(stored->ttl == 120);  // min(45, 120) raised to cache-min-negative-ttl
}

namespace {

std::string sig(const char* owner, const char* covered) {
  return std::string(owner) + " 300 IN RRSIG " + covered + " 13 3 300 20300101000000 20200101000000 4242 example.lab. " +
         std::string(86, 'A') + "==";
}

std::vector<std::uint8_t> serve_bytes(const cache::CachedAnswer& entry, bool dnssec_ok, std::uint16_t qtype) {
  const std::string qname("\x03www\x07" "example\x03lab", 16);
  daemon::HitRequest request{0x0101, true, false, qtype,
                             std::span(reinterpret_cast<const std::uint8_t*>(qname.data()), qname.size()),
                             true, dnssec_ok, 1232};
  std::vector<std::uint8_t> out;
  daemon::make_hit_response(entry, request, daemon::HitServing{7, std::nullopt, std::nullopt, 1232, {}}, out);
  return out;
}

}  // namespace

TEST_CASE("a signed hit: RRSIGs for DO clients, for others the same octets as an unsigned entry", "[hit][dnssec]") {
  // RFC 4035 §3.2.1. Two caches: one holds the answer as a DO=1 query brings it, one as it
  // would be unsigned; a DO=0 client must not tell them apart, to the octet.
  Cached signed_cache, unsigned_cache;
  auto q = question("www.example.lab");
  const auto a_sig = sig("www.example.lab.", "A");
  signed_cache.answers.insert(q, dns::rcode::noerror, rrs({"www.example.lab. 300 IN A 127.0.0.80", a_sig.c_str()}), {});
  unsigned_cache.answers.insert(q, dns::rcode::noerror, rrs({"www.example.lab. 300 IN A 127.0.0.80"}), {});
  auto with_sig = signed_cache.answers.find(q);
  auto without = unsigned_cache.answers.find(q);
  REQUIRE(with_sig);
  REQUIRE(without);
  CHECK(serve_bytes(*with_sig->entry, false, q.type) == serve_bytes(*without->entry, false, q.type));
  CHECK(without->entry->plain_wire.empty());  // nothing to strip: one wire form only

  auto full = serve_bytes(*with_sig->entry, true, q.type);
  dns::Message m;
  REQUIRE(dns::parse_message(full, m) == dns::WireError::none);
  REQUIRE(m.answer.size() == 2);
  CHECK(m.answer[1].type == dns::rrtype::RRSIG);
  CHECK(m.answer[1].rdata == rr(a_sig.c_str()).rdata);
  CHECK(m.answer[1].ttl == 300 - 7);  // its TTL ages like the others
  CHECK(m.answer[0].ttl == 300 - 7);
  REQUIRE(m.edns);
  CHECK(m.edns->dnssec_ok);
  // The unsigned entry's DO=1 form differs from its DO=0 form only in the OPT's DO bit.
  auto unsigned_do = serve_bytes(*without->entry, true, q.type);
  auto unsigned_plain = serve_bytes(*without->entry, false, q.type);
  REQUIRE(unsigned_do.size() == unsigned_plain.size());
  unsigned_do[unsigned_do.size() - 4] &= 0x7f;  // the DO bit: OPT TTL's third octet, RDLENGTH 0 after
  CHECK(unsigned_do == unsigned_plain);
}

TEST_CASE("a cached NXDOMAIN keeps its NSEC proof for DO clients only", "[hit][dnssec]") {
  Cached c;
  auto q = question("www.example.lab");
  const auto soa_sig = sig("example.lab.", "SOA");
  const auto nsec_sig = sig("a.example.lab.", "NSEC");
  c.answers.insert(q, dns::rcode::nxdomain, {},
                   rrs({"example.lab. 300 IN SOA ns1.example.lab. admin.example.lab. 1 7200 900 1209600 300",
                        soa_sig.c_str(), "a.example.lab. 300 IN NSEC z.example.lab. A RRSIG NSEC", nsec_sig.c_str()}));
  // A per-name NXDOMAIN serves every type, NSEC included: its proof is still DNSSEC-only there.
  auto hit = c.answers.find(question("www.example.lab", dns::rrtype::NSEC));
  REQUIRE(hit);
  dns::Message with, without;
  REQUIRE(dns::parse_message(serve_bytes(*hit->entry, true, dns::rrtype::NSEC), with) == dns::WireError::none);
  REQUIRE(dns::parse_message(serve_bytes(*hit->entry, false, dns::rrtype::NSEC), without) == dns::WireError::none);
  CHECK(with.rcode == dns::rcode::nxdomain);
  CHECK(without.rcode == dns::rcode::nxdomain);
  CHECK(with.authority.size() == 4);
  REQUIRE(without.authority.size() == 1);
  CHECK(without.authority[0].type == dns::rrtype::SOA);
  CHECK(without.authority[0].ttl == 300 - 7);
}

TEST_CASE("a secure entry is served with AD to DO and AD clients only; others never get AD", "[hit][dnssec]") {
  Cached c;
  auto secure_q = question("www.alg13.sec");
  auto insecure_q = question("www.example.lab");
  c.answers.insert(secure_q, dns::rcode::noerror, rrs({"www.alg13.sec. 300 IN A 127.0.30.80"}), {},
                   resolver::dnssec::Security::secure);
  c.answers.insert(insecure_q, dns::rcode::noerror, rrs({"www.example.lab. 300 IN A 127.0.0.80"}), {},
                   resolver::dnssec::Security::insecure);
  auto secure = c.answers.find(secure_q);
  auto insecure = c.answers.find(insecure_q);
  REQUIRE(secure);
  REQUIRE(insecure);
  auto request = [](bool dnssec_ok, bool ad) {
    daemon::HitRequest r{1, true, false, dns::rrtype::A, {}, true, dnssec_ok, 1232};
    r.ad = ad;
    return r;
  };
  const daemon::HitServing serving{0, std::nullopt, std::nullopt, 1232, {}};
  CHECK(serve(*secure->entry, request(true, false), serving).ad);   // DO
  CHECK(serve(*secure->entry, request(false, true), serving).ad);   // AD (RFC 6840 §5.7)
  CHECK_FALSE(serve(*secure->entry, request(false, false), serving).ad);
  CHECK_FALSE(serve(*insecure->entry, request(true, true), serving).ad);
}

TEST_CASE("an insecure entry keeps the EDE its miss carried; a stale hit's EDE 3 comes first", "[hit][dnssec]") {
  Cached c;
  auto q = question("www.alg253.lab");
  auto plain_q = question("www.example.lab");
  c.answers.insert(q, dns::rcode::noerror, rrs({"www.alg253.lab. 300 IN A 127.0.30.90"}), {},
                   resolver::dnssec::Security::insecure, std::uint16_t{1}, "alg 253");
  c.answers.insert(plain_q, dns::rcode::noerror, rrs({"www.example.lab. 300 IN A 127.0.0.80"}), {},
                   resolver::dnssec::Security::insecure);
  auto hit = c.answers.find(q);
  auto plain = c.answers.find(plain_q);
  REQUIRE(hit);
  REQUIRE(plain);
  CHECK(hit->entry->ede == std::uint16_t{1});
  CHECK(hit->entry->ede_text == "alg 253");
  CHECK_FALSE(plain->entry->ede);
  daemon::HitRequest request{5, true, false, dns::rrtype::A, {}, true, false, 1232};
  auto m = serve(*hit->entry, request, daemon::HitServing{0, std::nullopt, std::nullopt, 1232, {}});
  REQUIRE(m.edns);
  CHECK(m.edns->options == std::string("\x00\x0f\x00\x09\x00\x01" "alg 253", 13));
  REQUIRE(m.answer.size() == 1);
  // Stale serving says the data is stale (EDE 3) instead.
  auto stale = serve(*hit->entry, request, daemon::HitServing{0, 30u, std::uint16_t{3}, 1232, {}});
  REQUIRE(stale.edns);
  CHECK(stale.edns->options == std::string("\x00\x0f\x00\x02\x00\x03", 6));
  // An entry without one gets an OPT with no option; a client without EDNS gets no OPT at all.
  auto none = serve(*plain->entry, request, daemon::HitServing{0, std::nullopt, std::nullopt, 1232, {}});
  REQUIRE(none.edns);
  CHECK(none.edns->options.empty());
  request.edns = false;
  CHECK_FALSE(serve(*hit->entry, request, daemon::HitServing{0, std::nullopt, std::nullopt, 1232, {}}).edns);
}
