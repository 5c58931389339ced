// Round trips of a cold walk (issue 18): the first query does not wait for root priming
// (RFC 8109: the hints serve meanwhile), the addresses of glue-less NS names are asked only in
// the families in use (do-ip4, do-ip6), and a cut's NS lookups still running are dropped once
// one of its servers answers. Nothing here measures time: replies held behind a Gate or a
// delay, and timeouts counted (ResolverStats::upstream_timeouts), show who waited for what.
#include "resolver/limits.hpp"
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

namespace tern::testing {

using dns::rrtype::A;
using dns::rrtype::AAAA;
using dns::rrtype::NS;
using Strings = std::vector<std::string>;

namespace {

/// The root (1) delegating test. (2) and net. (3), test. delegating example.test. (10) with
/// www A 192.0.2.1. The root's priming answer is held behind `priming_gate` (when given) or
/// never sent (`priming_silent`); every other question it answers at once.
void priming_lab(Lab& lab, std::shared_ptr<Gate> priming_gate, bool priming_silent = false) {
  lab.set_root(srv::root, "a.root.test.");
  lab.zone(".").delegate("test.", "ns1.nic.test.", lab.address(srv::tld_test))
               .delegate("net.", "ns1.nic.net.", lab.address(srv::tld_net));
  lab.zone("test.").delegate("example.test.", "ns1.example.test.", lab.address(srv::example1));
  lab.zone("net.");
  lab.zone("example.test.").add("www.example.test. 300 IN A 192.0.2.1");
  lab.serve(srv::root, [&lab, priming_gate, priming_silent](const dns::Message& query, Transport) {
    Action action = lab.zone(".").respond(query);
    const bool priming = !query.questions.empty() && query.questions.front().name.is_root() &&
                         query.questions.front().type == NS;
    if (priming && priming_silent) return Action::silence();
    if (priming) action.hold = priming_gate;
    return action;
  });
  lab.serve(srv::tld_test, "test.");
  lab.serve(srv::tld_net, "net.");
  lab.serve(srv::example1, "example.test.");
}

}  // namespace

TEST_CASE("the first query walks from the root hints while the root is primed in the background "
          "(RFC 8109): it does not wait for the priming answer",
          "[walk][priming]") {
  Lab lab(in_process);
  auto gate = std::make_shared<Gate>(lab.io);
  priming_lab(lab, gate);

  Outcome out = lab.resolve("www.example.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
  // Priming was asked, and is still unanswered: the walk went on without it. Waiting for it
  // (the old way), the walk would have met a timeout at the held priming query.
  CHECK(lab.server(srv::root).queries(".", NS) == 1);
  CHECK_FALSE(gate->is_open());
  CHECK(lab.stats.upstream_timeouts == 0);
  // The client's own exchanges: the root, test., example.test.; the priming is not its cost.
  CHECK(out.upstream_queries == 3);
  CHECK(lab.rrsets.find(dns::Name(), NS) == nullptr);

  SECTION("once the priming answer comes, it is stored and not asked again") {
    gate->open();
    lab.pump(100ms);
    CHECK(lab.rrsets.find(dns::Name(), NS) != nullptr);
    Outcome other = lab.resolve("nosuch.", A);
    CHECK(other.rcode == dns::rcode::nxdomain);
    CHECK(lab.server(srv::root).queries(".", NS) == 1);
  }
}

TEST_CASE("concurrent first queries start one priming query between them", "[walk][priming]") {
  Lab lab(in_process);
  auto gate = std::make_shared<Gate>(lab.io);
  priming_lab(lab, gate);
  auto outs = lab.resolve_all({question("www.example.test."), question("nosuch.net."), question("other.")});
  CHECK(outs[0].rcode == dns::rcode::noerror);
  CHECK(outs[1].rcode == dns::rcode::nxdomain);
  CHECK(outs[2].rcode == dns::rcode::nxdomain);
  CHECK(lab.server(srv::root).queries(".", NS) == 1);
  CHECK(lab.stats.upstream_timeouts == 0);
}

TEST_CASE("a root that never answers priming is asked again only after the retry interval, "
          "the hints serving meanwhile",
          "[walk][priming]") {
  Lab lab(in_process);
  priming_lab(lab, nullptr, /*priming_silent=*/true);
  CHECK(lab.resolve("www.example.test.").rcode == dns::rcode::noerror);
  lab.pump(5s);  // the priming query times out
  CHECK(lab.server(srv::root).queries(".", NS) == 1);
  // Walks from the root again (new top-level names): the hints, no second priming query.
  CHECK(lab.resolve("one.").rcode == dns::rcode::nxdomain);
  CHECK(lab.resolve("two.").rcode == dns::rcode::nxdomain);
  CHECK(lab.server(srv::root).queries(".", NS) == 1);
  lab.clock.advance(resolver::limits::priming_retry_interval + 1s);
  CHECK(lab.resolve("three.").rcode == dns::rcode::nxdomain);
  CHECK(lab.server(srv::root).queries(".", NS) == 2);
}

TEST_CASE("with do-ip6 off, the address of a glue-less NS name is never asked for as AAAA",
          "[walk][ns-families]") {
  Lab lab(in_process);  // do-ip4 on, do-ip6 off
  lab.standard(1);
  // par.test.'s only server name has an IPv6 address and no IPv4 one.
  lab.zone("test.").delegate("par.test.", "ns.only6.net.");
  lab.zone("net.").delegate("only6.net.", "ns1.only6.net.", lab.address(40));
  lab.zone("only6.net.").add("ns.only6.net. 300 IN AAAA 2001:db8::53");
  lab.serve(40, "only6.net.");

  Outcome out = lab.resolve("www.par.test.");
  CHECK(out.rcode == dns::rcode::servfail);  // no usable address for par.test.'s server
  CHECK(lab.server(40).queries("ns.only6.net.", A) >= 1);
  CHECK(lab.server(40).queries("ns.only6.net.", AAAA) == 0);
}

TEST_CASE("with do-ip4 off, the address of a glue-less NS name is never asked for as A",
          "[walk][ns-families]") {
  Lab lab(in_process_ipv6);  // servers on fd00:53::/64; do-ip4 off, do-ip6 on
  lab.set_root(srv::root, "a.root.test.");
  lab.zone(".").delegate("test.", "ns1.nic.test.", lab.address(srv::tld_test))
               .delegate("net.", "ns1.nic.net.", lab.address(srv::tld_net));
  lab.zone("test.").delegate("par.test.", "ns.dual.net.");
  lab.zone("net.").delegate("dual.net.", "ns1.dual.net.", lab.address(40));
  lab.zone("dual.net.").add("ns.dual.net. 300 IN A 192.0.2.53").add("ns.dual.net. 300 IN AAAA " + lab.address(50));
  lab.zone("par.test.").add("www.par.test. 300 IN A 192.0.2.7");
  lab.serve(srv::root, ".");
  lab.serve(srv::tld_test, "test.");
  lab.serve(srv::tld_net, "net.");
  lab.serve(40, "dual.net.");
  lab.serve(50, "par.test.");

  Outcome out = lab.resolve("www.par.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.7"});
  CHECK(lab.server(40).queries("ns.dual.net.", AAAA) == 1);
  CHECK(lab.server(40).queries("ns.dual.net.", A) == 0);
}

TEST_CASE("a cut's glue-less NS lookups still running are dropped once one of its servers answers, "
          "while the walk goes on below it",
          "[walk][parallel-ns]") {
  Lab lab(in_process);
  lab.standard(1);
  // par.test.: two glue-less names; slow.net.'s two servers never answer, fast.net.'s does.
  lab.zone("test.").delegate("par.test.", "ns.slow.net.").delegate("par.test.", "ns.fast.net.");
  lab.zone("net.").delegate("slow.net.", "ns1.slow.net.", lab.address(40))
                  .delegate("slow.net.", "ns2.slow.net.", lab.address(44))
                  .delegate("fast.net.", "ns1.fast.net.", lab.address(41));
  lab.zone("fast.net.").add("ns.fast.net. 300 IN A " + lab.address(51));
  lab.serve(40, [](const dns::Message&, Transport) { return Action::silence(); });
  lab.serve(44, [](const dns::Message&, Transport) { return Action::silence(); });
  lab.serve(41, "fast.net.");
  // Below par.test. (51) the walk takes two more referrals, each server answering after
  // 300 ms (less than an unknown server's timeout, 376 ms): the walk is still running when the
  // slow lookup's first query times out and the lookup would try slow.net.'s second server.
  lab.zone("par.test.").delegate("sub.par.test.", "ns.sub.par.test.", lab.address(52));
  lab.zone("sub.par.test.").delegate("deep.sub.par.test.", "ns.deep.sub.par.test.", lab.address(53));
  lab.zone("deep.sub.par.test.").add("www.deep.sub.par.test. 300 IN A 192.0.2.8");
  lab.serve(51, "par.test.");
  for (const auto& [server, zone] : std::vector<std::pair<int, std::string>>{{52, "sub.par.test."},
                                                                            {53, "deep.sub.par.test."}})
    lab.serve(server, [&lab, zone](const dns::Message& query, Transport) {
      Action action = lab.zone(zone).respond(query);
      action.delay = 300ms;
      return action;
    });

  Outcome out = lab.resolve("www.deep.sub.par.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.8"});
  CHECK(lab.last_elapsed >= 600ms);  // the walk outlasted the slow lookup's first timeout
  lab.pump(5s);
  // The slow lookup's first query timed out; its second server was never asked: par.test.'s
  // server had answered by then.
  CHECK(lab.stats.upstream_timeouts == 1);
  CHECK(lab.server(40).queries() + lab.server(44).queries() == 1);
}

}  // namespace tern::testing
