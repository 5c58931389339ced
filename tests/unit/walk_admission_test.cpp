// The bound on resolutions in flight (daemon/answering/walk_admission.hpp) and on upstream
// sockets (resolver/socket_budget.hpp): the pure admission rule with a given clock, then a real
// QueryHandler and Resolver whose authorities never answer (issue 16's slow flood): the
// questions over the bound are answered SERVFAIL at once and counted, a question that gives
// way has its walk cancelled (its exchange ends), and a cached name is answered throughout.
#include "query_handler_fixture.hpp"

#include "daemon/answering/walk_admission.hpp"
#include "resolver/socket_budget.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>


using namespace tern;
using namespace tern::test;
using namespace std::chrono_literals;
using daemon::WalkAdmission;

TEST_CASE("walk admission: the bound, the jostle of the oldest, background resolutions", "[admission]") {
  daemon::DaemonStats stats;
  WalkAdmission admission({2, 200ms}, stats);
  const auto t0 = std::chrono::steady_clock::now();
  int gave_way_a = 0, gave_way_b = 0;
  auto a = admission.admit(WalkAdmission::Kind::client, [&] { ++gave_way_a; }, t0);
  auto b = admission.admit(WalkAdmission::Kind::client, [&] { ++gave_way_b; }, t0 + 50ms);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(admission.size() == 2);
  CHECK(stats.resolutions_admitted == 2);

  // Full, and the oldest has waited under the jostle timeout: the newcomer is turned away.
  CHECK_FALSE(admission.admit(WalkAdmission::Kind::client, [] {}, t0 + 100ms));
  CHECK(stats.resolutions_refused == 1);
  CHECK(gave_way_a == 0);
  // A background resolution (prefetch, stale recheck) never pushes a client's out.
  CHECK_FALSE(admission.admit(WalkAdmission::Kind::background, [] {}, t0 + 10s));
  CHECK(stats.resolutions_refused == 2);
  CHECK(gave_way_a == 0);

  // Past the jostle timeout the oldest gives way (once), the newcomer takes its place.
  auto c = admission.admit(WalkAdmission::Kind::client, [] {}, t0 + 250ms);
  REQUIRE(c);
  CHECK(gave_way_a == 1);
  CHECK(gave_way_b == 0);
  CHECK(a->shed());
  CHECK_FALSE(b->shed());
  CHECK(stats.resolutions_jostled == 1);
  CHECK(admission.size() == 2);
  a.reset();  // the shed one ending does not free a second place
  CHECK(admission.size() == 2);

  // A finished resolution frees its place.
  b.reset();
  CHECK(admission.size() == 1);
  CHECK(stats.resolutions_admitted == 1);
  auto d = admission.admit(WalkAdmission::Kind::background, [] {}, t0 + 260ms);
  CHECK(d);
  c.reset();
  d.reset();
  CHECK(admission.size() == 0);
  CHECK(stats.resolutions_admitted == 0);

  // A raised bound applies to the next admission.
  admission.set_limits({3, 200ms});
  std::vector<std::unique_ptr<WalkAdmission::Slot>> held;
  for (int i = 0; i < 3; ++i) held.push_back(admission.admit(WalkAdmission::Kind::client, [] {}, t0));
  CHECK(admission.size() == 3);
  CHECK(stats.resolutions_refused == 2);
}

TEST_CASE("socket budget: permits up to the limit, waiters in order, a deadline without one", "[admission]") {
  asio::io_context io;
  resolver::SocketBudget budget(1);
  std::vector<std::string> order;
  auto take = [&](std::string who, std::chrono::milliseconds hold,
                  std::chrono::steady_clock::duration patience) -> asio::awaitable<void> {
    auto permit = co_await budget.acquire(std::chrono::steady_clock::now() + patience);
    order.push_back(who + (permit ? "+" : "-"));
    asio::steady_timer t(io, hold);
    co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  };
  asio::co_spawn(io, take("a", 30ms, 1s), asio::detached);
  asio::co_spawn(io, take("b", 0ms, 10s), asio::detached);
  asio::co_spawn(io, take("c", 0ms, 10s), asio::detached);
  asio::co_spawn(io, take("d", 0ms, 1ms), asio::detached);  // gives up before a lets go
  io.run();
  CHECK(order == std::vector<std::string>{"a+", "d-", "b+", "c+"});
  CHECK(budget.open() == 0);
  CHECK(budget.waits() == 3);
  CHECK(budget.timeouts() == 1);
}

