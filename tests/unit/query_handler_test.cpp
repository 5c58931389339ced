// The client-side policy, end to end inside one process: a real Resolver whose transport is a
// scripted stand-in (no sockets), so every drop, error and counter can be asserted exactly.
#include "query_handler_fixture.hpp"

#include "daemon/config/access_control.hpp"
#include "daemon/answering/minimal_any.hpp"
#include "resolver/dns/cookie.hpp"
#include "daemon/answering/query_handler.hpp"
#include "daemon/answering/responder.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace tern;
using namespace tern::test;


TEST_CASE("a valid query is resolved, then answered from cache", "[handler]") {
  Fixture f;
  auto r = f.ask(query("www.example.lab"));
  REQUIRE(r);
  CHECK(r->id == 0x1234);
  CHECK(r->qr);
  CHECK(r->ra);
  CHECK(r->rd);
  CHECK(r->rcode == dns::rcode::noerror);
  REQUIRE(r->answer.size() == 1);
  CHECK(f.stats.cache_misses == 1);
  int calls = f.transport.calls;
  r = f.ask(query("www.example.lab"));
  REQUIRE(r);
  CHECK(r->answer.size() == 1);
  CHECK(f.stats.cache_hits == 1);
  CHECK(f.transport.calls == calls);
  CHECK(f.stats.responses_by_rcode[0] == 2);
}

TEST_CASE("unreadable packets and responses are dropped and counted", "[handler]") {
  Fixture f;
  CHECK_FALSE(f.ask(bytes({0x12, 0x34, 0x01, 0, 0})));
  CHECK(f.stats.dropped_unreadable == 1);
  CHECK_FALSE(f.ask(query("www.lab", dns::rrtype::A, [](dns::Message& m) { m.qr = true; })));
  CHECK(f.stats.dropped_responses == 1);
  CHECK(f.transport.calls == 0);
}

TEST_CASE("a malformed body gets FORMERR with the ID kept", "[handler]") {
  Fixture f;
  auto packet = query("www.lab");
  packet.push_back(0xff);  // trailing garbage
  auto r = f.ask(packet);
  REQUIRE(r);
  CHECK(r->id == 0x1234);
  CHECK(r->rcode == dns::rcode::formerr);
  CHECK(r->questions.empty());
  CHECK(f.stats.malformed[static_cast<std::size_t>(dns::WireError::trailing_data)] == 1);
  // A compression loop in the question.
  auto loop = bytes({0xab, 0xcd, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1});
  r = f.ask(loop);
  REQUIRE(r);
  CHECK(r->id == 0xabcd);
  CHECK(r->rcode == dns::rcode::formerr);
  CHECK(f.stats.malformed[static_cast<std::size_t>(dns::WireError::pointer_not_backwards)] == 1);
  CHECK(f.transport.calls == 0);
}

TEST_CASE("queries the service does not offer get the right error", "[handler]") {
  Fixture f;
  auto rcode_of = [&](std::vector<std::uint8_t> p) {
    auto r = f.ask(std::move(p));
    REQUIRE(r);
    return r->rcode;
  };
  CHECK(rcode_of(query("www.lab", 1, [](dns::Message& m) { m.opcode = 2; })) == dns::rcode::notimp);
  CHECK(rcode_of(query("www.lab", 1, [](dns::Message& m) { m.questions.clear(); })) == dns::rcode::formerr);
  CHECK(rcode_of(query("www.lab", 1, [](dns::Message& m) { m.questions.push_back(m.questions[0]); })) ==
        dns::rcode::formerr);
  const auto noerror_before = f.stats.responses_by_rcode[dns::rcode::noerror].load();
  CHECK(rcode_of(query("www.lab", 1, [](dns::Message& m) { m.edns->version = 1; })) == dns::rcode::badvers);
  CHECK(f.stats.responses_by_rcode[dns::rcode::badvers] == 1);  // not as NOERROR (header bits 0)
  CHECK(f.stats.responses_by_rcode[dns::rcode::noerror] == noerror_before);
  CHECK(rcode_of(query("www.lab", 1, [](dns::Message& m) { m.questions[0].klass = 3; })) == dns::rcode::refused);
  CHECK(rcode_of(query("www.lab", dns::rrtype::AXFR)) == dns::rcode::refused);
  CHECK(rcode_of(query("www.lab", dns::rrtype::OPT)) == dns::rcode::formerr);
  CHECK(rcode_of(query("www.lab", 1, [](dns::Message& m) { m.rd = false; })) == dns::rcode::refused);
  CHECK(f.transport.calls == 0);
}

