// delay_relay: a user-space stand-in for netem in the lab. It listens on ADDRESS:PORT (UDP and
// TCP) and forwards to UPSTREAM:PORT, holding every datagram and every TCP chunk for --delay-ms
// milliseconds in each direction, so a round trip through it costs twice the delay. zones/lab.sh
// (LAB_DELAY=1) puts one in front of each NSD instance: NSD moves to port 5300 of its
// addresses, the relay takes port 53.
//
//   delay_relay --delay-ms 30 127.53.1.1:53=127.53.1.1:5300 [more pairs...]
//
// UDP: each query gets its own upstream socket (so the reply finds its client) and one reply
// is relayed back, within 5 s. TCP: each connection gets its own upstream connection; the
// handshake itself is not delayed (the kernel does it), data is. Loopback only.
#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using asio::ip::tcp;
using asio::ip::udp;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds udp_reply_wait{5};

struct Pair {
  asio::ip::address listen_address, upstream_address;
  unsigned short listen_port = 0, upstream_port = 0;
};

/// "A:P" with A a loopback IPv4 address.
std::pair<asio::ip::address, unsigned short> parse_endpoint(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("'" + text + "' is not ADDRESS:PORT");
  auto address = asio::ip::make_address(text.substr(0, colon));
  if (!address.is_loopback()) throw std::invalid_argument("'" + text + "' is not a loopback address");
  int port = std::stoi(text.substr(colon + 1));
  if (port < 1 || port > 65535) throw std::invalid_argument("bad port in '" + text + "'");
  return {address, static_cast<unsigned short>(port)};
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds delay) {
  if (delay.count() == 0) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(use_tuple);
}

/// One UDP query: delay, ask upstream from a fresh socket, delay, answer the client.
asio::awaitable<void> relay_datagram(std::shared_ptr<udp::socket> listener, udp::endpoint client,
                                     std::vector<char> query, udp::endpoint upstream,
                                     std::chrono::milliseconds delay) {
  co_await sleep_for(delay);
  udp::socket socket(co_await asio::this_coro::executor);
  asio::error_code ec;
  socket.open(upstream.protocol(), ec);
  if (ec) co_return;
  socket.connect(upstream, ec);
  if (ec) co_return;
  co_await socket.async_send(asio::buffer(query), use_tuple);
  std::array<char, 65536> reply;
  asio::steady_timer deadline(co_await asio::this_coro::executor, udp_reply_wait);
  // Named operands, never temporaries inside co_await (g++ 12, see resolver/zone_cut.cpp).
  auto receive = socket.async_receive(asio::buffer(reply), use_tuple);
  auto wait = deadline.async_wait(use_tuple);
  auto either = std::move(receive) || std::move(wait);
  auto got = co_await std::move(either);
  if (got.index() != 0) co_return;
  auto [error, n] = std::get<0>(got);
  if (error) co_return;
  co_await sleep_for(delay);
  co_await listener->async_send_to(asio::buffer(reply.data(), n), client, use_tuple);
}

asio::awaitable<void> serve_udp(Pair pair, std::chrono::milliseconds delay) {
  auto executor = co_await asio::this_coro::executor;
  auto listener = std::make_shared<udp::socket>(executor, udp::endpoint(pair.listen_address, pair.listen_port));
  udp::endpoint upstream(pair.upstream_address, pair.upstream_port);
  std::array<char, 65536> buffer;
  while (true) {
    udp::endpoint client;
    auto [ec, n] = co_await listener->async_receive_from(asio::buffer(buffer), client, use_tuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    std::vector<char> query(buffer.data(), buffer.data() + n);
    asio::co_spawn(executor, relay_datagram(listener, client, std::move(query), upstream, delay), asio::detached);
  }
}

/// Copies `from` to `to`, each chunk after the delay; closes `to`'s sending side at the end.
asio::awaitable<void> pump(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to,
                           std::chrono::milliseconds delay) {
  std::array<char, 65536> buffer;
  while (true) {
    auto [ec, n] = co_await from->async_read_some(asio::buffer(buffer), use_tuple);
    if (ec) break;
    co_await sleep_for(delay);
    auto [write_error, written] = co_await asio::async_write(*to, asio::buffer(buffer.data(), n), use_tuple);
    if (write_error) break;
  }
  asio::error_code ignored;
  to->shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> relay_connection(std::shared_ptr<tcp::socket> client, tcp::endpoint upstream,
                                       std::chrono::milliseconds delay) {
  auto server = std::make_shared<tcp::socket>(co_await asio::this_coro::executor);
  auto [ec] = co_await server->async_connect(upstream, use_tuple);
  if (ec) co_return;
  auto upward = pump(client, server, delay);
  auto downward = pump(server, client, delay);
  auto both = std::move(upward) && std::move(downward);
  co_await std::move(both);
}

asio::awaitable<void> serve_tcp(Pair pair, std::chrono::milliseconds delay) {
  auto executor = co_await asio::this_coro::executor;
  tcp::acceptor acceptor(executor, tcp::endpoint(pair.listen_address, pair.listen_port));
  tcp::endpoint upstream(pair.upstream_address, pair.upstream_port);
  while (true) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    auto client = std::make_shared<tcp::socket>(std::move(socket));
    asio::co_spawn(executor, relay_connection(client, upstream, delay), asio::detached);
  }
}

int usage() {
  std::fprintf(stderr, "usage: delay_relay --delay-ms N LISTEN_ADDRESS:PORT=UPSTREAM_ADDRESS:PORT...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::chrono::milliseconds delay{0};
  std::vector<Pair> pairs;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--delay-ms" && i + 1 < argc) {
        int ms = std::stoi(argv[++i]);
        if (ms < 0 || ms > 10000) throw std::invalid_argument("--delay-ms must be 0..10000");
        delay = std::chrono::milliseconds(ms);
        continue;
      }
      auto eq = arg.find('=');
      if (eq == std::string::npos) return usage();
      auto [la, lp] = parse_endpoint(arg.substr(0, eq));
      auto [ua, up] = parse_endpoint(arg.substr(eq + 1));
      pairs.push_back({la, ua, lp, up});
    }
    if (pairs.empty()) return usage();
    asio::io_context io(1);
    for (const Pair& p : pairs) {
      asio::co_spawn(io, serve_udp(p, delay), [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
      asio::co_spawn(io, serve_tcp(p, delay), [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    }
    asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](const asio::error_code&, int) { io.stop(); });
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "delay_relay: %s\n", e.what());
    return 1;
  }
  return 0;
}
