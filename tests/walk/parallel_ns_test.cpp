// Glue-less NS lookups run in parallel (issue 5): a zone whose NS names all come without glue
// has their addresses looked up at the same time, at most limits::max_parallel_ns_lookups at
// once, and the walk goes on with the first address found. Nothing here measures time: the
// servers behind the NS names hold their replies behind a Gate that only concurrent lookups
// open, so a resolver looking them up one after another meets a timeout (counted in
// ResolverStats::upstream_timeouts) where a parallel one meets none.
#include "resolver/limits.hpp"
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>

#include <set>

namespace tern::testing {

using dns::rrtype::A;
using Strings = std::vector<std::string>;

namespace {

/// par.test. delegated to the glue-less names ns.<zone> for each of `zones` (in that order);
/// each <zone> (under net.) has its own server (40, 41, ...) that knows ns.<zone> at the
/// address of server 50 + i, where par.test. is served (www.par.test. A 192.0.2.7).
void glue_less_hierarchy(Lab& lab, const std::vector<std::string>& zones) {
  lab.standard(1);
  lab.zone("par.test.").add("www.par.test. 300 IN A 192.0.2.7");
  for (std::size_t i = 0; i < zones.size(); ++i) {
    const std::string& zone = zones[i];
    const int server = 40 + static_cast<int>(i);
    lab.zone("test.").delegate("par.test.", "ns." + zone);
    lab.zone("net.").delegate(zone, "ns." + zone, lab.address(server));
    lab.zone(zone).add("ns." + zone + " 300 IN A " + lab.address(50 + static_cast<int>(i)));
    lab.serve(50 + static_cast<int>(i), "par.test.");
  }
}

/// A server for `zone` whose replies wait behind `gate`; `arrived` is told of each query.
Handler held_zone(Lab& lab, const std::string& zone, std::shared_ptr<Gate> gate, std::function<void()> arrived) {
  return [&lab, zone, gate, arrived](const dns::Message& query, Transport) {
    arrived();
    Action action = lab.zone(zone).respond(query);
    action.hold = gate;
    return action;
  };
}

/// Two glue-less NS names whose servers (40, 41) answer only once both have a query in hand.
void rendezvous_hierarchy(Lab& lab, std::set<int>& asked) {
  static const std::vector<std::string> zones{"alpha.net.", "beta.net."};
  glue_less_hierarchy(lab, zones);
  auto gate = std::make_shared<Gate>(lab.io);
  for (int i = 0; i < 2; ++i) {
    const int server = 40 + i;
    lab.serve(server, held_zone(lab, zones[i], gate, [&asked, gate, server] {
      asked.insert(server);
      if (asked.size() == 2) gate->open();  // the rendezvous: both lookups are under way
    }));
  }
}

}  // namespace

TEST_CASE("glue-less NS names are looked up at the same time: two servers that answer only "
          "once both have a query in hand are answered without a timeout",
          "[walk][parallel-ns]") {
  Lab lab(in_process);
  std::set<int> asked;
  rendezvous_hierarchy(lab, asked);

  Outcome out = lab.resolve("www.par.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.7"});
  // One after another, the first lookup's server would hold its reply until the resolver gave
  // up on it (a timeout), and only then would the second server be asked.
  CHECK(lab.stats.upstream_timeouts == 0);
  CHECK(lab.server(40).queries("ns.alpha.net.", A) == 1);
  CHECK(lab.server(41).queries("ns.beta.net.", A) == 1);
  CHECK(lab.server(50).queries("www.par.test.", A) + lab.server(51).queries("www.par.test.", A) == 1);
}

