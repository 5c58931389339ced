// Many threads reading, writing, erasing and sweeping one sharded cache at once. Built and run
// under ThreadSanitizer by tests/run.sh (build-tsan): a data race fails the run.
#include "helpers.hpp"

#include "cache/answer_cache.hpp"
#include "cache/rrset_cache.hpp"

#include <atomic>
#include <thread>

using namespace tern;
using namespace std::chrono_literals;

TEST_CASE("concurrent readers, writers, flushes and sweeps", "[concurrency]") {
  cache::FakeClock clock;
  cache::AnswerCache answers{1 << 16, cache::random_hash_key(), clock, cache::TtlBounds{}, cache::TtlBounds{0, 3600}};
  cache::RRsetCache rrsets{1 << 16, cache::random_hash_key(), clock, cache::TtlBounds{}};
  std::atomic<std::uint64_t> hits{0};
  auto worker = [&](int id) {
    for (int i = 0; i < 4000; ++i) {
      std::string owner = "n" + std::to_string((i * 7 + id) % 500) + ".lab.";
      auto q = dns::Question{*dns::Name::from_text(owner), dns::rrtype::A, dns::class_in};
      if (i % 3 == 0) {
        answers.insert(q, dns::rcode::noerror,
                       {*dns::record_from_text(owner + " " + std::to_string(1 + i % 50) + " IN A 127.0.0.1")}, {});
        rrsets.insert({*dns::record_from_text(owner + " 30 IN A 127.0.0.2")}, cache::Trust::answer_auth, "t");
      } else if (auto hit = answers.find(q)) {
        hits += hit->entry->records().answer.size();
        hit->entry->prefetching.exchange(true);
      }
      if (i % 97 == 0) answers.erase(q);
      if (id == 0 && i % 200 == 0) {
        clock.advance(1s);
        answers.entries().sweep_expired(clock.now());
        rrsets.entries().sweep_expired(clock.now());
      }
      if (id == 1 && i % 500 == 0) rrsets.entries().erase_if([](const auto&, const auto& item) { return item.value->ttl > 40; });
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) threads.emplace_back(worker, t);
  for (auto& t : threads) t.join();
  auto stats = answers.entries().stats();
  CHECK(stats.bytes <= (1u << 16));
  CHECK(hits > 0);
  CHECK(stats.expired + stats.evictions > 0);
}

TEST_CASE("the sweep reclaims in expiry order and keeps stale entries for the grace", "[concurrency]") {
  cache::FakeClock clock;
  cache::AnswerCache answers{1 << 20, cache::HashKey{1, 2}, clock, cache::TtlBounds{}, cache::TtlBounds{0, 3600}};
  for (int ttl : {10, 20, 30})
    answers.insert(test::question(("t" + std::to_string(ttl) + ".lab").c_str()), dns::rcode::noerror,
                   {*dns::record_from_text("t" + std::to_string(ttl) + ".lab. " + std::to_string(ttl) + " IN A 127.0.0.1")}, {});
  clock.advance(15s);
  CHECK(answers.entries().sweep_expired(clock.now()) == 1);
  CHECK(answers.entries().stats().entries == 2);
  clock.advance(10s);  // t20 expired 5 s ago: inside a 10 s serve-stale grace
  CHECK(answers.entries().sweep_expired(clock.now(), 10s) == 0);
  CHECK(answers.lookup(test::question("t20.lab")));
  clock.advance(10s);
  CHECK(answers.entries().sweep_expired(clock.now(), 10s) == 1);
  CHECK(answers.entries().stats().expired == 2);
  CHECK(answers.entries().stats().bytes > 0);
}