TEST_CASE("access control refuses or drops by prefix", "[handler]") {
  Fixture f;
  auto r = f.ask(query("www.lab"), "203.0.113.7");  // a public address: refused by default
  REQUIRE(r);
  CHECK(r->rcode == dns::rcode::refused);
  CHECK(f.stats.acl_refused == 1);
  auto p = std::make_shared<daemon::ClientPolicy>(*f.policy);
  std::string error;
  p->access_control = daemon::merge_acl_rules(p->access_control, {*daemon::parse_acl_rule("203.0.113.0/24 deny", error)});
  f.handler.set_policy(p);
  CHECK_FALSE(f.ask(query("www.lab"), "203.0.113.7"));
  CHECK(f.stats.acl_dropped == 1);
  CHECK(f.ask(query("www.lab"), "::ffff:127.0.0.1"));  // mapped loopback is loopback
  CHECK(f.transport.calls > 0);
}

TEST_CASE("answers are truncated to the client's buffer", "[handler]") {
  Fixture f;
  auto r = f.ask(query("big.lab", dns::rrtype::TXT, [](dns::Message& m) { m.edns->udp_size = 512; }));
  REQUIRE(r);
  CHECK(r->tc);
  CHECK(r->answer.empty());
  CHECK(f.stats.truncated_udp == 1);
  r = f.ask(query("big.lab", dns::rrtype::TXT), "127.0.0.1", daemon::ClientTransport::tcp);
  REQUIRE(r);
  CHECK_FALSE(r->tc);
  CHECK(r->answer.size() == 10);
  // DoT is a stream too: the whole answer, never TC=1.
  r = f.ask(query("big.lab", dns::rrtype::TXT, [](dns::Message& m) { m.edns->udp_size = 512; }), "127.0.0.1",
            daemon::ClientTransport::tls);
  REQUIRE(r);
  CHECK_FALSE(r->tc);
  CHECK(r->answer.size() == 10);
  CHECK(f.stats.truncated_udp == 1);
  // Without EDNS the limit is 512 octets (RFC 1035).
  r = f.ask(query("big.lab", dns::rrtype::TXT, [](dns::Message& m) { m.edns.reset(); }));
  REQUIRE(r);
  CHECK(r->tc);
}

TEST_CASE("SERVFAIL carries an Extended DNS Error to EDNS clients", "[handler]") {
  dns::Message q;
  q.id = 9;
  q.rd = true;
  q.questions = {question("x.lab")};
  q.edns = dns::Edns{1232, 0, false, {}};
  auto wire = daemon::make_response(q, resolver::Outcome::servfail(resolver::ede::no_reachable_authority, "all down"),
                                    1232, 1232);
  dns::Message m;
  REQUIRE(dns::parse_message(wire, m) == dns::WireError::none);
  CHECK(m.rcode == dns::rcode::servfail);
  REQUIRE(m.edns);
  // option 15, length 2 + 8, info code 22, "all down"
  CHECK(m.edns->options == std::string("\x00\x0f\x00\x0a\x00\x16" "all down", 14));
  CHECK(daemon::max_response_size(q, false, 1232) == 1232);
  q.edns->udp_size = 4096;
  CHECK(daemon::max_response_size(q, false, 1232) == 1232);
  q.edns->udp_size = 100;
  CHECK(daemon::max_response_size(q, false, 1232) == 512);
}

