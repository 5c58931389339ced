#include "helpers.hpp"

#include "resolver/scrub.hpp"

using namespace tern;
using namespace tern::test;

TEST_CASE("out-of-bailiwick records are removed from every section", "[scrub]") {
  auto q = question("www.example.lab");
  auto m = reply(q, true,
                 rrs({"www.example.lab. 300 IN A 127.0.0.80", "www.victim.corp. 300 IN A 6.6.6.6"}),
                 rrs({"example.lab. 7200 IN NS ns1.example.lab.", "corp. 7200 IN NS evil.example.lab."}),
                 rrs({"ns1.example.lab. 7200 IN A 127.53.10.1", "ns.victim.corp. 7200 IN A 6.6.6.6"}));
  std::size_t removed = resolver::scrub(m, q, name("example.lab"));
  CHECK(removed == 3);
  CHECK(m.answer == rrs({"www.example.lab. 300 IN A 127.0.0.80"}));
  CHECK(m.authority == rrs({"example.lab. 7200 IN NS ns1.example.lab."}));
  CHECK(m.additional == rrs({"ns1.example.lab. 7200 IN A 127.53.10.1"}));
}

TEST_CASE("glue is kept only within the delegating zone and only for NS names", "[scrub]") {
  auto q = question("www.glueless.corp");
  auto m = reply(q, false, {},
                 rrs({"glueless.corp. 3600 IN NS ns1.dns-host.example.", "glueless.corp. 3600 IN NS ns1.glueless.corp."}),
                 rrs({"ns1.dns-host.example. 3600 IN A 6.6.6.6",     // outside corp.: not believable
                      "ns1.glueless.corp. 3600 IN A 127.53.14.1",   // in bailiwick, an NS name: glue
                      "unrelated.corp. 3600 IN A 127.0.0.9"}));     // in bailiwick, not an NS name
  resolver::scrub(m, q, name("corp"));
  CHECK(m.additional == rrs({"ns1.glueless.corp. 3600 IN A 127.53.14.1"}));
  CHECK(m.authority.size() == 2);
}

TEST_CASE("answer records off the CNAME chain are removed", "[scrub]") {
  auto q = question("www.chain.lab");
  auto m = reply(q, true,
                 rrs({"www.chain.lab. 600 IN CNAME a.chain.lab.", "a.chain.lab. 300 IN A 127.0.0.1",
                      "b.chain.lab. 300 IN A 127.0.0.2", "a.chain.lab. 300 IN MX 10 mail.chain.lab."}));
  resolver::scrub(m, q, name("chain.lab"));
  CHECK(m.answer == rrs({"www.chain.lab. 600 IN CNAME a.chain.lab.", "a.chain.lab. 300 IN A 127.0.0.1"}));
}

TEST_CASE("authority records above the answered name only", "[scrub]") {
  auto q = question("nosuch.example.lab");
  auto m = reply(q, true, {},
                 rrs({"example.lab. 60 IN SOA ns1.example.lab. h.example.lab. 1 2 3 4 60",
                      "other.example.lab. 60 IN SOA ns1.example.lab. h.example.lab. 1 2 3 4 60",
                      "example.lab. 60 IN TXT \"not authority data\""}),
                 {}, dns::rcode::nxdomain);
  resolver::scrub(m, q, name("example.lab"));
  REQUIRE(m.authority.size() == 1);
  CHECK(m.authority[0].owner == name("example.lab"));
}

TEST_CASE("priming keeps root server addresses", "[scrub]") {
  auto q = question(".", dns::rrtype::NS);
  auto m = reply(q, true, rrs({". 518400 IN NS a.root-servers.lab."}), {},
                 rrs({"a.root-servers.lab. 518400 IN A 127.53.0.1"}));
  resolver::scrub(m, q, name("."));
  CHECK(m.answer.size() == 1);
  CHECK(m.additional.size() == 1);
}

TEST_CASE("a CNAME of another class neither stays nor extends the chain", "[scrub]") {
  // Found by tests/fuzz/fuzz_response: the chain followed the class-ANY CNAME that the answer
  // scrub then removed, so its target's A record stayed, linked to nothing.
  auto q = question("www.example.com");
  auto m = reply(q, true, rrs({"www.example.com. 600 IN CNAME web.example.com.", "web.example.com. 60 IN A 192.0.2.3"}));
  m.answer[0].klass = 255;
  CHECK(resolver::scrub(m, q, name("com")) == 2);
  CHECK(m.answer.empty());
}
