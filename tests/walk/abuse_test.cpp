// Abuse limits of the resolver, with figures (printed so they can go into the README): an
// NXNS-style referral to 1000 glue-less names, cyclic NS dependencies asked again and again
// (TsuNAME), CNAME and DNAME loops, identical concurrent questions, and a random-subdomain
// flood under a slow zone.
#include "resolver/limits.hpp"
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>

#include <cstdio>

namespace tern::testing {

using dns::rrtype::A;

TEST_CASE("NXNS: a referral to 1000 glue-less NS names: at most 10 queries to the victim, 50 in all",
          "[walk][abuse][nxns]") {
  Lab lab(in_process);
  lab.standard(1);
  for (int i = 0; i < 1000; ++i)
    lab.zone("test.").delegate("nxns.test.", "ns" + std::to_string(i) + ".victim.net.");
  lab.zone("net.").delegate("victim.net.", "ns.victim.net.", lab.address(40));
  lab.zone("victim.net.");  // every NS name is NXDOMAIN
  ScriptedServer& victim = lab.serve(40, "victim.net.");

  Outcome out = lab.resolve("www.nxns.test.");
  std::printf("NXNS, 1000 glue-less NS names: %zu queries to the victim zone, %u upstream for the client "
              "query (%zu at all servers)\n",
              victim.queries(), out.upstream_queries, lab.total_queries());
  CHECK(out.rcode == dns::rcode::servfail);
  CHECK(victim.queries() >= 1);
  CHECK(victim.queries() <= 10);
  CHECK(out.upstream_queries <= 50);
  CHECK(lab.total_queries() <= 50);
}

TEST_CASE("TsuNAME: cyclic NS dependencies, asked 200 times at once and for an hour", "[walk][abuse][tsuname]") {
  Lab lab(in_process);
  lab.standard(1);
  // Delegations of 30 s, shorter than the failure memory's cap: once they expire, only the
  // failure cache keeps the parents (test., net.) from being asked again and again.
  lab.zone("test.").add("loop.test. 30 IN NS ns.loop.net.");
  lab.zone("net.").add("loop.net. 30 IN NS ns.loop.test.");
  Outcome first = lab.resolve("www.loop.test.");
  const std::size_t first_queries = lab.total_queries();
  CHECK(first.rcode == dns::rcode::servfail);
  CHECK(first_queries <= 10);
  // Clients keep asking, for the same name and for others under the cyclic zones.
  for (int i = 0; i < 100; ++i) {
    CHECK(lab.resolve("www.loop.test.").rcode == dns::rcode::servfail);
    CHECK(lab.resolve("host" + std::to_string(i) + ".loop.net.").rcode == dns::rcode::servfail);
  }
  const std::size_t repeat_queries = lab.total_queries() - first_queries;
  std::printf("TsuNAME: first resolution %zu upstream queries; 200 more client queries %zu upstream queries "
              "(%.2f per client query)\n",
              first_queries, repeat_queries, double(repeat_queries) / 200.0);
  // The failure is remembered: the upstream rate stays near zero while the clients ask.
  CHECK(repeat_queries <= 20);

  // Over an hour of (fake) time, far past the delegations' 30 s TTL: every 5 s a client asks
  // the same name and a new one under each cyclic zone. The failure cache (RFC 9520: the
  // zones' failure remembered with backoff up to 60 s by default, their parents not asked meanwhile)
  // bounds the upstream queries by its expiries; without it every expiry of the delegations
  // costs a walk to the parents (about 2 queries every 30 s: some 240 in the hour).
  const std::size_t before_hour = lab.total_queries();
  int client_queries = 0;
  for (int step = 0; step < 720; ++step) {
    lab.clock.advance(std::chrono::seconds(5));
    for (const std::string& qname : {std::string("www.loop.test."), "h" + std::to_string(step) + ".loop.test.",
                                     "h" + std::to_string(step) + ".loop.net."}) {
      Outcome out = lab.resolve(qname);
      CHECK(out.rcode == dns::rcode::servfail);
      ++client_queries;
    }
  }
  const std::size_t hour_queries = lab.total_queries() - before_hour;
  std::printf("TsuNAME over 1 hour of clock time: %d client queries (every 5 s: the same name and new names "
              "under both cyclic zones) made %zu upstream queries (%.3f per client query)\n",
              client_queries, hour_queries, double(hour_queries) / client_queries);
  // Bounded by failure expiries (backoff 1, 2, 4 ... 60 s: about 65 in an hour, a few queries
  // each; 63 queries with a 300 s cap), not by the 2160 client questions nor by the
  // delegations' TTL (276 with the failure cache off).
  CHECK(hour_queries <= 200);
}

namespace {

/// An authority for `zone` holding "d.<zone> DNAME d.<target>": every name below d.<zone> is
/// answered as a DNAME server does (RFC 6672), with the DNAME and the synthesised CNAME.
Handler dname_server(std::string zone, std::string target) {
  return [=](const dns::Message& q, Transport) {
    const std::string qname = q.questions.front().name.to_text();
    const std::string owner = "d." + zone;
    dns::Message m;
    m.aa = true;
    if (qname.size() > owner.size() && qname.ends_with("." + owner)) {
      const std::string prefix = qname.substr(0, qname.size() - owner.size());
      m.answer.push_back(record(owner + " 300 IN DNAME d." + target));
      m.answer.push_back(record(qname + " 300 IN CNAME " + prefix + "d." + target));
    } else {
      m.authority.push_back(record(zone + " 300 IN SOA ns. host. 1 3600 600 86400 300"));
      m.rcode = dns::rcode::nxdomain;
    }
    return Action::answer(std::move(m));
  };
}

}  // namespace

TEST_CASE("DNAME loop: SERVFAIL with bounded queries", "[walk][abuse][dname]") {
  Lab lab(in_process);
  lab.standard(1);
  lab.zone("test.").delegate("other.test.", "ns1.other.test.", lab.address(20));
  lab.server(srv::example1).set_handler(dname_server("example.test.", "other.test."));
  lab.serve(20, dname_server("other.test.", "example.test."));
  Outcome out = lab.resolve("x.d.example.test.");
  std::printf("DNAME loop across two zones: %zu upstream queries, rcode %u\n", lab.total_queries(), out.rcode);
  CHECK(out.rcode == dns::rcode::servfail);
  CHECK(lab.total_queries() <= resolver::limits::max_upstream_queries);
}

TEST_CASE("100 identical concurrent questions make one upstream query", "[walk][abuse][inflight]") {
  Lab lab(in_process);
  lab.standard(1);
  lab.resolve("example.test.", dns::rrtype::NS);  // the walk down is cached; only www is cold
  const std::size_t before = lab.server(srv::example1).queries("www.example.test.", A);
  std::vector<dns::Question> questions(100, question("www.example.test."));
  auto outcomes = lab.resolve_all(questions);
  const std::size_t asked = lab.server(srv::example1).queries("www.example.test.", A) - before;
  std::printf("100 identical concurrent questions: %zu upstream queries for www.example.test.\n", asked);
  for (const Outcome& o : outcomes) CHECK(addresses(o.answer) == std::vector<std::string>{"192.0.2.1"});
  CHECK(asked == 1);
}

TEST_CASE("random-subdomain flood under a slow zone: other names keep answering", "[walk][abuse][flood]") {
  Lab lab(in_process);
  lab.standard(1);
  lab.zone("test.").delegate("slow.test.", "ns1.slow.test.", lab.address(30));
  FakeZone& slow_zone = lab.zone("slow.test.");
  lab.serve(30, [&slow_zone](const dns::Message& q, Transport) {
    Action a = slow_zone.respond(q);
    a.delay = std::chrono::milliseconds(1000);  // a zone under attack, answering slowly
    return a;
  });
  lab.resolve("www.example.test.");  // the hierarchy above is warm, as in a live resolver
  auto flood_done = std::make_shared<int>(0);
  for (int i = 0; i < 300; ++i) {
    dns::Question q = question("r" + std::to_string(i * 7919 % 100003) + ".slow.test.");
    asio::co_spawn(lab.io, lab.resolver().resolve(q), [flood_done](std::exception_ptr, Outcome) { ++*flood_done; });
  }
  lab.pump(50ms);  // the flood's queries are out
  Outcome other = lab.resolve("mail.example.test.");
  const int finished_when_answered = *flood_done;
  std::printf("random-subdomain flood of 300 names under a 1 s zone: mail.example.test answered after %lld ms "
              "with %d of the flood finished\n",
              static_cast<long long>(lab.last_elapsed.count()), finished_when_answered);
  CHECK(addresses(other.answer) == std::vector<std::string>{"192.0.2.2"});
  CHECK(finished_when_answered < 300);  // answered while the flood was still waiting
  // Let the flood end before the lab goes (its coroutines use the resolver).
  for (int i = 0; i < 150 && *flood_done < 300; ++i) lab.pump(100ms);
  CHECK(*flood_done == 300);
}

}  // namespace tern::testing
