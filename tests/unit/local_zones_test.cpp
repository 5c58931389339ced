// Local zones: the built-in special-use and private zones and the operator's local-zone /
// local-data, as LocalZones answers them (no network).
#include "daemon/answering/local_zones.hpp"

#include <catch2/catch.hpp>

using namespace tern;
using daemon::LocalZoneRule;
using daemon::LocalZones;
using daemon::LocalZoneType;

namespace {

dns::Question q(const char* name, std::uint16_t type = dns::rrtype::A) {
  return dns::Question{*dns::Name::from_text(name), type, dns::class_in};
}

std::vector<std::string> texts(const std::vector<dns::Record>& records) {
  std::vector<std::string> out;
  for (const auto& rr : records) out.push_back(dns::record_to_text(rr, rr.ttl));
  return out;
}

}  // namespace

TEST_CASE("built-in: localhost and every name below it is loopback (RFC 6761 6.3)", "[local-zones]") {
  LocalZones zones({}, {});
  for (const char* name : {"localhost.", "LocalHost.", "foo.localhost.", "a.b.localhost."}) {
    INFO(name);
    auto a = zones.answer(q(name));
    REQUIRE(a);
    CHECK(a->outcome.rcode == dns::rcode::noerror);
    REQUIRE(a->outcome.answer.size() == 1);
    CHECK(a->outcome.answer[0].owner == *dns::Name::from_text(name));
    CHECK(a->outcome.answer[0].rdata == std::string("\x7f\x00\x00\x01", 4));
    auto aaaa = zones.answer(q(name, dns::rrtype::AAAA));
    REQUIRE(aaaa);
    REQUIRE(aaaa->outcome.answer.size() == 1);
    CHECK(aaaa->outcome.answer[0].rdata == std::string(15, '\0') + '\x01');
    // Other types: NODATA with the SOA.
    auto mx = zones.answer(q(name, dns::rrtype::MX));
    REQUIRE(mx);
    CHECK(mx->outcome.rcode == dns::rcode::noerror);
    CHECK(mx->outcome.answer.empty());
    REQUIRE(mx->outcome.authority.size() == 1);
    CHECK(mx->outcome.authority[0].type == dns::rrtype::SOA);
  }
}

TEST_CASE("built-in: loopback reverse names are localhost., private reverse zones NXDOMAIN", "[local-zones]") {
  LocalZones zones({}, {});
  auto ptr = zones.answer(q("1.0.0.127.in-addr.arpa.", dns::rrtype::PTR));
  REQUIRE(ptr);
  CHECK(texts(ptr->outcome.answer) == std::vector<std::string>{"1.0.0.127.in-addr.arpa.\t10800\tIN\tPTR\tlocalhost."});
  auto v6 = zones.answer(q("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.", dns::rrtype::PTR));
  REQUIRE(v6);
  CHECK(v6->outcome.answer.size() == 1);
  for (const char* name : {"4.3.2.10.in-addr.arpa.", "1.0.20.172.in-addr.arpa.", "1.1.168.192.in-addr.arpa.",
                           "1.1.254.169.in-addr.arpa.", "1.0.64.100.in-addr.arpa.", "1.2.0.192.in-addr.arpa.",
                           "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.",
                           "0.8.e.f.ip6.arpa.", "1.b.e.f.ip6.arpa.", "www.example.test.", "x.invalid.",
                           "hidden.onion.", "printer.home.arpa.", "2.0.0.127.in-addr.arpa."}) {
    INFO(name);
    auto a = zones.answer(q(name, dns::rrtype::PTR));
    REQUIRE(a);
    CHECK(a->outcome.rcode == dns::rcode::nxdomain);
    REQUIRE(a->outcome.authority.size() == 1);
    CHECK(a->outcome.authority[0].type == dns::rrtype::SOA);
  }
  // The apex of a built-in zone exists: its SOA and NS are answered.
  auto soa = zones.answer(q("10.in-addr.arpa.", dns::rrtype::SOA));
  REQUIRE(soa);
  CHECK(soa->outcome.rcode == dns::rcode::noerror);
  CHECK(soa->outcome.answer.size() == 1);
}

TEST_CASE("built-in zones leave everything else alone", "[local-zones]") {
  LocalZones zones({}, {});
  for (const char* name : {"www.example.com.", "example.", "www.example.lab.", "host.corp.", "arpa.",
                           "in-addr.arpa.", "1.0.15.172.in-addr.arpa.", "1.0.32.172.in-addr.arpa.",
                           "1.0.0.11.in-addr.arpa.", "1.0.128.100.in-addr.arpa.", "c.f.ip6.arpa.", "."}) {
    INFO(name);
    CHECK_FALSE(zones.answer(q(name)));
    CHECK_FALSE(zones.covers(q(name).name.wire()));
  }
  CHECK(zones.covers(q("x.10.in-addr.arpa.").name.wire()));
}

