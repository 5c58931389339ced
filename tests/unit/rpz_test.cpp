// Response policy zones: every trigger and action, the precedence between zones and triggers
// (draft-vixie-dnsop-dns-rpz §5), zone files with their errors, the transfer stream's reading
// (AXFR, IXFR, up to date), and the query handler applying a policy (EDE, drop, TCP-only, the
// hit path leaving rewritten names to handle()).
#include "query_handler_fixture.hpp"

#include "daemon/answering/rpz_policy.hpp"
#include "daemon/answering/rpz_zone.hpp"
#include "daemon/config/config_loader.hpp"
#include "daemon/process/rpz_manager.hpp"
#include "daemon/process/rpz_transfer.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <fstream>
#include <limits>

using namespace tern;
using namespace tern::daemon::rpz;
using tern::test::Fixture;
using tern::test::query;

namespace {

const std::string origin = dns::Name::from_text("rpz.test.")->wire();

std::string zone_text(const std::string& body, int serial = 1) {
  return "$ORIGIN rpz.test.\n$TTL 60\n@ SOA ns. admin. " + std::to_string(serial) +
         " 2 2 86400 60\n@ NS ns.\n" + body;
}

std::shared_ptr<const PolicyZone> zone(const std::string& body) {
  std::string error;
  auto z = load_policy_text(zone_text(body), origin, "test", error);
  INFO(error);
  REQUIRE(z);
  return std::make_shared<const PolicyZone>(std::move(*z));
}

ZoneInForce in_force(std::string name, std::shared_ptr<const PolicyZone> data, EdeCode ede = EdeCode::blocked,
                     Override o = Override::none) {
  return ZoneInForce{std::move(name), std::move(data), ede, o, false, std::make_shared<ZoneCounters>()};
}

std::string wire(const char* text) { return dns::Name::from_text(text)->wire(); }

Address16 ip(const char* text) { return address16(asio::ip::make_address(text)); }

std::optional<Match> before(const PolicySet& set, const char* name, const char* client = "10.9.9.9") {
  return set.before(wire(name), ip(client));
}

dns::Question question(const char* name, std::uint16_t type = dns::rrtype::A) {
  return dns::Question{*dns::Name::from_text(name), type, dns::class_in};
}

}  // namespace

TEST_CASE("rpz: QNAME triggers, exact and wildcard, and each action's CNAME", "[rpz]") {
  PolicySet set({in_force("rpz.test.", zone("nx.example CNAME .\n"
                                           "nodata.example CNAME *.\n"
                                           "pass.example CNAME rpz-passthru.\n"
                                           "old-pass.example CNAME old-pass.example.\n"
                                           "drop.example CNAME rpz-drop.\n"
                                           "tcp.example CNAME rpz-tcp-only.\n"
                                           "*.wild.example CNAME .\n"
                                           "garden.example CNAME walled.garden.\n"
                                           "local.example A 192.0.2.80\n"
                                           "local.example TXT \"blocked\"\n"))});
  auto action_of = [&](const char* name) { return before(set, name)->rule.action; };
  CHECK(action_of("nx.example.") == Action::nxdomain);
  CHECK(action_of("NX.Example.") == Action::nxdomain);  // names compare without case
  CHECK(action_of("nodata.example.") == Action::nodata);
  CHECK(action_of("pass.example.") == Action::passthru);
  CHECK(action_of("old-pass.example.") == Action::passthru);
  CHECK(action_of("drop.example.") == Action::drop);
  CHECK(action_of("tcp.example.") == Action::tcp_only);
  CHECK(action_of("garden.example.") == Action::local_data);
  CHECK(action_of("local.example.") == Action::local_data);
  CHECK(action_of("a.wild.example.") == Action::nxdomain);
  CHECK(action_of("a.b.wild.example.") == Action::nxdomain);
  CHECK_FALSE(before(set, "wild.example."));  // *.NAME is below NAME only
  CHECK_FALSE(before(set, "sub.nx.example."));  // an exact trigger is that name only
  CHECK_FALSE(before(set, "example."));
}