TEST_CASE("the hot path answers live hits inline and declines everything else", "[handler]") {
  Fixture f;
  std::vector<std::uint8_t> out;
  auto packet = query("www.example.lab");
  const auto from = asio::ip::make_address("127.0.0.1");
  CHECK_FALSE(f.handler.answer_from_cache(packet, from, daemon::ClientTransport::udp, out));  // not cached yet
  CHECK(f.stats.queries_udp == 0);  // declining counts nothing: handle() will
  REQUIRE(f.ask(packet));           // the slow path resolves and caches
  const auto before = f.stats.queries_udp.load();
  auto mixed_case = query("WWW.Example.Lab");
  REQUIRE(f.handler.answer_from_cache(mixed_case, from, daemon::ClientTransport::udp, out));
  dns::Message m;
  REQUIRE(dns::parse_message(out, m) == dns::WireError::none);
  CHECK(m.id == 0x1234);
  CHECK(m.rcode == dns::rcode::noerror);
  CHECK(m.answer.size() == 1);
  REQUIRE(m.edns);
  CHECK(f.stats.queries_udp == before + 1);
  CHECK(f.stats.cache_hits == 1);
  // What the hot path must leave to handle(): each would need an error, a walk or a policy.
  const auto public_client = asio::ip::make_address("203.0.113.7");
  CHECK_FALSE(f.handler.answer_from_cache(packet, public_client, daemon::ClientTransport::udp, out));
  CHECK_FALSE(f.handler.answer_from_cache(query("www.example.lab", 1, [](dns::Message& q) { q.rd = false; }), from,
                                          daemon::ClientTransport::udp, out));
  CHECK_FALSE(f.handler.answer_from_cache(query("www.example.lab", 1, [](dns::Message& q) { q.edns->version = 1; }),
                                          from, daemon::ClientTransport::udp, out));
  auto garbage = packet;
  garbage.push_back(0);
  CHECK_FALSE(f.handler.answer_from_cache(garbage, from, daemon::ClientTransport::udp, out));
  CHECK_FALSE(f.handler.answer_from_cache(query("other.example.lab"), from, daemon::ClientTransport::udp, out));
  CHECK(f.stats.queries_udp == before + 1);
}

TEST_CASE("queries are counted by transport: DoT as tls, not as tcp", "[handler]") {
  Fixture f;
  using daemon::ClientTransport;
  REQUIRE(f.ask(query("www.example.lab"), "127.0.0.1", ClientTransport::tls));  // resolved
  REQUIRE(f.ask(query("www.example.lab"), "127.0.0.1", ClientTransport::tcp));
  REQUIRE(f.ask(query("www.example.lab"), "127.0.0.1", ClientTransport::udp));
  std::vector<std::uint8_t> out;
  const auto from = asio::ip::make_address("127.0.0.1");
  REQUIRE(f.handler.answer_from_cache(query("www.example.lab"), from, ClientTransport::tls, out));  // the hot path
  CHECK(f.stats.queries_tls == 2);
  CHECK(f.stats.queries_tcp == 1);
  CHECK(f.stats.queries_udp == 1);
}

TEST_CASE("refusals carry the Extended DNS Error that says why", "[handler][ede]") {
  Fixture f;
  auto ede_of = [&](std::vector<std::uint8_t> p, const char* client = "127.0.0.1") -> int {
    auto r = f.ask(std::move(p), client);
    REQUIRE(r);
    REQUIRE(r->edns);
    const std::string& o = r->edns->options;
    REQUIRE(o.size() >= 6);
    CHECK(o.substr(0, 2) == std::string("\x00\x0f", 2));
    return static_cast<unsigned char>(o[4]) << 8 | static_cast<unsigned char>(o[5]);
  };
  CHECK(ede_of(query("www.lab"), "203.0.113.7") == resolver::ede::prohibited);
  CHECK(ede_of(query("www.lab", dns::rrtype::AXFR)) == resolver::ede::not_supported);
  CHECK(ede_of(query("www.lab", 1, [](dns::Message& m) { m.questions[0].klass = 3; })) ==
        resolver::ede::not_supported);
  CHECK(ede_of(query("www.lab", 1, [](dns::Message& m) { m.opcode = 2; })) == resolver::ede::not_supported);
  CHECK(ede_of(query("www.lab", 1, [](dns::Message& m) { m.rd = false; })) == resolver::ede::not_authoritative);
}

