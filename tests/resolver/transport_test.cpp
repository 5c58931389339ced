// TCP fallback on TC=1 through the real transport: a truncated UDP reply, then the same
// question on a TCP connection; outgoing-address spreading queries over its addresses. (EDNS fallback, coalescing and server selection run in
// process: tests/walk/exchange_test.cpp.)
#include "tests/support/lab.hpp"

#include <catch2/catch.hpp>

#include <set>

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
  CHECK(out.upstream_queries == 3);  // root, test., example.test. (one exchange, two legs); the priming beside them not counted
}

TEST_CASE("outgoing-address: every query leaves from a random one of the configured addresses",
          "[resolver][transport][outgoing]") {
  Lab lab(54);
  lab.standard(1);
  const std::set<std::string> configured{lab.address(201), lab.address(202), lab.address(203),
                                         lab.address(204)};
  for (const std::string& address : configured) lab.outgoing.v4.push_back(asio::ip::make_address(address));
  const int names = 60;  // all four seen with probability 1 - 4 x (3/4)^60 per transport
  for (int i = 0; i < names; ++i)
    lab.zone("example.test.").add("o" + std::to_string(i) + ".example.test. 300 IN A 192.0.2.91");
  // Every answer truncated over UDP: each name is asked over UDP, then over TCP.
  const FakeZone& zone = lab.zone("example.test.");
  ScriptedServer& server = lab.server(srv::example1);
  server.set_handler([&zone](const dns::Message& q, Transport) {
    Action a = zone.respond(q);
    a.truncate_udp = true;
    return a;
  });

  for (int i = 0; i < names; ++i)
    CHECK(addresses(lab.resolve("o" + std::to_string(i) + ".example.test.").answer) == Strings{"192.0.2.91"});
  std::set<std::string> udp_sources, tcp_sources;
  for (const Received& r : server.received())
    (r.transport == Transport::udp ? udp_sources : tcp_sources).insert(r.source.to_string());
  CHECK(udp_sources == configured);
  CHECK(tcp_sources == configured);
  // Nothing left from another address: the root and the TLD saw configured sources only.
  for (int number : {srv::root, srv::tld_test})
    for (const Received& r : lab.server(number).received()) CHECK(configured.count(r.source.to_string()) == 1);
}

}  // namespace tern::testing