TEST_CASE("rpz: the answers each action makes, with the zone's EDE", "[rpz]") {
  auto data = zone("nx.example CNAME .\nnodata.example CNAME *.\ntcp.example CNAME rpz-tcp-only.\n"
                   "drop.example CNAME rpz-drop.\npass.example CNAME rpz-passthru.\n"
                   "garden.example CNAME walled.garden.\nlocal.example 30 A 192.0.2.80\n"
                   "local.example TXT \"blocked\"\n");
  for (auto [ede, code] : {std::pair{EdeCode::blocked, 15}, {EdeCode::censored, 16}, {EdeCode::filtered, 17}}) {
    PolicySet set({in_force("rpz.test.", data, ede)});
    Rewrite nx = rewrite(set, *before(set, "nx.example."), question("nx.example."), false);
    CHECK(nx.outcome.rcode == dns::rcode::nxdomain);
    CHECK(nx.outcome.ede == code);
  }
  PolicySet set({in_force("rpz.test.", data)});
  Rewrite nodata = rewrite(set, *before(set, "nodata.example."), question("nodata.example."), false);
  CHECK(nodata.outcome.rcode == dns::rcode::noerror);
  CHECK(nodata.outcome.answer.empty());
  CHECK(rewrite(set, *before(set, "tcp.example."), question("tcp.example."), false).truncate);
  CHECK(rewrite(set, *before(set, "tcp.example."), question("tcp.example."), true).passthru);
  CHECK(rewrite(set, *before(set, "drop.example."), question("drop.example."), false).drop);
  CHECK(rewrite(set, *before(set, "pass.example."), question("pass.example."), false).passthru);
  Rewrite local = rewrite(set, *before(set, "local.example."), question("local.example."), false);
  REQUIRE(local.outcome.answer.size() == 1);
  CHECK(local.outcome.answer[0].owner == *dns::Name::from_text("local.example."));
  CHECK(local.outcome.answer[0].ttl == 30);
  CHECK(local.outcome.answer[0].rdata == std::string("\xc0\x00\x02\x50", 4));
  Rewrite other_type = rewrite(set, *before(set, "local.example."), question("local.example.", dns::rrtype::MX), false);
  CHECK(other_type.outcome.rcode == dns::rcode::noerror);  // local data without the type: NODATA
  CHECK(other_type.outcome.answer.empty());
  Rewrite garden = rewrite(set, *before(set, "garden.example."), question("garden.example."), false);
  REQUIRE(garden.outcome.answer.size() == 1);
  CHECK(garden.outcome.answer[0].type == dns::rrtype::CNAME);
  REQUIRE(garden.follow);
  CHECK(garden.follow->to_text() == "walled.garden.");
  PolicySet quiet({in_force("rpz.test.", data, EdeCode::none)});
  CHECK_FALSE(rewrite(quiet, *before(quiet, "nx.example."), question("nx.example."), false).outcome.ede);
}

TEST_CASE("rpz: client-IP, response-IP, NSDNAME and NSIP triggers", "[rpz]") {
  auto data = zone("32.7.0.0.10.rpz-client-ip CNAME .\n"
                   "24.0.2.0.192.rpz-ip CNAME .\n"
                   "128.1.zz.db8.2001.rpz-ip CNAME *.\n"
                   "ns.evil.rpz-nsdname CNAME .\n"
                   "*.bad-hoster.rpz-nsdname CNAME *.\n"
                   "32.53.53.53.198.rpz-nsip CNAME rpz-drop.\n");
  PolicySet set({in_force("rpz.test.", data)});
  auto client = before(set, "anything.example.", "10.0.0.7");
  REQUIRE(client);
  CHECK(client->trigger == Trigger::client_ip);
  CHECK(client->matched == "10.0.0.7");
  CHECK_FALSE(before(set, "anything.example.", "10.0.0.8"));

  auto a = [](const char* text) { return *dns::record_from_text(text); };
  auto v4 = set.after({a("x.example. 60 IN A 192.0.2.77")}, nullptr, std::numeric_limits<std::size_t>::max());
  REQUIRE(v4);
  CHECK(v4->trigger == Trigger::response_ip);
  CHECK(v4->rule.action == Action::nxdomain);
  CHECK_FALSE(set.after({a("x.example. 60 IN A 192.0.3.77")}, nullptr, 99));
  auto v6 = set.after({a("x.example. 60 IN AAAA 2001:db8::1")}, nullptr, 99);
  REQUIRE(v6);
  CHECK(v6->rule.action == Action::nodata);
  CHECK_FALSE(set.after({a("x.example. 60 IN AAAA 2001:db8::2")}, nullptr, 99));
  CHECK(set.address_matches(std::span(reinterpret_cast<const std::uint8_t*>("\xc0\x00\x02\x09"), 4)));
  CHECK_FALSE(set.address_matches(std::span(reinterpret_cast<const std::uint8_t*>("\xc0\x00\x03\x09"), 4)));

  NameServers by_name{{wire("ns.evil.")}, {}};
  auto nsdname = set.after({}, &by_name, 99);
  REQUIRE(nsdname);
  CHECK(nsdname->trigger == Trigger::nsdname);
  NameServers by_wildcard{{wire("ns1.bad-hoster.")}, {}};
  CHECK(set.after({}, &by_wildcard, 99)->rule.action == Action::nodata);
  NameServers by_address{{wire("ns.fine.")}, {ip("198.53.53.53")}};
  auto nsip = set.after({}, &by_address, 99);
  REQUIRE(nsip);
  CHECK(nsip->trigger == Trigger::nsip);
  CHECK(nsip->rule.action == Action::drop);
  NameServers innocent{{wire("ns.fine.")}, {ip("198.53.53.54")}};
  CHECK_FALSE(set.after({}, &innocent, 99));
}