TEST_CASE("nodefault and transparent switch a built-in zone off", "[local-zones]") {
  LocalZones zones({LocalZoneRule{"10.in-addr.arpa.", LocalZoneType::nodefault},
                    LocalZoneRule{"168.192.in-addr.arpa.", LocalZoneType::transparent},
                    LocalZoneRule{"localhost.", LocalZoneType::nodefault}},
                   {});
  CHECK_FALSE(zones.answer(q("4.3.2.10.in-addr.arpa.", dns::rrtype::PTR)));
  CHECK_FALSE(zones.answer(q("1.1.168.192.in-addr.arpa.", dns::rrtype::PTR)));
  CHECK_FALSE(zones.answer(q("localhost.")));
  CHECK_FALSE(zones.answer(q("10.in-addr.arpa.", dns::rrtype::SOA)));
  // The others stay.
  CHECK(zones.answer(q("1.0.20.172.in-addr.arpa.", dns::rrtype::PTR)));
}

TEST_CASE("local-zone types and local-data", "[local-zones]") {
  LocalZones zones({LocalZoneRule{"home.example.", LocalZoneType::static_zone},
                    LocalZoneRule{"ads.example.", LocalZoneType::always_nxdomain},
                    LocalZoneRule{"blocked.example.", LocalZoneType::deny},
                    LocalZoneRule{"private.example.", LocalZoneType::refuse},
                    LocalZoneRule{"mixed.example.", LocalZoneType::transparent}},
                   {"printer.home.example. 300 IN A 192.168.1.20", "alias.home.example. IN CNAME printer.home.example.",
                    "www.ads.example. A 192.0.2.99", "ok.blocked.example. A 192.0.2.5",
                    "ok.private.example. A 192.0.2.6", "fixed.mixed.example. A 192.0.2.7",
                    "*.wild.home.example. TXT \"wild\"", "single.example. 60 IN A 192.0.2.8"});
  auto printer = zones.answer(q("printer.home.example."));
  REQUIRE(printer);
  CHECK(texts(printer->outcome.answer) == std::vector<std::string>{"printer.home.example.\t300\tIN\tA\t192.168.1.20"});
  auto nodata = zones.answer(q("printer.home.example.", dns::rrtype::AAAA));
  REQUIRE(nodata);
  CHECK(nodata->outcome.rcode == dns::rcode::noerror);
  CHECK(nodata->outcome.answer.empty());
  auto alias = zones.answer(q("alias.home.example.", dns::rrtype::AAAA));
  REQUIRE(alias);
  REQUIRE(alias->outcome.answer.size() == 1);
  CHECK(alias->outcome.answer[0].type == dns::rrtype::CNAME);
  auto nx = zones.answer(q("nothing.home.example."));
  REQUIRE(nx);
  CHECK(nx->outcome.rcode == dns::rcode::nxdomain);
  auto wild = zones.answer(q("x.y.wild.home.example.", dns::rrtype::TXT));
  REQUIRE(wild);
  REQUIRE(wild->outcome.answer.size() == 1);
  CHECK(wild->outcome.answer[0].owner == *dns::Name::from_text("x.y.wild.home.example."));
  // The empty non-terminal above the wildcard exists: NODATA.
  auto ent = zones.answer(q("wild.home.example."));
  REQUIRE(ent);
  CHECK(ent->outcome.rcode == dns::rcode::noerror);

  auto ads = zones.answer(q("www.ads.example."));
  REQUIRE(ads);
  CHECK(ads->outcome.rcode == dns::rcode::nxdomain);  // always_nxdomain ignores the data

  auto denied = zones.answer(q("x.blocked.example."));
  REQUIRE(denied);
  CHECK(denied->drop);
  auto ok = zones.answer(q("ok.blocked.example."));
  REQUIRE(ok);
  CHECK_FALSE(ok->drop);
  CHECK(ok->outcome.answer.size() == 1);

  auto refused = zones.answer(q("x.private.example."));
  REQUIRE(refused);
  CHECK(refused->outcome.rcode == dns::rcode::refused);

  CHECK_FALSE(zones.answer(q("other.mixed.example.")));
  REQUIRE(zones.answer(q("fixed.mixed.example.")));
  // Data outside every zone: a transparent zone at its owner only.
  REQUIRE(zones.answer(q("single.example.")));
  CHECK(zones.answer(q("single.example.", dns::rrtype::MX))->outcome.answer.empty());
  CHECK_FALSE(zones.answer(q("other.single.example.")));
  CHECK_FALSE(zones.answer(q("example.")));
}

TEST_CASE("an operator's SOA is the one negative answers carry", "[local-zones]") {
  LocalZones zones({LocalZoneRule{"corp.example.", LocalZoneType::static_zone}},
                   {"corp.example. 60 IN SOA ns.corp.example. admin.corp.example. 7 3600 600 86400 60"});
  auto nx = zones.answer(q("nope.corp.example."));
  REQUIRE(nx);
  REQUIRE(nx->outcome.authority.size() == 1);
  CHECK(nx->outcome.authority[0].ttl == 60);
}

TEST_CASE("a local zone at the root covers every name the closer zones do not", "[local-zones]") {
  LocalZones zones({LocalZoneRule{".", LocalZoneType::refuse}}, {"ok.example. A 192.0.2.1"});
  auto refused = zones.answer(q("www.example.com."));
  REQUIRE(refused);
  CHECK(refused->outcome.rcode == dns::rcode::refused);
  CHECK(zones.covers(q("www.example.com.").name.wire()));
  REQUIRE(zones.answer(q("ok.example.")));
  CHECK(zones.answer(q("ok.example."))->outcome.answer.size() == 1);
  CHECK(zones.answer(q("localhost."))->outcome.answer.size() == 1);  // the closer built-in zone
}
