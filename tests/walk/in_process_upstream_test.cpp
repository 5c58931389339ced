// The walk suite's network itself (tests/support/in_process_upstream.*): what an exchange
// returns for each scripted action, and when on the virtual clock. The walk tests trust it to
// behave as the real transport against the socket fake does (tests/resolver/ checks that one).
#include "tests/support/in_process_upstream.hpp"

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>

#include <optional>

namespace tern::testing {

using namespace std::chrono_literals;
using resolver::ExchangeResult;
using resolver::ExchangeStatus;

namespace {

struct Net {
  asio::io_context io;
  resolver::SecureRandom rng;
  InProcessUpstream upstream{io, rng};
  const asio::ip::address server = asio::ip::make_address("10.53.0.1");

  resolver::ExchangeRequest request(std::chrono::milliseconds timeout = 400ms) const {
    resolver::ExchangeRequest r;
    r.server = server;
    r.question = dns::Question{name("www.example.test."), dns::rrtype::A, dns::class_in};
    r.timeout = timeout;
    return r;
  }
  /// Runs one exchange to its end, moving virtual time only when nothing else can run.
  ExchangeResult exchange(const resolver::ExchangeRequest& r) {
    std::optional<ExchangeResult> out;
    asio::co_spawn(io, upstream.exchange(r), [&](std::exception_ptr, ExchangeResult e) { out = std::move(e); });
    while (!out) {
      if (io.stopped()) io.restart();
      if (io.poll() == 0 && !upstream.time().advance(upstream.time().now() + 3600s)) break;
    }
    REQUIRE(out);
    return *out;
  }
  std::chrono::milliseconds since(VirtualTime::Duration start) const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(upstream.time().now() - start);
  }
};

Handler answering(std::function<void(Action&)> adjust = nullptr) {
  return [adjust](const dns::Message& q, Transport) {
    Action a = Action::records({q.questions.front().name.to_text() + " 300 IN A 192.0.2.1"});
    if (adjust) adjust(a);
    return a;
  };
}

}  // namespace

TEST_CASE("in-process upstream: an answer after the round trip and the action's delay",
          "[walk][in-process]") {
  Net net;
  ScriptedServer& server = net.upstream.add(net.server, answering([](Action& a) { a.delay = 5s; }));
  const auto start = net.upstream.time().now();
  const auto real_start = std::chrono::steady_clock::now();
  ExchangeResult r = net.exchange(net.request(10s));
  CHECK(r.status == ExchangeStatus::ok);
  CHECK(r.reply.answer.size() == 1);
  CHECK(r.rtt == 5s + 100us);
  CHECK(net.since(start) == 5s);
  CHECK(std::chrono::steady_clock::now() - real_start < 2s);  // virtual time: not slept
  REQUIRE(server.queries() == 1);
  CHECK(server.received()[0].transport == Transport::udp);
  CHECK(server.received()[0].edns);
}

TEST_CASE("in-process upstream: silence and late replies time out at the request's timeout",
          "[walk][in-process]") {
  Net net;
  unsigned malformed = 0, mismatched = 0;
  SECTION("silence") { net.upstream.add(net.server, [](const dns::Message&, Transport) { return Action::silence(); }); }
  SECTION("later than the timeout") { net.upstream.add(net.server, answering([](Action& a) { a.delay = 400ms; })); }
  SECTION("held behind a gate that never opens") {
    auto gate = std::make_shared<Gate>(net.io);
    net.upstream.add(net.server, answering([gate](Action& a) { a.hold = gate; }));
  }
  SECTION("garbage: counted as malformed, the wait goes on") {
    malformed = 1;
    net.upstream.add(net.server, answering([](Action& a) {
      a.raw_reply = [](std::uint16_t, const std::string&) { return std::vector<std::uint8_t>{1, 2, 3}; };
    }));
  }
  SECTION("another ID: counted as mismatched, the wait goes on") {
    mismatched = 1;
    net.upstream.add(net.server, [](const dns::Message& q, Transport) {
      Action a = Action::records({"www.example.test. 300 IN A 192.0.2.1"});
      a.reply->id = static_cast<std::uint16_t>(q.id ^ 1);
      a.keep_id = true;
      return a;
    });
  }
  const auto start = net.upstream.time().now();
  ExchangeResult r = net.exchange(net.request(400ms));
  CHECK(r.status == ExchangeStatus::timeout);
  CHECK(net.since(start) == 400ms);
  CHECK(r.malformed == malformed);
  CHECK(r.mismatched == mismatched);
}