TEST_CASE("rpz: precedence between zones, triggers, names and prefixes (§5)", "[rpz]") {
  SECTION("the first zone with a match wins, even with a weaker trigger kind") {
    PolicySet set({in_force("first.", zone("24.0.2.0.192.rpz-ip CNAME *.\n")),
                   in_force("second.", zone("victim.example CNAME .\n"))});
    auto pre = before(set, "victim.example.");
    REQUIRE(pre);
    CHECK(pre->zone == 1);
    // The first zone has answer triggers: the answer is looked at and its match wins.
    CHECK(set.any_after_before(pre->zone));
    auto after = set.after({*dns::record_from_text("victim.example. 60 IN A 192.0.2.1")}, nullptr, pre->zone);
    REQUIRE(after);
    CHECK(after->zone == 0);
    CHECK(after->rule.action == Action::nodata);
  }
  SECTION("a later zone's answer triggers never beat an earlier zone's QNAME match") {
    PolicySet set({in_force("first.", zone("victim.example CNAME .\n")),
                   in_force("second.", zone("24.0.2.0.192.rpz-ip CNAME *.\n"))});
    auto pre = before(set, "victim.example.");
    REQUIRE(pre);
    CHECK(pre->zone == 0);
    CHECK_FALSE(set.any_after_before(pre->zone));
  }
  SECTION("within a zone, client IP beats QNAME") {
    PolicySet set({in_force("z.", zone("victim.example CNAME .\n32.7.0.0.10.rpz-client-ip CNAME rpz-passthru.\n"))});
    CHECK(before(set, "victim.example.", "10.0.0.7")->trigger == Trigger::client_ip);
    CHECK(before(set, "victim.example.", "10.0.0.8")->trigger == Trigger::qname);
  }
  SECTION("within a zone, QNAME (of a CNAME target) beats response IP, which beats NSDNAME and NSIP") {
    PolicySet set({in_force("z.", zone("target.example CNAME *.\n24.0.2.0.192.rpz-ip CNAME .\n"
                                        "ns.evil.rpz-nsdname CNAME rpz-drop.\n32.1.0.0.127.rpz-nsip CNAME rpz-tcp-only.\n"))});
    const std::vector<dns::Record> chain{*dns::record_from_text("a.example. 60 IN CNAME target.example."),
                                         *dns::record_from_text("target.example. 60 IN A 192.0.2.1")};
    NameServers servers{{wire("ns.evil.")}, {ip("127.0.0.1")}};
    CHECK(set.after(chain, &servers, 99)->trigger == Trigger::qname);
    CHECK(set.after({chain[1]}, &servers, 99)->trigger == Trigger::response_ip);
    CHECK(set.after({}, &servers, 99)->trigger == Trigger::nsdname);
    NameServers address_only{{}, {ip("127.0.0.1")}};
    CHECK(set.after({}, &address_only, 99)->trigger == Trigger::nsip);
  }
  SECTION("an exact name beats a wildcard, a longer wildcard a shorter one") {
    PolicySet set({in_force("z.", zone("*.example CNAME .\n*.sub.example CNAME *.\nexact.sub.example CNAME rpz-drop.\n"))});
    CHECK(before(set, "exact.sub.example.")->rule.action == Action::drop);
    CHECK(before(set, "other.sub.example.")->rule.action == Action::nodata);
    CHECK(before(set, "other.example.")->rule.action == Action::nxdomain);
  }
  SECTION("a longer prefix beats a shorter one") {
    PolicySet set({in_force("z.", zone("8.0.0.0.10.rpz-client-ip CNAME .\n24.0.0.0.10.rpz-client-ip CNAME *.\n"))});
    CHECK(before(set, "x.", "10.0.0.9")->rule.action == Action::nodata);
    CHECK(before(set, "x.", "10.1.0.9")->rule.action == Action::nxdomain);
  }
  SECTION("policy-override replaces the action") {
    PolicySet set({in_force("z.", zone("victim.example A 192.0.2.1\n"), EdeCode::blocked, Override::passthru)});
    CHECK(before(set, "victim.example.")->rule.action == Action::passthru);
  }
}