TEST_CASE("ANY gets one RRset: resolved as A once, then from the cache (RFC 8482)", "[handler][any]") {
  Fixture f;
  for (int round = 0; round < 2; ++round) {
    auto r = f.ask(query("www.example.lab", dns::rrtype::ANY));
    REQUIRE(r);
    CHECK(r->rcode == dns::rcode::noerror);
    REQUIRE(r->questions.size() == 1);
    CHECK(r->questions[0].type == dns::rrtype::ANY);
    REQUIRE(r->answer.size() == 1);
    CHECK(r->answer[0].type == dns::rrtype::A);
  }
  auto& asked = f.transport.asked;
  CHECK(std::count_if(asked.begin(), asked.end(), [](const dns::Question& q) { return q.type == dns::rrtype::ANY; }) == 0);
  CHECK(std::count(asked.begin(), asked.end(), question("www.example.lab", dns::rrtype::A)) == 1);
  CHECK(f.stats.cache_hits == 1);
  // A cached TXT answer for a name serves ANY without any walk.
  CHECK(f.ask(query("big.lab", dns::rrtype::TXT), "127.0.0.1", daemon::ClientTransport::tcp));
  const int calls = f.transport.calls;
  auto r = f.ask(query("big.lab", dns::rrtype::ANY), "127.0.0.1", daemon::ClientTransport::tcp);
  REQUIRE(r);
  CHECK(r->answer.size() == 10);
  CHECK(r->answer[0].type == dns::rrtype::TXT);
  CHECK(f.transport.calls == calls);
}

TEST_CASE("ANY for a name without the resolved type gets the synthesised HINFO", "[handler][any]") {
  resolver::Outcome nodata;
  nodata.rcode = dns::rcode::noerror;
  nodata.authority = {rr("lab. 120 IN SOA ns.lab. host.lab. 1 2 3 4 120")};
  auto any = daemon::minimal_any_outcome(nodata, name("x.lab."));
  REQUIRE(any.answer.size() == 1);
  CHECK(any.answer[0].type == 13);
  CHECK(any.answer[0].ttl == 120);
  CHECK(any.answer[0].rdata == std::string("\x07RFC8482\x00", 9));
  CHECK(any.authority.empty());
  resolver::Outcome nx;
  nx.rcode = dns::rcode::nxdomain;
  CHECK(daemon::minimal_any_outcome(nx, dns::Name()).answer.empty());
}

TEST_CASE("a client cookie gets a server cookie on the hot path and the slow path", "[handler][cookie]") {
  Fixture f;
  daemon::CookieSecrets secrets(std::chrono::seconds(3600), daemon::unix_now());
  auto p = std::make_shared<daemon::ClientPolicy>(*f.policy);
  p->cookies = &secrets;
  f.handler.set_policy(p);
  const std::string client_cookie = "\x01\x02\x03\x04\x05\x06\x07\x08";
  auto with_cookie = [&](const std::string& option) {
    return query("www.example.lab", 1, [&](dns::Message& m) { m.edns->options = option; });
  };
  auto cookie_of = [](const dns::Message& m) {
    dns::CookieOption c;
    REQUIRE(m.edns);
    REQUIRE(dns::find_cookie(m.edns->options, c) == dns::CookieParse::ok);
    return std::string(c.client) + std::string(c.server);
  };
  const std::string option = dns::cookie_option(client_cookie, "");
  auto miss = f.ask(with_cookie(option));  // slow path: resolved
  REQUIRE(miss);
  const std::string first = cookie_of(*miss);
  CHECK(first.size() == 24);
  CHECK(first.substr(0, 8) == client_cookie);
  std::vector<std::uint8_t> out;
  const auto from = asio::ip::make_address("127.0.0.1");
  const auto echoed = with_cookie(dns::cookie_option(client_cookie, first.substr(8)));
  REQUIRE(f.handler.answer_from_cache(echoed, from, daemon::ClientTransport::udp, out));
  dns::Message hit;
  REQUIRE(dns::parse_message(out, hit) == dns::WireError::none);
  CHECK(hit.answer.size() == 1);
  CHECK(cookie_of(hit) == first);  // valid and fresh: echoed as it came
  // A malformed COOKIE is left to handle(), which answers FORMERR.
  const auto broken = with_cookie(dns::cookie_option("short", ""));
  CHECK_FALSE(f.handler.answer_from_cache(broken, from, daemon::ClientTransport::udp, out));
  auto formerr = f.ask(broken);
  REQUIRE(formerr);
  CHECK(formerr->rcode == dns::rcode::formerr);
}

namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("the query log: a line per answer, miss with upstream queries, hits with none", "[handler][query-log]") {
  Fixture f;
  char dir_template[] = "/tmp/tern-qlog-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string path = std::string(dir_template) + "/query.log";
  REQUIRE(f.ask(query("off.example.lab")));  // off: nothing written, nothing opened
  CHECK_FALSE(f.query_log.enabled());
  CHECK_FALSE(std::filesystem::exists(path));
  auto packet = query("www.example.lab");
  REQUIRE(f.query_log.configure(path).empty());
  REQUIRE(f.query_log.enabled());
  REQUIRE(f.ask(packet));  // a miss, resolved
  std::vector<std::uint8_t> out;
  REQUIRE(f.handler.answer_from_cache(packet, asio::ip::make_address("127.0.0.1"), daemon::ClientTransport::udp,
                                      out));  // a hit on the hot path
  REQUIRE(f.ask(packet));  // a hit through handle()
  const auto lines = lines_of(path);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].find("\"name\":\"www.example.lab.\"") != std::string::npos);
  CHECK(lines[0].find("\"type\":\"A\"") != std::string::npos);
  CHECK(lines[0].find("\"rcode\":\"NOERROR\"") != std::string::npos);
  CHECK(lines[0].find("\"cache\":\"miss\"") != std::string::npos);
  CHECK(lines[0].find("\"ttl\":300") != std::string::npos);
  CHECK(lines[0].find("\"upstream\":0") == std::string::npos);  // a miss asked the authority
  CHECK(lines[0].find("\"client\":\"127.0.0.1\"") != std::string::npos);
  for (int i : {1, 2}) {
    CHECK(lines[i].find("\"cache\":\"hit\"") != std::string::npos);
    CHECK(lines[i].find("\"upstream\":0,") != std::string::npos);
  }
  // Rotation: the file renamed, reopen, the next line in a new file at the path.
  REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
  REQUIRE(f.query_log.reopen().empty());
  REQUIRE(f.ask(packet));
  CHECK(lines_of(path).size() == 1);
  CHECK(lines_of(path + ".1").size() == 3);
  REQUIRE(f.query_log.configure("").empty());
  CHECK_FALSE(f.query_log.enabled());
  std::filesystem::remove_all(dir_template);
}

TEST_CASE("the query log has a line for ANY queries too, resolved and from the cache", "[handler][query-log][any]") {
  Fixture f;
  char dir_template[] = "/tmp/tern-qlog-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string path = std::string(dir_template) + "/query.log";
  REQUIRE(f.query_log.configure(path).empty());
  REQUIRE(f.ask(query("www.example.lab", dns::rrtype::ANY)));  // resolved as A
  REQUIRE(f.ask(query("www.example.lab", dns::rrtype::ANY)));  // the cached A
  const auto lines = lines_of(path);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("\"type\":\"ANY\"") != std::string::npos);
  CHECK(lines[0].find("\"cache\":\"miss\"") != std::string::npos);
  CHECK(lines[0].find("\"upstream\":0") == std::string::npos);
  CHECK(lines[1].find("\"cache\":\"hit\"") != std::string::npos);
  CHECK(lines[1].find("\"upstream\":0,") != std::string::npos);
  REQUIRE(f.query_log.configure("").empty());
  std::filesystem::remove_all(dir_template);
}

TEST_CASE("the query log escapes names for JSON", "[handler][query-log]") {
  daemon::QueryLogEntry e;
  e.client = asio::ip::make_address("::1");
  e.name = "we\"ird\\na\x01me.";
  e.type = dns::rrtype::AAAA;
  e.rcode = dns::rcode::nxdomain;
  e.cache = daemon::CacheResult::stale;
  const std::string line = daemon::format_query_log_line(e, std::chrono::system_clock::time_point{});
  CHECK(line ==
        "{\"time\":\"1970-01-01T00:00:00.000000Z\",\"client\":\"::1\",\"name\":\"we\\\"ird\\\\na\\u0001me.\","
        "\"type\":\"AAAA\",\"rcode\":\"NXDOMAIN\",\"cache\":\"stale\",\"dnssec\":\"indeterminate\",\"ttl\":0,"
        "\"upstream\":0,\"latency_us\":0}\n");
}

