// The cache as a client sees it: an answer asked again later comes back with its TTL counted
// down by the time in between (a hit, not a new resolution), positive and negative alike.
#include <catch2/catch.hpp>

#include "support/cares_client.hpp"
#include "support/dig.hpp"
#include "support/lab.hpp"
#include "support/ternd.hpp"

#include <ares.h>
#include <arpa/nameser.h>

#include <thread>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

std::uint32_t soa_ttl(const DigResult& r) {
  for (const auto& rec : r.authority)
    if (rec.type == "SOA") return rec.ttl;
  return 0;
}

}  // namespace

TEST_CASE("TTL counts down in the cache: ask twice 2 s apart", "[cache][ttl]") {
  Ternd t;

  SECTION("c-ares over UDP and dig over TCP, positive and negative answers") {
    CaresClient client(t.port());
    CaresHost first = parse_a(client.query("db.shop.lab", ns_t_a));
    REQUIRE(first.status == ARES_SUCCESS);
    REQUIRE(first.addresses.size() == 1);
    DigResult first_tcp = dig(t.port(), "www.example.lab", "A", {"+tcp"});
    REQUIRE(first_tcp.answer.size() == 1);
    DigResult first_neg = dig(t.port(), "nosuch.example.lab", "A");
    REQUIRE(first_neg.status == "NXDOMAIN");
    REQUIRE(soa_ttl(first_neg) > 0);

    std::this_thread::sleep_for(2100ms);
    // The lab still runs: the countdown below is the cache's, not a failure to reach it.
    REQUIRE(Lab::get().all_running());

    CaresHost second = parse_a(client.query("db.shop.lab", ns_t_a));
    REQUIRE(second.status == ARES_SUCCESS);
    REQUIRE(second.addresses.size() == 1);
    CHECK(second.addresses[0].address == "127.0.10.1");
    int drop = first.addresses[0].ttl - second.addresses[0].ttl;
    INFO("db.shop.lab TTL " << first.addresses[0].ttl << " then " << second.addresses[0].ttl);
    CHECK(drop >= 1);
    CHECK(drop <= 4);

    DigResult second_tcp = dig(t.port(), "www.example.lab", "A", {"+tcp"});
    REQUIRE(second_tcp.answer.size() == 1);
    int drop_tcp = static_cast<int>(first_tcp.answer[0].ttl) - static_cast<int>(second_tcp.answer[0].ttl);
    INFO("www.example.lab TTL " << first_tcp.answer[0].ttl << " then " << second_tcp.answer[0].ttl);
    CHECK(drop_tcp >= 1);
    CHECK(drop_tcp <= 4);

    DigResult second_neg = dig(t.port(), "nosuch.example.lab", "A");
    REQUIRE(second_neg.status == "NXDOMAIN");
    int drop_neg = static_cast<int>(soa_ttl(first_neg)) - static_cast<int>(soa_ttl(second_neg));
    INFO("negative SOA TTL " << soa_ttl(first_neg) << " then " << soa_ttl(second_neg));
    CHECK(drop_neg >= 1);
    CHECK(drop_neg <= 4);
  }
}