TEST_CASE("in-process upstream: a gate opened before the deadline releases the reply",
          "[walk][in-process]") {
  Net net;
  auto gate = std::make_shared<Gate>(net.io);
  net.upstream.add(net.server, answering([gate](Action& a) { a.hold = gate; }));
  std::optional<ExchangeResult> out;
  const resolver::ExchangeRequest request = net.request(400ms);  // the exchange refers to it
  asio::co_spawn(net.io, net.upstream.exchange(request),
                 [&](std::exception_ptr, ExchangeResult e) { out = std::move(e); });
  // 100 ms of virtual time pass, then the gate opens while the exchange waits on it.
  while (net.io.poll() > 0 || net.upstream.time().advance(100ms)) {}
  CHECK_FALSE(out);
  gate->open();
  while (!out && net.io.poll() > 0) {}
  REQUIRE(out);
  CHECK(out->status == ExchangeStatus::ok);
  CHECK(out->rtt == 100ms);
}

TEST_CASE("in-process upstream: TC=1 over UDP, then the same question over TCP", "[walk][in-process]") {
  Net net;
  ScriptedServer& server = net.upstream.add(net.server, answering([](Action& a) { a.truncate_udp = true; }));
  ExchangeResult r = net.exchange(net.request());
  CHECK(r.status == ExchangeStatus::ok);
  CHECK(r.over_tcp);
  CHECK(r.reply.answer.size() == 1);
  CHECK(server.queries(Transport::udp) == 1);
  CHECK(server.queries(Transport::tcp) == 1);
}

TEST_CASE("in-process upstream: no server at the address is unreachable at once", "[walk][in-process]") {
  Net net;
  const auto start = net.upstream.time().now();
  ExchangeResult r = net.exchange(net.request());
  CHECK(r.status == ExchangeStatus::unreachable);
  CHECK(net.since(start) == 0ms);
}

TEST_CASE("in-process upstream: cookies judged as the real transport judges them (RFC 7873)",
          "[walk][in-process]") {
  Net net;
  std::string client_in_reply;
  std::string seen_client;
  net.upstream.add(net.server, [&](const dns::Message& q, Transport) {
    Action a = Action::records({"www.example.test. 300 IN A 192.0.2.1"});
    auto c = cookie_of(q);
    REQUIRE(c);
    seen_client = std::string(c->client);
    const std::string client = client_in_reply.empty() ? seen_client : client_in_reply;
    a.reply->edns = dns::Edns{1232, 0, false, dns::cookie_option(client, server_cookie_for(client))};
    return a;
  });
  resolver::ExchangeRequest r = net.request();
  r.cookie = "clientck";
  SECTION("our client cookie: the server cookie is kept") {
    ExchangeResult got = net.exchange(r);
    CHECK(seen_client == "clientck");
    CHECK(got.status == ExchangeStatus::ok);
    CHECK(got.server_cookie == server_cookie_for("clientck"));
  }
  SECTION("another client cookie: not our reply, dropped") {
    client_in_reply = "guessed!";
    ExchangeResult got = net.exchange(r);
    CHECK(got.status == ExchangeStatus::timeout);
    CHECK(got.mismatched == 1);
    CHECK(got.server_cookie.empty());
  }
}

}  // namespace tern::testing
