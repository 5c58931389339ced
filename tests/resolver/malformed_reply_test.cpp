// Every category of the malformed-packet catalogue (tests/support/malformed_packets.hpp) as an
// authority's reply. Each carries the query's ID and question name and an answer
// "qname A 6.6.6.6", so that only the breakage itself can make the resolver refuse it: a broken
// reply is no answer. The resolver tries the zone's other server or SERVFAILs, counts the
// reply, and neither the RRset cache nor the answer cache holds anything from it. A canary name
// in the same zone, from the same servers, answers between categories.
#include "resolver/selection.hpp"
#include "tests/support/lab.hpp"
#include "tests/support/malformed_packets.hpp"

#include <catch2/catch.hpp>

namespace tern::testing {

using dns::rrtype::A;
using Strings = std::vector<std::string>;

namespace {

/// Answers names "bad<N>..." with category N of the catalogue, everything else from `zone`.
Handler broken_for_bad_names(const FakeZone& zone) {
  return [&zone](const dns::Message& q, Transport) {
    const std::string first = q.questions.front().name.to_text();
    if (first.rfind("bad", 0) != 0) return zone.respond(q);
    const std::size_t index = std::stoul(first.substr(3, first.find('.') - 3));
    Action a = Action::silence();
    a.raw_reply = [index](std::uint16_t id, const std::string& qname_wire) {
      malformed::Context c{id, malformed::Bytes(qname_wire.begin(), qname_wire.end()), true};
      return malformed::categories()[index].make(c);
    };
    return a;
  };
}

bool holds_forged(const std::vector<dns::Record>& records) {
  auto a = addresses(records);
  return std::find(a.begin(), a.end(), "6.6.6.6") != a.end();
}

std::uint64_t counted(const resolver::ResolverStats& s) {
  return s.malformed_replies + s.mismatched_replies + s.upstream_timeouts;
}

/// Nothing from the forged reply in either cache.
void check_nothing_cached(Lab& lab, const std::string& qname) {
  auto rrset = lab.rrsets.find(name(qname), A);
  if (rrset) CHECK_FALSE(holds_forged(rrset->records));
  CHECK_FALSE(rrset);
  auto hit = lab.answers.find(question(qname));
  CHECK_FALSE(hit);
}

void check_canary(Lab& lab, int i) {
  const std::string canary = "c" + std::to_string(i) + ".example.test.";
  Outcome out = lab.resolve(canary);
  INFO("canary " << canary);
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.9"});
}

/// Both servers of example.test known as answering in a millisecond (as they do on loopback).
void known_fast(Lab& lab) {
  cache::ServerStats fast;
  fast.srtt_us = 1000;
  fast.rttvar_us = 500;
  for (int server : {srv::example1, srv::example2})
    lab.infra.store(resolver::address_key(lab.server(server).address()), fast);
}

void add_canaries(FakeZone& zone) {
  for (std::size_t i = 0; i <= malformed::categories().size(); ++i)
    zone.add("c" + std::to_string(i) + ".example.test. 300 IN A 192.0.2.9");
}

}  // namespace

TEST_CASE("malformed replies from every server: SERVFAIL, counted, nothing cached; a canary answers",
          "[resolver][malformed]") {
  Lab lab(110);
  lab.standard(2);
  FakeZone& zone = lab.zone("example.test.");
  add_canaries(zone);
  lab.server(srv::example1).set_handler(broken_for_bad_names(zone));
  lab.server(srv::example2).set_handler(broken_for_bad_names(zone));
  check_canary(lab, 0);
  known_fast(lab);

  const auto& all = malformed::categories();
  int tried = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (!all[i].authority) continue;
    ++tried;
    INFO("category: " << all[i].name);
    const std::string qname = "bad" + std::to_string(i) + ".example.test.";
    const std::uint64_t before = counted(lab.stats);
    Outcome out = lab.resolve(qname);
    INFO(show(out.answer));
    CHECK(out.rcode == dns::rcode::servfail);
    CHECK_FALSE(holds_forged(out.answer));
    CHECK(counted(lab.stats) > before);
    lab.pump(20ms);
    check_nothing_cached(lab, qname);
    check_canary(lab, static_cast<int>(i) + 1);
    // Forget what the servers' failures taught the infra cache (backed-off timeouts), and
    // know both as the fast loopback servers they are: every category waits out the shortest
    // UDP timeout (min_upstream_timeout) at each server, so the case stays seconds, not minutes.
    lab.clock.advance(std::chrono::duration_cast<cache::Duration>(cache::InfraCache::infra_ttl));
    known_fast(lab);
  }
  CHECK(tried >= 25);
}

TEST_CASE("a malformed reply from one server: the other server's answer is the one used",
          "[resolver][malformed]") {
  Lab lab(111);
  lab.standard(2);
  FakeZone& zone = lab.zone("example.test.");
  add_canaries(zone);
  const auto& all = malformed::categories();
  for (std::size_t i = 0; i < all.size(); ++i)
    zone.add("bad" + std::to_string(i) + ".example.test. 300 IN A 192.0.2.7");
  ScriptedServer& broken = lab.server(srv::example1);
  broken.set_handler(broken_for_bad_names(zone));

  for (std::size_t i = 0; i < all.size(); ++i) {
    if (!all[i].authority) continue;
    INFO("category: " << all[i].name);
    const std::string qname = "bad" + std::to_string(i) + ".example.test.";
    // Make the broken server the favourite, so that it is asked first (the genuine one still
    // answers whenever exploration picks it: the answer must be the genuine one either way).
    cache::ServerStats fast;
    fast.srtt_us = 1;
    fast.rttvar_us = 1;
    lab.infra.store(resolver::address_key(broken.address()), fast);
    Outcome out = lab.resolve(qname);
    INFO(show(out.answer));
    CHECK(out.rcode == dns::rcode::noerror);
    CHECK(addresses(out.answer) == Strings{"192.0.2.7"});
    lab.pump(20ms);
    auto rrset = lab.rrsets.find(name(qname), A);
    if (rrset) CHECK_FALSE(holds_forged(rrset->records));
  }
  CHECK(broken.queries() > 0);
}

}  // namespace tern::testing
