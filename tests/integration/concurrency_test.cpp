// Identical questions at once: 20 clients ask the same cold name at the same moment (the
// in-flight table lets them wait on one resolution); every one gets the whole answer.
#include <catch2/catch.hpp>

#include "support/cares_client.hpp"
#include "support/dig.hpp"
#include "support/ternd.hpp"

#include <ares.h>
#include <arpa/nameser.h>

#include <future>
#include <thread>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

void check_all(CaresClient& client, const std::string& address) {
  for (std::size_t i = 0; i < client.size(); ++i) {
    INFO("query " << i << ": " << client.result(i).status_name());
    REQUIRE(client.result(i).status == ARES_SUCCESS);
    CaresHost h = parse_a(client.result(i));
    REQUIRE(h.status == ARES_SUCCESS);
    REQUIRE_FALSE(h.addresses.empty());
    CHECK(h.addresses.back().address == address);
  }
}

}  // namespace

TEST_CASE("20 identical concurrent queries for a cold name all get the answer", "[concurrency]") {
  Ternd t;
  SECTION("c-ares over UDP, one channel, 20 queries outstanding") {
    CaresClient client(t.port());
    for (int i = 0; i < 20; ++i) client.start("www.chain.lab", ns_t_a);
    client.run(15s);
    check_all(client, "127.0.0.80");
  }
  SECTION("c-ares over TCP, 20 queries pipelined on one connection") {
    CaresClient client(t.port(), CaresOptions{true});
    for (int i = 0; i < 20; ++i) client.start("www.glueless.corp", ns_t_a);
    client.run(15s);
    check_all(client, "127.0.14.80");
  }
  SECTION("20 c-ares channels (20 sockets) at once, and 20 dig processes at once") {
    std::vector<std::unique_ptr<CaresClient>> clients;
    for (int i = 0; i < 20; ++i) {
      clients.push_back(std::make_unique<CaresClient>(t.port()));
      clients.back()->start("www.half.lab", ns_t_a);
    }
    // drive them from threads so that they are really in flight together
    std::vector<std::future<void>> runs;
    for (auto& c : clients) runs.push_back(std::async(std::launch::async, [&c] { c->run(15s); }));
    for (auto& r : runs) r.get();
    for (auto& c : clients) check_all(*c, "127.0.12.80");

    std::vector<std::future<DigResult>> digs;
    for (int i = 0; i < 20; ++i)
      digs.push_back(std::async(std::launch::async, [&t] { return dig(t.port(), "multi.example.lab", "A"); }));
    for (auto& d : digs) {
      DigResult r = d.get();
      INFO(r.output);
      CHECK(r.status == "NOERROR");
      CHECK(r.answer.size() == 3);
    }
  }
  CHECK(t.running());
}
