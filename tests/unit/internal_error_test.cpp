// No query vanishes: an exception while answering becomes SERVFAIL to the client (or a drop
// when its ID and question cannot be read), queries.internal-errors and a log line; over UDP and
// TCP the listeners send that SERVFAIL. Resolutions are made to throw through the tests' own
// stand-in (QueryHandlerTestAccess), which ternd cannot reach. The listener cases use loopback
// sockets on ports the kernel picks.
#include "query_handler_fixture.hpp"

#include "daemon/answering/ip_ratelimit.hpp"
#include "daemon/listeners/client_coroutine.hpp"
#include "daemon/listeners/connection_limits.hpp"
#include "daemon/listeners/tcp_listener.hpp"
#include "daemon/listeners/udp_listener.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <stdexcept>

using namespace tern;
using namespace tern::test;

namespace {

asio::awaitable<resolver::Outcome> throwing_resolution(dns::Question) {
  throw std::runtime_error("injected by the test");
  co_return resolver::Outcome{};
}

void make_resolutions_throw(Fixture& f) {
  daemon::QueryHandlerTestAccess::replace_resolution(f.handler, throwing_resolution);
}

/// The SERVFAIL a client must get for query("www.example.lab"): its ID and question echoed.
void check_servfail_for_the_query(const dns::Message& m) {
  CHECK(m.id == 0x1234);
  CHECK(m.qr);
  CHECK(m.rcode == dns::rcode::servfail);
  REQUIRE(m.questions.size() == 1);
  CHECK(m.questions.front().name.to_text() == "www.example.lab.");
}

}  // namespace

TEST_CASE("a resolution that throws gets SERVFAIL, counted as an internal error", "[handler][internal-error]") {
  Fixture f;
  make_resolutions_throw(f);
  auto r = f.ask(query("www.example.lab"));
  REQUIRE(r);
  check_servfail_for_the_query(*r);
  CHECK(f.stats.internal_errors == 1);
  CHECK(f.stats.responses_by_rcode[dns::rcode::servfail] == 1);
  // ANY takes its own path to the resolver: the same catch-all.
  r = f.ask(query("www.example.lab", dns::rrtype::ANY));
  REQUIRE(r);
  CHECK(r->rcode == dns::rcode::servfail);
  CHECK(f.stats.internal_errors == 2);
  // Nothing was cached: the next query resolves normally.
  daemon::QueryHandlerTestAccess::replace_resolution(f.handler, {});
  r = f.ask(query("www.example.lab"));
  REQUIRE(r);
  CHECK(r->rcode == dns::rcode::noerror);
  CHECK(f.stats.internal_errors == 2);
}

TEST_CASE("serve-stale: a refresh that throws serves the stale answer, counted", "[handler][internal-error]") {
  Fixture f;
  auto policy = std::make_shared<daemon::ClientPolicy>(*f.policy);
  policy->serve_stale = true;
  f.handler.set_policy(policy);
  REQUIRE(f.ask(query("www.example.lab"))->rcode == dns::rcode::noerror);
  f.clock.advance(std::chrono::seconds(400));  // past the answer's 300 s
  make_resolutions_throw(f);
  auto r = f.ask(query("www.example.lab"));
  REQUIRE(r);
  CHECK(r->rcode == dns::rcode::noerror);
  CHECK(r->answer.size() == 1);
  CHECK(f.stats.stale_answers == 1);
  CHECK(f.stats.internal_errors == 1);
}

TEST_CASE("CountEscaped counts a client coroutine an exception ended, and only that", "[internal-error]") {
  asio::io_context io;
  daemon::DaemonStats stats;
  auto fails = []() -> asio::awaitable<void> {
    throw std::runtime_error("injected by the test");
    co_return;
  };
  auto succeeds = []() -> asio::awaitable<void> { co_return; };
  asio::co_spawn(io, fails(), daemon::CountEscaped(stats, "test"));
  asio::co_spawn(io, succeeds(), daemon::CountEscaped(stats, "test"));
  io.run();
  CHECK(stats.internal_errors == 1);
}

namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

