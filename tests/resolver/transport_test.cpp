// TCP fallback on TC=1 through the real transport: a truncated UDP reply, then the same
// question on a TCP connection. (EDNS fallback, coalescing and server selection run in
// process: tests/walk/exchange_test.cpp.)
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

namespace tern::testing {

using dns::rrtype::A;
using Strings = std::vector<std::string>;

TEST_CASE("TC=1 over UDP: the same question is asked over TCP", "[resolver][transport][tcp]") {
  Lab lab(50);
  lab.standard(1);
  const FakeZone& zone = lab.zone("example.test.");
  ScriptedServer& server = lab.server(srv::example1);
  server.set_handler([&zone](const dns::Message& q, Transport) {
    Action a = zone.respond(q);
    a.truncate_udp = true;
    return a;
  });

  Outcome out = lab.resolve("www.example.test.");
  CHECK(out.rcode == dns::rcode::noerror);
  CHECK(addresses(out.answer) == Strings{"192.0.2.1"});
  CHECK(server.queries(Transport::udp) == 1);
  CHECK(server.queries(Transport::tcp) == 1);
  REQUIRE(server.queries() == 2);
  CHECK(server.received()[1].question == question("www.example.test."));
  CHECK(lab.stats.tcp_fallbacks == 1);
  CHECK(out.upstream_queries == 4);  // one exchange, two legs
}

}  // namespace tern::testing