TEST_CASE("the walk goes on with the first NS address found, not waiting for a slower lookup",
          "[walk][parallel-ns]") {
  Lab lab(in_process);
  // slow.net. is first in the NS set: looked up first, both its servers would have to time
  // out before fast.net. was even tried. They never answer.
  const std::vector<std::string> zones{"slow.net.", "fast.net."};
  glue_less_hierarchy(lab, zones);
  lab.zone("net.").delegate("slow.net.", "ns2.slow.net.", lab.address(44));
  lab.serve(40, [](const dns::Message&, Transport) { return Action::silence(); });
  lab.serve(44, [](const dns::Message&, Transport) { return Action::silence(); });
  lab.serve(41, "fast.net.");

  Outcome out = lab.resolve("www.par.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.7"});
  CHECK(lab.stats.upstream_timeouts == 0);
  CHECK(lab.server(40).queries() + lab.server(44).queries() == 1);  // slow.net.'s first try
  CHECK(lab.server(51).queries("www.par.test.", A) == 1);
  CHECK(lab.server(50).queries() == 0);

  SECTION("the slow lookup, still in flight when the client was answered, sends nothing more") {
    // Its first server times out in this while; its second is not asked: the client has its
    // answer, and the lookup could only warm the cache at the cost of more upstream traffic.
    lab.pump(1500ms);
    CHECK(lab.stats.upstream_timeouts == 1);
    CHECK(lab.server(40).queries() + lab.server(44).queries() == 1);
  }
}

TEST_CASE("at most two glue-less NS lookups run at once: a third server that waits for all "
          "three is reached only after a timeout",
          "[walk][parallel-ns]") {
  static_assert(resolver::limits::max_parallel_ns_lookups == 2);
  Lab lab(in_process);
  const std::vector<std::string> zones{"one.net.", "two.net.", "three.net."};
  glue_less_hierarchy(lab, zones);
  auto gate = std::make_shared<Gate>(lab.io);
  std::set<int> asked;
  for (int i = 0; i < 3; ++i) {
    const int server = 40 + i;
    lab.serve(server, held_zone(lab, zones[i], gate, [&asked, gate, server] {
      asked.insert(server);
      if (asked.size() == 3) gate->open();
    }));
  }

  Outcome out = lab.resolve("www.par.test.");
  INFO(show(out.answer));
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.7"});
  // The third lookup starts only when one of the first two gave up: unbounded, all three
  // would have met at the gate with no timeout at all.
  CHECK(lab.stats.upstream_timeouts >= 1);
  CHECK(lab.server(42).queries("ns.three.net.", A) == 1);
  CHECK(out.upstream_queries <= resolver::limits::max_upstream_queries);
}

TEST_CASE("trace of a walk with concurrent NS lookups: every hop, in the order the replies came",
          "[walk][trace][parallel-ns]") {
  Lab lab(in_process);
  std::set<int> asked;
  rendezvous_hierarchy(lab, asked);
  std::optional<resolver::TraceResult> traced = lab.run(lab.resolver().trace(question("www.par.test.")));
  REQUIRE(traced);
  CHECK(traced->outcome.rcode == dns::rcode::noerror);
  CHECK(addresses(traced->outcome.answer) == Strings{"192.0.2.7"});
  std::set<std::string> lookups;
  for (std::size_t i = 0; i < traced->hops.size(); ++i) {
    const resolver::WalkHop& hop = traced->hops[i];
    const std::string asked_text = hop.question.name.to_text() + " " + dns::type_to_text(hop.question.type);
    INFO("hop " << i + 1 << ": " << asked_text << " @" << hop.server << " depth " << hop.depth << ": " << hop.result);
    CHECK(hop.result != "timeout");  // one lookup after the other, the first would time out
    CHECK(hop.depth <= 1);
    if (i > 0) CHECK(hop.at >= traced->hops[i - 1].at);
    if (hop.depth == 1 && hop.result == "answer" && hop.question.type == A) lookups.insert(asked_text);
  }
  CHECK(lookups == std::set<std::string>{"ns.alpha.net. A", "ns.beta.net. A"});
  REQUIRE_FALSE(traced->hops.empty());
  CHECK(traced->hops.back().depth == 0);
  CHECK(traced->hops.back().question == question("www.par.test."));
  CHECK(traced->hops.back().result == "answer");
}

}  // namespace tern::testing