TEST_CASE("the query log names each DNSSEC verdict", "[handler][query-log][dnssec]") {
  using resolver::dnssec::Security;
  daemon::QueryLogEntry e;
  e.client = asio::ip::make_address("127.0.0.1");
  e.name = "www.sec.";
  for (auto [security, word] : {std::pair{Security::secure, "secure"}, std::pair{Security::insecure, "insecure"},
                                std::pair{Security::bogus, "bogus"}, std::pair{Security::indeterminate, "indeterminate"}}) {
    e.security = security;
    const std::string line = daemon::format_query_log_line(e, std::chrono::system_clock::time_point{});
    CHECK_THAT(line, Catch::Contains(std::string("\"cache\":\"miss\",\"dnssec\":\"") + word + "\","));
  }
}

TEST_CASE("every answered question lands in one latency bucket", "[handler][metrics]") {
  Fixture f;
  auto packet = query("www.example.lab");
  REQUIRE(f.ask(packet));
  REQUIRE(f.ask(packet));
  std::vector<std::uint8_t> out;
  REQUIRE(f.handler.answer_from_cache(packet, asio::ip::make_address("127.0.0.1"), daemon::ClientTransport::udp, out));
  std::uint64_t observed = 0;
  for (const auto& b : f.stats.latency_buckets) observed += b.load();
  CHECK(observed == 3);
  CHECK(observed == f.stats.cache_hits + f.stats.cache_misses);
}

TEST_CASE("local zones are answered before the cache and never sent upstream", "[handler][local-zones]") {
  Fixture f;
  auto with_local = [&](std::vector<daemon::LocalZoneRule> rules, std::vector<std::string> data) {
    auto p = std::make_shared<daemon::ClientPolicy>(*f.policy);
    p->local_zones = std::make_shared<const daemon::LocalZones>(rules, data);
    f.handler.set_policy(p);
  };
  with_local({{"blocked.lab.", daemon::LocalZoneType::deny}}, {});
  auto r = f.ask(query("localhost."));
  REQUIRE(r);
  CHECK(r->rcode == dns::rcode::noerror);
  REQUIRE(r->answer.size() == 1);
  CHECK(r->answer[0].rdata == std::string("\x7f\x00\x00\x01", 4));
  CHECK(r->aa);
  // Without RD too (a local answer needs no recursion), and NXDOMAIN for a private reverse name.
  r = f.ask(query("4.3.2.10.in-addr.arpa.", dns::rrtype::PTR, [](dns::Message& m) { m.rd = false; }));
  REQUIRE(r);
  CHECK(r->rcode == dns::rcode::nxdomain);
  CHECK_FALSE(f.ask(query("x.blocked.lab.")));
  CHECK(f.stats.local_answers == 2);
  CHECK(f.stats.local_dropped == 1);
  CHECK(f.transport.calls == 0);

  // A name cached before a reload made it local: the hot path leaves it to handle(), which
  // answers from the local data, not from the cache.
  REQUIRE(f.ask(query("www.example.lab")));
  std::vector<std::uint8_t> out;
  const auto from = asio::ip::make_address("127.0.0.1");
  CHECK(f.handler.answer_from_cache(query("www.example.lab"), from, daemon::ClientTransport::udp, out));
  with_local({}, {"www.example.lab. 60 IN A 10.0.0.7"});
  CHECK_FALSE(f.handler.answer_from_cache(query("www.example.lab"), from, daemon::ClientTransport::udp, out));
  r = f.ask(query("www.example.lab"));
  REQUIRE(r);
  REQUIRE(r->answer.size() == 1);
  CHECK(r->answer[0].rdata == std::string("\x0a\x00\x00\x07", 4));
  // Names elsewhere still come from the cache on the hot path.
  REQUIRE(f.ask(query("mail.example.lab")));
  CHECK(f.handler.answer_from_cache(query("mail.example.lab"), from, daemon::ClientTransport::udp, out));
}