TEST_CASE("rpz: malformed policy zones name the line", "[rpz]") {
  auto error_of = [](const std::string& text) {
    std::string error;
    auto z = load_policy_text(text, origin, "feed.rpz", error);
    CHECK_FALSE(z);
    return error;
  };
  CHECK(error_of(zone_text("ok.example CNAME .\nbad.example A 999.1.1.1\n")).starts_with("feed.rpz:6:"));
  CHECK(error_of(zone_text("33.0.0.0.10.rpz-ip CNAME .\n")).find("prefix") != std::string::npos);
  CHECK(error_of(zone_text("24.0.0.10.rpz-ip CNAME .\n")).find("IPv6") != std::string::npos);
  CHECK(error_of(zone_text("64.zz.db8.zz.2001.rpz-ip CNAME .\n")).find("zz") != std::string::npos);
  CHECK(error_of(zone_text("x.rpz-unknown CNAME .\n")).find("unknown trigger") != std::string::npos);
  CHECK(error_of(zone_text("a.*.example CNAME .\n")).find("wildcard") != std::string::npos);
  CHECK(error_of(zone_text("outside.example.com. CNAME .\n")).find("outside the zone") != std::string::npos);
  CHECK(error_of("$ORIGIN rpz.test.\nx CNAME .\n").find("no SOA") != std::string::npos);
  std::string many;
  for (int i = 0; i < 65; ++i) many += "lots.example TXT \"" + std::to_string(i) + "\"\n";
  CHECK(error_of(zone_text(many)).find("local data") != std::string::npos);
  // Signatures and proofs of a signed feed are no triggers.
  CHECK(zone("x.example CNAME .\nx.example NSEC y.example.rpz.test. CNAME RRSIG NSEC\n")->has(Trigger::qname));
}

TEST_CASE("rpz: a million-name table is compact", "[rpz]") {
  NameTable table;
  std::string name;
  for (int i = 0; i < 100000; ++i) {
    name = "\x08" + fmt::format("{:08d}", i) + "\x07" + "example" + std::string(1, '\0');
    table.add(name, Rule{Action::nxdomain, 60, 0});
  }
  table.add(name, Rule{Action::drop, 60, 0});  // a repeated name keeps its first rule
  table.seal();
  CHECK(table.size() == 100000);
  CHECK(table.find(name)->action == Action::nxdomain);
  CHECK_FALSE(table.find(std::string("\x03" "abc" "\x07" "example", 12) + std::string(1, '\0')));
  // About 55 octets a name here: 19 of name, 16 of entry, 8 of index at half load or less
  // (the table rounds up to a power of two).
  CHECK(table.memory() < 100000 * 60);
}

