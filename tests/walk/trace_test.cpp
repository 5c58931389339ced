// Resolver::trace (ternctl trace): a fresh walk from the root that reports every exchange to its
// observer and leaves the RRset and answer caches exactly as they were.
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>

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

  // Cached cuts notwithstanding: priming, the root, test., example.test. (QNAME-minimised).
  struct Expected {
    std::string zone, server, question, result;
  };
  const std::vector<Expected> expected{
      {".", lab.address(srv::root), ". NS", "answer"},
      {".", lab.address(srv::root), "test. A", "referral to test."},
      {"test.", lab.address(srv::tld_test), "example.test. A", "referral to example.test."},
      {"example.test.", lab.address(srv::example1), "mail.example.test. A", "answer"},
  };
  REQUIRE(traced->hops.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const resolver::WalkHop& hop = traced->hops[i];
    INFO("hop " << i + 1);
    CHECK(hop.zone.to_text() == expected[i].zone);
    CHECK(hop.server == expected[i].server);
    CHECK(hop.question.name.to_text() + " " + dns::type_to_text(hop.question.type) == expected[i].question);
    CHECK(hop.result == expected[i].result);
    CHECK(hop.transport == "udp");
    CHECK(hop.depth == 0);
    if (i > 0) CHECK(hop.at >= traced->hops[i - 1].at);
  }
  CHECK(traced->total >= traced->hops.back().at);
  CHECK(lab.total_queries() == queries + expected.size());
  // Nothing learnt was stored, nothing cached was replaced.
  CHECK(lab.rrsets.entries().stats().entries == rrsets);
  CHECK(lab.answers.entries().stats().entries == answers);
  CHECK_FALSE(lab.answers.find(question("mail.example.test.")));
  CHECK_FALSE(lab.rrsets.find(*dns::Name::from_text("mail.example.test."), dns::rrtype::A));
}