namespace {

/// Authorities that never answer: every exchange waits until it is cancelled; `waiting` counts
/// the walks' exchanges alive (a cancelled walk's exchange ends and leaves). The root's priming
/// query (". NS", sent beside the first walks, RFC 8109) waits too, but belongs to no walk.
class SilentTransport final : public resolver::UpstreamTransport {
 public:
  asio::awaitable<resolver::ExchangeResult> exchange(const resolver::ExchangeRequest& request) override {
    const bool priming = request.question.name.is_root() && request.question.type == dns::rrtype::NS;
    int& counted = priming ? priming_waiting : waiting;
    ++counted;
    struct Leave {
      int& n;
      ~Leave() { --n; }
    } leave{counted};
    asio::steady_timer never(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    co_await never.async_wait(asio::use_awaitable);  // throws when the walk is cancelled
    co_return resolver::ExchangeResult{};
  }
  int waiting = 0;
  int priming_waiting = 0;
};

/// One client's answer: set by handle()'s completion, on the io_context's thread.
struct Answer {
  bool done = false;
  std::optional<std::vector<std::uint8_t>> wire;
};

/// A QueryHandler with the bound, over a resolver whose authorities never answer. The bound,
/// its stats and the transport are declared before the io_context: coroutines still suspended
/// when it is destroyed give their places back then.
struct SlowFlood {
  daemon::DaemonStats stats;
  WalkAdmission admission{{3, 1h}, stats};
  SilentTransport transport;
  asio::io_context io;
  cache::FakeClock clock;
  cache::RRsetCache rrsets{1 << 20, cache::HashKey{1, 2}, clock, cache::TtlBounds{}};
  cache::AnswerCache answers{1 << 20, cache::HashKey{1, 2}, clock, cache::TtlBounds{}, cache::TtlBounds{0, 3600}};
  cache::InfraCache infra{1 << 16, cache::HashKey{1, 2}, clock};
  resolver::InflightTable inflight;
  resolver::RootHints hints = resolver::parse_root_hints(". 3600 IN NS a.root.\na.root. 3600 IN A 127.9.9.9\n", "test");
  resolver::SecureRandom rng;
  resolver::ResolverStats resolver_stats;
  resolver::Resolver resolver{io.get_executor(), transport, {rrsets, answers, infra}, inflight, hints,
                              resolver::ResolverOptions{true, true, false}, rng, resolver_stats};
  std::shared_ptr<daemon::ClientPolicy> policy = [] {
    auto p = std::make_shared<daemon::ClientPolicy>();
    p->access_control = daemon::default_access_control();
    return p;
  }();
  daemon::QueryLog query_log;
  daemon::QueryHandler handler{resolver, answers, stats, policy, query_log, &admission};

  /// Asks `name`; the answer (when one comes) is left in the returned Answer, on this thread.
  std::shared_ptr<Answer> ask(const std::string& name) {
    auto answer = std::make_shared<Answer>();
    asio::co_spawn(io,
                   handler.handle(query(name.c_str()), asio::ip::make_address("127.0.0.1"),
                                  daemon::ClientTransport::udp),
                   [answer](std::exception_ptr, std::optional<std::vector<std::uint8_t>> wire) {
                     answer->done = true;
                     answer->wire = std::move(wire);
                   });
    return answer;
  }
  void settle() {
    io.restart();
    io.poll();
  }
};

bool ready(const std::shared_ptr<Answer>& a) { return a->done; }

dns::Message parsed(const std::shared_ptr<Answer>& a) {
  REQUIRE(a->wire);
  dns::Message m;
  REQUIRE(dns::parse_message(*a->wire, m) == dns::WireError::none);
  return m;
}

}  // namespace

TEST_CASE("a slow flood: N wait, the rest SERVFAIL at once and counted, a cached name still answered, "
          "a question that gives way has its walk cancelled", "[admission]") {
  SlowFlood f;
  // What a walk meets first: the root's NS and a cached answer that needs no walk.
  f.answers.insert(question("cached.example.", dns::rrtype::A), dns::rcode::noerror,
                   rrs({"cached.example. 300 IN A 192.0.2.7"}), {});

  std::vector<std::shared_ptr<Answer>> asked;
  for (int i = 0; i < 5; ++i) asked.push_back(f.ask("q" + std::to_string(i) + ".slow.example"));
  f.settle();
  // Three wait on the silent authorities; two were turned away at once.
  CHECK(f.stats.resolutions_admitted == 3);
  CHECK(f.stats.resolutions_refused == 2);
  CHECK(f.transport.waiting == 3);
  for (int i = 0; i < 3; ++i) CHECK_FALSE(ready(asked[i]));
  for (int i = 3; i < 5; ++i) {
    REQUIRE(ready(asked[i]));
    const dns::Message m = parsed(asked[i]);
    CHECK(m.rcode == dns::rcode::servfail);
    REQUIRE(m.edns);
    CHECK(std::string(m.edns->options).find("resolver busy") != std::string::npos);
  }

  // A cache hit is answered while the bound is full, both inline and through handle().
  std::vector<std::uint8_t> out;
  CHECK(f.handler.answer_from_cache(query("cached.example"), asio::ip::make_address("127.0.0.1"),
                                    daemon::ClientTransport::udp, out));
  auto hit = f.ask("cached.example");
  f.settle();
  REQUIRE(ready(hit));
  CHECK(parsed(hit).rcode == dns::rcode::noerror);
  CHECK(f.stats.resolutions_refused == 2);

  // Jostle: the oldest gives way at once; its walk is cancelled, its exchange gone.
  f.admission.set_limits({3, 0ms});
  auto newcomer = f.ask("q5.slow.example");
  f.settle();
  CHECK(f.stats.resolutions_jostled == 1);
  REQUIRE(ready(asked[0]));
  const dns::Message shed = parsed(asked[0]);
  CHECK(shed.rcode == dns::rcode::servfail);
  REQUIRE(shed.edns);
  CHECK(std::string(shed.edns->options).find("resolver busy") != std::string::npos);
  CHECK_FALSE(ready(newcomer));
  CHECK(f.transport.waiting == 3);  // q1, q2 and the newcomer; q0's exchange ended
  CHECK(f.stats.resolutions_admitted == 3);
  // The cancelled walk left no failure behind: its question is not remembered as failed.
  CHECK_FALSE(static_cast<bool>(f.answers.failures().find(cache::FailureKey::question(question("q0.slow.example", dns::rrtype::A)))));

  // The rest give way one by one; once all have, nothing waits and nothing is held.
  for (int i = 6; i < 9; ++i) {
    asked.push_back(f.ask("q" + std::to_string(i) + ".slow.example"));
    f.settle();
  }
  CHECK(f.stats.resolutions_jostled == 4);
  CHECK(f.transport.waiting == 3);
  CHECK(f.stats.internal_errors == 0);
}