TEST_CASE("rpz transfer: AXFR, IXFR change sets, up to date", "[rpz]") {
  auto r = [](const char* text) { return *dns::record_from_text(text); };
  const dns::Record soa1 = r("rpz.test. 60 IN SOA ns. admin. 1 2 2 86400 60");
  const dns::Record soa2 = r("rpz.test. 60 IN SOA ns. admin. 2 2 2 86400 60");
  const dns::Record soa3 = r("rpz.test. 60 IN SOA ns. admin. 3 2 2 86400 60");
  const dns::Record a = r("a.example.rpz.test. 60 IN CNAME .");
  const dns::Record b = r("b.example.rpz.test. 60 IN CNAME .");
  const dns::Record c = r("c.example.rpz.test. 60 IN CNAME .");

  std::vector<dns::Record> axfr{soa1, a, b};
  CHECK_FALSE(transfer_complete(axfr, false, true));
  axfr.push_back(soa1);
  CHECK(transfer_complete(axfr, false, false));
  TransferResult full = interpret_transfer(axfr, std::nullopt);
  CHECK(full.kind == TransferResult::Kind::full);
  CHECK(full.serial == 1);
  CHECK(full.records.size() == 3);

  std::vector<dns::Record> ixfr{soa3, soa1, a, soa2, c, soa2, b, soa3};
  CHECK_FALSE(transfer_complete(ixfr, true, false));  // serial 3 seen twice so far
  ixfr.push_back(soa3);
  CHECK(transfer_complete(ixfr, true, false));
  TransferResult inc = interpret_transfer(ixfr, 1);
  REQUIRE(inc.kind == TransferResult::Kind::incremental);
  REQUIRE(inc.diffs.size() == 2);
  CHECK(inc.diffs[0].deleted == std::vector<dns::Record>{soa1, a});
  CHECK(inc.diffs[0].added == std::vector<dns::Record>{soa2, c});
  CHECK(inc.diffs[1].deleted == std::vector<dns::Record>{soa2, b});
  CHECK(inc.diffs[1].added == std::vector<dns::Record>{soa3});

  CHECK(transfer_complete({soa1}, true, true));
  CHECK(interpret_transfer({soa1}, 1).kind == TransferResult::Kind::up_to_date);
  CHECK(interpret_transfer({soa2}, 1).kind == TransferResult::Kind::failed);  // lone newer SOA: do AXFR
  // An IXFR answered with the whole zone (NSD before 4.7 does so).
  CHECK(interpret_transfer({soa2, a, soa2}, 1).kind == TransferResult::Kind::full);
  CHECK(interpret_transfer({a, soa1}, std::nullopt).kind == TransferResult::Kind::failed);
  CHECK(interpret_transfer({soa1, a, soa2}, std::nullopt).kind == TransferResult::Kind::failed);
}

TEST_CASE("rpz manager: a bad file keeps the zone's contents, ternctl rpz shows why", "[rpz]") {
  test::TempDir dir;
  const std::string path = (dir.path() / "block.rpz").string();
  std::ofstream(path) << zone_text("bad.example CNAME .\n", 7);
  daemon::RpzManager manager;
  std::shared_ptr<const PolicySet> published;
  manager.set_publish([&](std::shared_ptr<const PolicySet> set) { published = std::move(set); });
  daemon::RpzZoneConfig config;
  config.name = "rpz.test.";
  config.file = path;
  CHECK(manager.configure({config}).empty());
  REQUIRE(published);
  CHECK(published->before(wire("bad.example."), ip("10.0.0.1")));
  CHECK(manager.status().find("serial: 7") != std::string::npos);

  std::ofstream(path) << zone_text("bad.example CNAME .\nworse.example CNAME rpz-nonsense\nbroken A 1.2.3\n", 8);
  const std::string outcome = manager.reload();
  CHECK(outcome.find(path + ":7:") != std::string::npos);
  CHECK(outcome.find("previous contents kept") != std::string::npos);
  REQUIRE(published);
  CHECK(published->before(wire("bad.example."), ip("10.0.0.1")));  // still in force
  const std::string status = manager.status();
  CHECK(status.find("serial: 7") != std::string::npos);
  CHECK(status.find("error: " + path + ":7:") != std::string::npos);

  manager.configure({});
  CHECK_FALSE(published);  // no zone: the workers get null and the hit path pays nothing
}