TEST_CASE("a question written as a pointer into the header is left to the slow path", "[handler]") {
  // Found by tests/fuzz/fuzz_wire: the header octets 09 'a' 01 00 00 01 00 00 00 00 00 read
  // as an 11-octet name, the question is the 2-octet pointer C0 00 to it. The hit response
  // copied the expanded name's length from the packet: 5 octets past this 18-octet datagram;
  // the slow path copied the pointer and the type into its response's question (malformed).
  const std::vector<std::uint8_t> packet{0x09, 'a', 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                         0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x01, 0x00, 0x01};
  Fixture f;
  auto first = f.ask(packet);  // the slow path parses it and resolves the name
  REQUIRE(first);
  REQUIRE(first->questions.size() == 1);
  CHECK(first->questions[0].name.wire() == std::string("\x09" "a\x01\0\0\x01\0\0\0\0\0", 11));
  REQUIRE(f.answers.find(first->questions[0]));  // cached: a hit would be served inline
  std::vector<std::uint8_t> out;
  CHECK_FALSE(f.handler.answer_from_cache(packet, asio::ip::make_address("127.0.0.1"),
                                          daemon::ClientTransport::udp, out));
  auto again = f.ask(packet);  // handle() answers it from the cache, question as parsed
  REQUIRE(again);
  CHECK(again->answer.size() == 1);
  CHECK(again->questions == first->questions);
}

TEST_CASE("RRSIGs reach clients that set DO, on a miss and on a hit, and no others", "[handler][dnssec]") {
  // RFC 4035 §3.2.1: without DO a resolver leaves RRSIG/NSEC/NSEC3 out unless asked for them.
  auto with_do = [](dns::Message& m) { m.edns->dnssec_ok = true; };
  auto types = [](const dns::Message& m) {
    std::vector<std::uint16_t> out;
    for (const auto& r : m.answer) out.push_back(r.type);
    return out;
  };
  const std::vector<std::uint16_t> signed_a{dns::rrtype::A, dns::rrtype::RRSIG};
  const std::vector<std::uint16_t> plain_a{dns::rrtype::A};
  SECTION("the first client without DO") {
    Fixture f;
    auto miss = f.ask(query("www.signed"));
    REQUIRE(miss);
    CHECK(types(*miss) == plain_a);
    auto hit_do = f.ask(query("www.signed", dns::rrtype::A, with_do));
    REQUIRE(hit_do);
    CHECK(f.stats.cache_hits == 1);
    CHECK(types(*hit_do) == signed_a);
    REQUIRE(hit_do->edns);
    CHECK(hit_do->edns->dnssec_ok);
  }
  SECTION("the first client with DO") {
    Fixture f;
    auto miss = f.ask(query("www.signed", dns::rrtype::A, with_do));
    REQUIRE(miss);
    CHECK(types(*miss) == signed_a);
    CHECK(miss->answer[1].owner == name("www.signed"));
    auto hit = f.ask(query("www.signed"));
    REQUIRE(hit);
    CHECK(f.stats.cache_hits == 1);
    CHECK(types(*hit) == plain_a);
    auto no_edns = f.ask(query("www.signed", dns::rrtype::A, [](dns::Message& m) { m.edns.reset(); }));
    REQUIRE(no_edns);
    CHECK(types(*no_edns) == plain_a);
  }
  SECTION("a question for the RRSIGs themselves gets them without DO") {
    Fixture f;
    auto r = f.ask(query("www.signed", dns::rrtype::RRSIG));
    REQUIRE(r);
    CHECK_FALSE(r->answer.empty());
    for (const auto& rec : r->answer) CHECK(rec.type == dns::rrtype::RRSIG);
    auto again = f.ask(query("www.signed", dns::rrtype::RRSIG));
    REQUIRE(again);
    CHECK(again->answer == r->answer);
  }
}

