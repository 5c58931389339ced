// Resolver::trace (ternctl trace): a fresh walk from the root that reports every exchange to its
// observer and leaves the RRset and answer caches exactly as they were.
#include "resolver/trace_cost.hpp"
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>

#include <algorithm>

using namespace tern;
using namespace tern::testing;

TEST_CASE("trace: every hop of a fresh walk, the caches neither read nor written", "[walk][trace]") {
  Lab lab(in_process);
  lab.standard(1);
  // A walk for a neighbour fills the caches with every zone cut the trace will need.
  REQUIRE(lab.resolve("www.example.test.").rcode == dns::rcode::noerror);
  const std::size_t queries = lab.total_queries();
  const std::size_t rrsets = lab.rrsets.entries().stats().entries;
  const std::size_t answers = lab.answers.entries().stats().entries;

  std::optional<resolver::TraceResult> traced = lab.run(lab.resolver().trace(question("mail.example.test.")));
  REQUIRE(traced);
  CHECK(traced->outcome.rcode == dns::rcode::noerror);
  CHECK(addresses(traced->outcome.answer) == std::vector<std::string>{"192.0.2.2"});

  // Cached cuts notwithstanding: the root (from the hints), test., example.test.
  // (QNAME-minimised), and beside them the priming query, as a cold walk sends it (RFC 8109).
  struct Expected {
    std::string zone, server, question, result;
  };
  const std::vector<Expected> expected{
      {".", lab.address(srv::root), "test. A", "referral to test."},
      {"test.", lab.address(srv::tld_test), "example.test. A", "referral to example.test."},
      {"example.test.", lab.address(srv::example1), "mail.example.test. A", "answer"},
  };
  std::vector<resolver::WalkHop> hops;
  std::size_t priming = 0;
  for (const auto& hop : traced->hops) {
    if (hop.question == question(".", dns::rrtype::NS)) {
      ++priming;
      CHECK(hop.result == "answer");
      CHECK(hop.server == lab.address(srv::root));
    } else {
      hops.push_back(hop);
    }
  }
  CHECK(priming == 1);
  REQUIRE(hops.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const resolver::WalkHop& hop = hops[i];
    INFO("hop " << i + 1);
    CHECK(hop.zone.to_text() == expected[i].zone);
    CHECK(hop.server == expected[i].server);
    CHECK(hop.question.name.to_text() + " " + dns::type_to_text(hop.question.type) == expected[i].question);
    CHECK(hop.result == expected[i].result);
    CHECK(hop.transport == "udp");
    CHECK(hop.depth == 0);
    if (i > 0) CHECK(hop.at >= hops[i - 1].at);
  }
  CHECK(traced->total >= hops.back().at);
  CHECK(lab.total_queries() == queries + expected.size() + 1);
  // Nothing learnt was stored, nothing cached was replaced.
  CHECK(lab.rrsets.entries().stats().entries == rrsets);
  CHECK(lab.answers.entries().stats().entries == answers);
  CHECK_FALSE(lab.answers.find(question("mail.example.test.")));
  CHECK_FALSE(lab.rrsets.find(*dns::Name::from_text("mail.example.test."), dns::rrtype::A));
}

TEST_CASE("trace: it costs what a cold client walk costs, across a CNAME into a zone with glue-less NS names",
          "[walk][trace][trace-cost]") {
  Lab lab(in_process);
  lab.standard(1);
  // alias.example.test. CNAME www.par.test.; par.test. is delegated to ns.alpha.net. and
  // ns.beta.net. without glue; alpha.net. and beta.net. have servers of their own (40, 41)
  // and give the addresses of par.test.'s servers (50, 51).
  lab.zone("example.test.").add("alias.example.test. 300 IN CNAME www.par.test.");
  lab.zone("par.test.").add("www.par.test. 300 IN A 192.0.2.7");
  const std::vector<std::string> zones{"alpha.net.", "beta.net."};
  for (int i = 0; i < 2; ++i) {
    const std::string& zone = zones[static_cast<std::size_t>(i)];
    lab.zone("test.").delegate("par.test.", "ns." + zone);
    lab.zone("net.").delegate(zone, "ns." + zone, lab.address(40 + i));
    lab.zone(zone).add("ns." + zone + " 300 IN A " + lab.address(50 + i));
    lab.serve(40 + i, zone);
    lab.serve(50 + i, "par.test.");
  }

  std::optional<resolver::TraceResult> traced = lab.run(lab.resolver().trace(question("alias.example.test.")));
  REQUIRE(traced);
  const std::size_t trace_queries = lab.total_queries();
  CHECK(traced->outcome.rcode == dns::rcode::noerror);
  CHECK(addresses(traced->outcome.answer) == std::vector<std::string>{"192.0.2.7"});
  const resolver::TraceCost cost = resolver::trace_cost(traced->hops, traced->outcome.upstream_queries);

  // A client walk for the same name, on caches as cold as the trace found them (it stored nothing).
  Outcome walked = lab.resolve("alias.example.test.");
  const std::size_t walk_queries = lab.total_queries() - trace_queries;
  REQUIRE(walked.rcode == dns::rcode::noerror);
  // Priming, test., example.test. (the CNAME), par.test.'s referral, two lookups of three
  // exchanges each (root, net., alpha.net. or beta.net.), www.par.test.: 12. The trace once
  // primed the root again for the CNAME's target and for each lookup, and walked each lookup from
  // the root down: 19.
  CHECK(walk_queries == 12);
  CHECK(cost.sent == trace_queries);
  CHECK(cost.sent == walk_queries);
  CHECK(cost.shared == 0);  // no CoalescingTransport in this lab: both lookups ask the root
  // One after the other: the root, test., example.test., par.test.'s referral, one lookup (3),
  // www.par.test.; the priming runs beside them (RFC 8109).
  CHECK(cost.critical_path == 8);
  std::size_t priming = 0;
  for (const auto& hop : traced->hops) {
    INFO(hop.question.name.to_text() << " " << dns::type_to_text(hop.question.type) << " @" << hop.server << ": " << hop.result);
    if (hop.question == question(".", dns::rrtype::NS)) ++priming;
    CHECK(hop.depth == (hop.question.name.is_subdomain_of(*dns::Name::from_text("net.")) ? 1u : 0u));
  }
  CHECK(priming == 1);
  // Each hop says what the reply brought: par.test.'s referral names its servers, without glue.
  auto referral = std::find_if(traced->hops.begin(), traced->hops.end(),
                               [](const resolver::WalkHop& h) { return h.result == "referral to par.test."; });
  REQUIRE(referral != traced->hops.end());
  CHECK(referral->records.size() == 2);
  CHECK(std::all_of(referral->records.begin(), referral->records.end(),
                    [](const dns::Record& rr) { return rr.type == dns::rrtype::NS; }));
}
