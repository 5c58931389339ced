#include "daemon/udp_listener.hpp"

#include "resolver/log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

namespace tern::daemon {

using asio::ip::udp;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

udp::socket open_udp_socket(const asio::any_io_executor& executor, const udp::endpoint& endpoint) {
  udp::socket socket(executor);
  socket.open(endpoint.protocol());
  socket.set_option(asio::socket_base::reuse_address(true));
  socket.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
  if (endpoint.address().is_v6()) socket.set_option(asio::ip::v6_only(true));
  socket.bind(endpoint);
  socket.non_blocking(true);
  return socket;
}

namespace {

asio::awaitable<void> answer(udp::socket& socket, udp::endpoint client,
                             std::vector<std::uint8_t> packet, QueryHandler& handler,
                             ActiveQueries& active) {
  ActiveQueries::Guard guard(active);
  const asio::ip::address from = client.address();
  auto response = co_await handler.handle(std::move(packet), from, ClientTransport::udp);
  if (response) co_await socket.async_send_to(asio::buffer(*response), client, use_tuple);
}

asio::awaitable<void> send_later(udp::socket& socket, udp::endpoint client, std::vector<std::uint8_t> reply) {
  co_await socket.async_send_to(asio::buffer(reply), client, use_tuple);
}

}  // namespace

asio::awaitable<void> serve_udp(udp::socket& socket, QueryHandler& handler, ActiveQueries& active) {
  std::vector<std::uint8_t> buffer(65535);
  std::vector<std::uint8_t> reply;  // the hot path's response buffer, reused
  auto executor = co_await asio::this_coro::executor;
  while (true) {
    udp::endpoint client;
    auto [ec, n] = co_await socket.async_receive_from(asio::buffer(buffer), client, use_tuple);
    if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
    if (ec) {
      // ICMP errors from earlier sends surface here on Linux; they concern no new query.
      log::debug("udp receive: {}", ec.message());
      continue;
    }
    const std::span<const std::uint8_t> packet(buffer.data(), n);
    if (handler.answer_from_cache(packet, client.address(), ClientTransport::udp, reply)) {
      // A hit is answered inline: no coroutine, no copy of the query. The socket is
      // non-blocking; only when the kernel's buffer is full does the reply wait its turn.
      asio::error_code send_ec;
      socket.send_to(asio::buffer(reply), client, 0, send_ec);
      if (send_ec == asio::error::would_block)
        asio::co_spawn(executor, send_later(socket, client, reply), asio::detached);
      continue;
    }
    asio::co_spawn(executor,
                   answer(socket, client, std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + n),
                          handler, active),
                   asio::detached);
  }
}

}  // namespace tern::daemon
