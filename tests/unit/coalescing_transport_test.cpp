// CoalescingTransport: identical exchanges in flight together are sent once and all get the
// answer; different ones, or the same one asked after the first finished, are sent again.
#include "helpers.hpp"

#include "resolver/coalescing_transport.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>

using namespace tern;
using namespace tern::test;

namespace {

/// Answers every exchange after 20 ms (so that others can arrive meanwhile), counting them.
class SlowTransport final : public resolver::UpstreamTransport {
 public:
  asio::awaitable<resolver::ExchangeResult> exchange(const resolver::ExchangeRequest& request) override {
    ++sent;
    asio::steady_timer wait(co_await asio::this_coro::executor, std::chrono::milliseconds(20));
    co_await wait.async_wait(asio::use_awaitable);
    resolver::ExchangeResult r;
    r.status = resolver::ExchangeStatus::ok;
    r.reply = reply(request.question, true, {});
    r.reply.id = static_cast<std::uint16_t>(sent);
    co_return r;
  }
  int sent = 0;
};

resolver::ExchangeRequest request_for(const char* server, const char* qname, std::uint16_t type = dns::rrtype::A) {
  resolver::ExchangeRequest r;
  r.server = asio::ip::make_address(server);
  r.question = question(qname, type);
  return r;
}

struct Fixture {
  asio::io_context io;
  SlowTransport inner;
  std::atomic<std::uint64_t> shared{0};
  resolver::CoalescingTransport transport{inner, shared};
  std::vector<resolver::ExchangeResult> results;

  void ask(resolver::ExchangeRequest request) {
    asio::co_spawn(io, [this, request]() -> asio::awaitable<void> {
      results.push_back(co_await transport.exchange(request));
    }, asio::detached);
  }
};

}  // namespace

TEST_CASE("identical exchanges in flight together are sent once", "[coalescing]") {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.ask(request_for("127.0.0.1", "c1.cold.lab"));
  f.io.run();
  CHECK(f.inner.sent == 1);
  CHECK(f.shared == 4);
  REQUIRE(f.results.size() == 5);
  for (const auto& r : f.results) {
    CHECK(r.status == resolver::ExchangeStatus::ok);
    CHECK(r.reply.id == 1);  // the one answer, copied to every caller
  }
  // Each waiter's result says it was not sent (ternctl trace counts only the one that was).
  CHECK(std::count_if(f.results.begin(), f.results.end(), [](const auto& r) { return r.shared; }) == 4);
  CHECK(f.transport.pending() == 0);
}

TEST_CASE("exchanges that differ in server, question or options are each sent", "[coalescing]") {
  Fixture f;
  f.ask(request_for("127.0.0.1", "c1.cold.lab"));
  f.ask(request_for("127.0.0.2", "c1.cold.lab"));            // another server
  f.ask(request_for("127.0.0.1", "c2.cold.lab"));            // another name
  f.ask(request_for("127.0.0.1", "c1.cold.lab", dns::rrtype::AAAA));  // another type
  auto no_edns = request_for("127.0.0.1", "c1.cold.lab");
  no_edns.edns_size = 0;
  f.ask(no_edns);
  auto caps = request_for("127.0.0.1", "c1.cold.lab");
  caps.randomise_case = true;
  f.ask(caps);
  auto tcp = request_for("127.0.0.1", "c1.cold.lab");
  tcp.tcp_only = true;
  f.ask(tcp);
  auto other_cookie = request_for("127.0.0.1", "C1.Cold.Lab");  // same name, other case and cookie
  other_cookie.cookie = "12345678";
  f.ask(other_cookie);
  f.io.run();
  CHECK(f.inner.sent == 7);
  CHECK(f.shared == 1);
}

TEST_CASE("an exchange asked after the first one finished is sent again", "[coalescing]") {
  Fixture f;
  f.ask(request_for("127.0.0.1", "c1.cold.lab"));
  f.io.run();
  f.io.restart();
  f.ask(request_for("127.0.0.1", "c1.cold.lab"));
  f.io.run();
  CHECK(f.inner.sent == 2);
  CHECK(f.shared == 0);
}