TEST_CASE("rpz in the query handler: rewritten answers, EDE, drop, TCP-only, and hits", "[rpz]") {
  Fixture f;
  auto data = zone("blocked.example CNAME .\ndropped.example CNAME rpz-drop.\ntcp.example CNAME rpz-tcp-only.\n"
                   "local.example A 192.0.2.80\n24.0.2.0.192.rpz-ip CNAME *.\n");
  auto set = std::make_shared<const PolicySet>(std::vector{in_force("rpz.test.", data, EdeCode::censored)});
  f.handler.set_rpz(set);

  auto nx = f.ask(query("blocked.example."));
  REQUIRE(nx);
  CHECK(nx->rcode == dns::rcode::nxdomain);
  REQUIRE(nx->edns);
  CHECK(nx->edns->options.substr(0, 6) == std::string("\x00\x0f\x00\x0f\x00\x10", 6));  // EDE 16, "rpz rpz.test."
  CHECK(f.transport.calls == 0);  // decided before resolving
  CHECK_FALSE(f.ask(query("dropped.example.")));
  auto tc = f.ask(query("tcp.example."));
  REQUIRE(tc);
  CHECK(tc->tc);
  auto over_tcp = f.ask(query("tcp.example."), "127.0.0.1", daemon::ClientTransport::tcp);
  REQUIRE(over_tcp);
  CHECK_FALSE(over_tcp->tc);
  REQUIRE(over_tcp->answer.size() == 1);  // resolved as usual
  auto local = f.ask(query("local.example."));
  REQUIRE(local);
  REQUIRE(local->answer.size() == 1);
  CHECK(local->answer[0].rdata == std::string("\xc0\x00\x02\x50", 4));
  // The stand-in authority answers 192.0.2.1 for every name: the response-IP trigger.
  auto by_ip = f.ask(query("innocent.example."));
  REQUIRE(by_ip);
  CHECK(by_ip->rcode == dns::rcode::noerror);
  CHECK(by_ip->answer.empty());

  // The hit path leaves a cached answer a trigger matches to handle(), and answers the rest.
  std::vector<std::uint8_t> out;
  CHECK_FALSE(f.handler.answer_from_cache(query("innocent.example."), asio::ip::make_address("127.0.0.1"),
                                          daemon::ClientTransport::udp, out));
  CHECK_FALSE(f.handler.answer_from_cache(query("blocked.example."), asio::ip::make_address("127.0.0.1"),
                                          daemon::ClientTransport::udp, out));
  CHECK(set->zones()[0].counters->hits[static_cast<std::size_t>(Trigger::qname)] >= 4);
  CHECK(set->zones()[0].counters->hits[static_cast<std::size_t>(Trigger::response_ip)] == 1);
  CHECK(f.stats.rpz_drops == 1);

  // A name no trigger matches, its answer cached with an address outside the prefix, is a hit.
  f.transport.script = [](const resolver::ExchangeRequest& request) -> std::optional<resolver::ExchangeResult> {
    if (request.question.name.is_root()) return std::nullopt;
    resolver::ExchangeResult r;
    r.status = resolver::ExchangeStatus::ok;
    r.reply = test::reply(request.question, true,
                          {dns::Record{request.question.name, dns::rrtype::A, dns::class_in, 300,
                                       std::string("\xc6\x33\x64\x01", 4)}});
    return r;
  };
  REQUIRE(f.ask(query("fine.example."))->answer.size() == 1);
  CHECK(f.handler.answer_from_cache(query("fine.example."), asio::ip::make_address("127.0.0.1"),
                                    daemon::ClientTransport::udp, out));

  // A cached CNAME chain is a hit unless a QNAME trigger names a link of it (§5.4): the hit
  // path reads the targets in the cached wire.
  f.transport.script = [](const resolver::ExchangeRequest& request) -> std::optional<resolver::ExchangeResult> {
    if (request.question.name.is_root()) return std::nullopt;
    const std::string asked = request.question.name.to_text();
    resolver::ExchangeResult r;
    r.status = resolver::ExchangeStatus::ok;
    const dns::Record address{request.question.name, dns::rrtype::A, dns::class_in, 300,
                              std::string("\xc6\x33\x64\x01", 4)};
    if (asked != "alias.example." && asked != "chain.example.") {
      r.reply = test::reply(request.question, true, {address});
      return r;
    }
    const dns::Name target = *dns::Name::from_text(asked == "alias.example." ? "fine.example." : "blocked.example.");
    r.reply = test::reply(request.question, true,
                          {dns::Record{request.question.name, dns::rrtype::CNAME, dns::class_in, 300, target.wire()},
                           dns::Record{target, dns::rrtype::A, dns::class_in, 300, address.rdata}});
    return r;
  };
  auto chain = f.ask(query("chain.example."));
  REQUIRE(chain);
  CHECK(chain->rcode == dns::rcode::nxdomain);  // its target is blocked
  CHECK_FALSE(f.handler.answer_from_cache(query("chain.example."), asio::ip::make_address("127.0.0.1"),
                                          daemon::ClientTransport::udp, out));
  auto alias = f.ask(query("alias.example."));
  REQUIRE(alias);
  REQUIRE(alias->answer.size() == 2);
  CHECK(f.handler.answer_from_cache(query("alias.example."), asio::ip::make_address("127.0.0.1"),
                                    daemon::ClientTransport::udp, out));
}