/// Sends `packet` over UDP to `server` and returns the reply (empty after 5 s without one).
asio::awaitable<std::vector<std::uint8_t>> ask_udp(asio::ip::udp::endpoint server, std::vector<std::uint8_t> packet) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::udp::socket socket(executor, asio::ip::udp::endpoint(server.address(), 0));
  asio::steady_timer deadline(executor, std::chrono::seconds(5));
  deadline.async_wait([&socket](asio::error_code ec) {
    if (!ec) socket.close();
  });
  co_await socket.async_send_to(asio::buffer(packet), server, use_tuple);
  std::vector<std::uint8_t> reply(65535);
  auto [ec, n] = co_await socket.async_receive(asio::buffer(reply), use_tuple);
  deadline.cancel();
  reply.resize(ec ? 0 : n);
  co_return reply;
}

/// Sends `packet` framed over TCP to `server` and returns the framed reply's body.
asio::awaitable<std::vector<std::uint8_t>> ask_tcp(asio::ip::tcp::endpoint server, std::vector<std::uint8_t> packet) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::socket socket(executor);
  asio::steady_timer deadline(executor, std::chrono::seconds(5));
  deadline.async_wait([&socket](asio::error_code ec) {
    if (!ec) socket.close();
  });
  std::vector<std::uint8_t> reply;
  if (auto [ec] = co_await socket.async_connect(server, use_tuple); !ec) {
    std::vector<std::uint8_t> frame(2 + packet.size());
    frame[0] = static_cast<std::uint8_t>(packet.size() >> 8);
    frame[1] = static_cast<std::uint8_t>(packet.size() & 0xff);
    std::copy(packet.begin(), packet.end(), frame.begin() + 2);
    co_await asio::async_write(socket, asio::buffer(frame), use_tuple);
    std::array<std::uint8_t, 2> prefix{};
    if (auto [e1, n1] = co_await asio::async_read(socket, asio::buffer(prefix), use_tuple); !e1) {
      reply.resize(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]));
      auto [e2, n2] = co_await asio::async_read(socket, asio::buffer(reply), use_tuple);
      if (e2) reply.clear();
    }
  }
  deadline.cancel();
  co_return reply;
}

dns::Message parsed(const std::vector<std::uint8_t>& wire) {
  dns::Message m;
  REQUIRE(dns::parse_message(wire, m) == dns::WireError::none);
  return m;
}

}  // namespace

TEST_CASE("over UDP and TCP, a query whose resolution throws is answered SERVFAIL", "[internal-error][listener]") {
  Fixture f;
  make_resolutions_throw(f);
  daemon::ActiveQueries active;
  daemon::IpRateLimiter limiter(cache::HashKey{3, 4});
  const auto loopback = asio::ip::make_address("127.0.0.1");
  auto udp = daemon::open_udp_socket(f.io.get_executor(), asio::ip::udp::endpoint(loopback, 0));
  auto tcp = daemon::open_tcp_acceptor(f.io.get_executor(), asio::ip::tcp::endpoint(loopback, 0));
  daemon::ConnectionCounter connections;
  daemon::StreamLimits limits;
  limits.open_connections = &connections;
  asio::co_spawn(f.io, daemon::serve_udp(udp, f.handler, active, f.stats, limiter, 4), daemon::CountEscaped(f.stats, "test"));
  asio::co_spawn(f.io, daemon::serve_tcp(tcp, {f.handler, active, limits, f.stats}), daemon::CountEscaped(f.stats, "test"));
  std::vector<std::uint8_t> udp_reply, tcp_reply;
  asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
    udp_reply = co_await ask_udp(udp.local_endpoint(), query("www.example.lab"));
    tcp_reply = co_await ask_tcp(tcp.local_endpoint(), query("www.example.lab"));
    udp.close();
    tcp.close();
  }, asio::detached);
  f.io.run();
  REQUIRE_FALSE(udp_reply.empty());
  check_servfail_for_the_query(parsed(udp_reply));
  REQUIRE_FALSE(tcp_reply.empty());
  check_servfail_for_the_query(parsed(tcp_reply));
  CHECK(f.stats.internal_errors == 2);
  CHECK(f.stats.responses_by_rcode[dns::rcode::servfail] == 2);
}