TEST_CASE("the query log names an answer from the failure cache \"failure\"", "[handler][query-log][failure-cache]") {
  Fixture f;
  char dir_template[] = "/tmp/tern-qlog-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string path = std::string(dir_template) + "/query.log";
  REQUIRE(f.query_log.configure(path).empty());
  // A failure remembered for the question (RFC 9520): SERVFAIL, EDE 13, no query.
  f.answers.failures().record(cache::FailureKey::question(question("down.example.lab")), 22, "all down");
  auto m = f.ask(query("down.example.lab"));
  REQUIRE(m);
  CHECK(m->rcode == dns::rcode::servfail);
  CHECK(f.transport.calls == 0);
  REQUIRE(f.ask(query("www.example.lab")));  // an ordinary miss stays a miss
  const auto lines = lines_of(path);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("\"name\":\"down.example.lab.\"") != std::string::npos);
  CHECK(lines[0].find("\"rcode\":\"SERVFAIL\",\"cache\":\"failure\",\"dnssec\":\"indeterminate\",\"ttl\":0,\"upstream\":0,") != std::string::npos);
  CHECK(lines[1].find("\"cache\":\"miss\"") != std::string::npos);
  std::filesystem::remove_all(dir_template);
}

TEST_CASE("make_response sets AD for a secure outcome to DO or AD clients only", "[responder][dnssec]") {
  dns::Message q;
  q.id = 7;
  q.rd = true;
  q.questions = {question("www.alg13.sec")};
  resolver::Outcome secure;
  secure.rcode = dns::rcode::noerror;
  secure.answer = rrs({"www.alg13.sec. 300 IN A 127.0.30.80"});
  secure.security = resolver::dnssec::Security::secure;
  auto ad_of = [&](const resolver::Outcome& out) {
    dns::Message m;
    REQUIRE(dns::parse_message(daemon::make_response(q, out, 1232, 1232), m) == dns::WireError::none);
    return m.ad;
  };
  CHECK_FALSE(ad_of(secure));  // neither DO nor AD
  q.ad = true;
  CHECK(ad_of(secure));
  q.ad = false;
  q.edns = dns::Edns{1232, 0, true, {}};
  CHECK(ad_of(secure));
  resolver::Outcome insecure = secure;
  insecure.security = resolver::dnssec::Security::insecure;
  CHECK_FALSE(ad_of(insecure));
}

TEST_CASE("with validation on, a cache hit is counted by its verdict and answered with AD to DO clients",
          "[handler][dnssec]") {
  Fixture f;
  resolver::ResolverOptions options{true, true, false};
  options.dnssec = std::make_shared<resolver::dnssec::ValidationSettings>();
  f.resolver.set_options(options);
  const auto q = question("secure.lab");
  f.answers.insert(q, dns::rcode::noerror, rrs({"secure.lab. 300 IN A 192.0.2.7"}), {},
                   resolver::dnssec::Security::secure);
  auto r = f.ask(query("secure.lab", dns::rrtype::A, [](dns::Message& m) { m.edns = dns::Edns{1232, 0, true, {}}; }));
  REQUIRE(r);
  CHECK(r->ad);
  CHECK(f.stats.cache_hits == 1);
  CHECK(f.resolver_stats.answers_secure == 1);
  r = f.ask(query("secure.lab"));  // neither DO nor AD
  REQUIRE(r);
  CHECK_FALSE(r->ad);
  CHECK(f.resolver_stats.answers_secure == 2);
  SECTION("the hot path (answer_from_cache) too: AD to a client that set AD, not to one that did not") {
    const auto from = asio::ip::make_address("127.0.0.1");
    std::vector<std::uint8_t> out;
    dns::Message m;
    auto plain = query("secure.lab", dns::rrtype::A, [](dns::Message& q) { q.edns->dnssec_ok = false; q.ad = false; });
    REQUIRE(f.handler.answer_from_cache(plain, from, daemon::ClientTransport::udp, out));
    REQUIRE(dns::parse_message(out, m) == dns::WireError::none);
    CHECK_FALSE(m.ad);
    auto with_ad = query("secure.lab", dns::rrtype::A, [](dns::Message& q) { q.edns->dnssec_ok = false; q.ad = true; });
    REQUIRE(f.handler.answer_from_cache(with_ad, from, daemon::ClientTransport::udp, out));
    REQUIRE(dns::parse_message(out, m) == dns::WireError::none);
    CHECK(m.ad);
    CHECK(f.resolver_stats.answers_secure == 4);
  }
}