TEST_CASE("rpz setting: parsed, printed back, errors at their line", "[rpz][config]") {
  test::TempDir dir;
  const std::string zone_file = dir.write("feed.rpz", zone_text(""));
  const std::string good = dir.write("good.yaml", "rpz:\n"
                                                  "  - name: Feed.RPZ\n"
                                                  "    file: feed.rpz\n"
                                                  "    ede: censored\n"
                                                  "    policy-override: passthru\n"
                                                  "    log: yes\n"
                                                  "  - name: xfr.rpz.\n"
                                                  "    primaries: [\"127.0.0.1@5353\", \"::1\"]\n");
  daemon::Config config = daemon::load_config(good, {});
  REQUIRE(config.rpz.size() == 2);
  CHECK(config.rpz[0].name == "feed.rpz.");
  CHECK(config.rpz[0].file == zone_file);
  CHECK(config.rpz[0].ede == daemon::RpzEde::censored);
  CHECK(config.rpz[0].policy_override == daemon::RpzOverride::passthru);
  CHECK(config.rpz[0].log);
  REQUIRE(config.rpz[1].primaries.size() == 2);
  CHECK(config.rpz[1].primaries[0].port == 5353);
  CHECK(config.rpz[1].primaries[1].port == 53);
  CHECK(config.rpz[1].ede == daemon::RpzEde::blocked);  // the default
  // --dump-config reads back to the same value.
  const std::string dumped = dir.write("dumped.yaml", daemon::dump_config(config));
  CHECK(daemon::load_config(dumped, {}).rpz == config.rpz);

  auto error_of = [&](const std::string& yaml) -> std::string {
    const std::string path = dir.write("bad.yaml", yaml);
    try {
      daemon::load_config(path, {});
    } catch (const daemon::ConfigError& e) {
      return std::to_string(e.line()) + ": " + e.message();
    }
    return "accepted";
  };
  CHECK(error_of("rpz:\n  - name: a.rpz.\n") == "2: rpz: a.rpz.: give either file or primaries");
  CHECK(error_of("rpz:\n  - name: a.rpz.\n    file: feed.rpz\n    primaries: [127.0.0.1]\n") ==
        "2: rpz: a.rpz.: give either file or primaries");
  CHECK(error_of("rpz:\n  - name: a.rpz.\n    file: feed.rpz\n    ede: loud\n").starts_with(
      "4: rpz: ede: 'loud' is not one of none, blocked"));
  CHECK(error_of("rpz:\n  - name: a.rpz.\n    file: feed.rpz\n    colour: red\n").starts_with("4: rpz: unknown key 'colour'"));
  CHECK(error_of("rpz:\n  - name: a.rpz.\n    file: missing.rpz\n").starts_with("3: rpz:"));
  CHECK(error_of("rpz:\n  - name: a.rpz.\n    file: feed.rpz\n  - name: A.rpz\n    file: feed.rpz\n") ==
        "4: rpz: a.rpz. is listed twice");
  CHECK(error_of("rpz:\n  - name: .\n    file: feed.rpz\n") == "2: rpz: the root cannot be a policy zone");
}
