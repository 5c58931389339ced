#include "daemon/listeners/tcp_listener.hpp"

#include "resolver/log.hpp"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/use_awaitable.hpp>

#include <memory>

namespace tern::daemon {

using asio::ip::tcp;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

tcp::acceptor open_tcp_acceptor(const asio::any_io_executor& executor, const tcp::endpoint& endpoint,
                                PortClaim claim) {
  tcp::acceptor acceptor(executor);
  acceptor.open(endpoint.protocol());
  prepare_bind(acceptor.native_handle(), true, claim);
  if (endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(true));
  acceptor.bind(endpoint);
  finish_bind(acceptor.native_handle(), claim);
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor;
}

namespace {

/// The peer's address of an accepted socket; unspecified when the peer already left.
asio::ip::address peer_address(const tcp::socket& socket) {
  asio::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  return ec ? asio::ip::address() : peer.address();
}

/// Admits a connection from `client` under `limits`, counting a refusal or an eviction in `counters`.
std::optional<ConnectionCounter::Slot> admit(const StreamLimits& limits, const asio::ip::address& client,
                                             const AcceptCounters& counters) {
  std::optional<ConnectionCounter::Slot> slot;
  auto verdict = limits.open_connections->try_admit(client, limits.max_connections,
                                                    limits.max_connections_per_client, slot);
  if (verdict == ConnectionCounter::Verdict::admitted_by_eviction) {
    DaemonStats::bump(counters.evicted);
    log::debug("{} connection from {} admitted in an evicted connection's slot", counters.transport,
               client.to_string());
  } else if (verdict != ConnectionCounter::Verdict::admitted) {
    DaemonStats::bump(counters.rejected);
    log::debug("connection from {} refused: {}", client.to_string(),
               verdict == ConnectionCounter::Verdict::over_total ? "too many connections"
                                                                 : "too many connections from this address");
  }
  return slot;
}

}  // namespace

asio::awaitable<void> accept_connections(tcp::acceptor& acceptor, StreamServices services, AcceptCounters counters,
                                         ServeConnection serve) {
  while (true) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
    if (ec) {
      log::debug("{} accept: {}", counters.transport, ec.message());
      continue;
    }
    const asio::ip::address client = peer_address(socket);
    auto slot = admit(services.limits, client, counters);
    if (!slot) {
      asio::error_code ignored;
      socket.close(ignored);
      continue;
    }
    DaemonStats::bump(counters.accepted);
    serve(std::move(socket), client, std::move(*slot));
  }
}

asio::awaitable<void> serve_tcp(tcp::acceptor& acceptor, StreamServices services) {
  co_await accept_connections(
      acceptor, services, {"tcp", services.stats.tcp_accepted, services.stats.tcp_rejected, services.stats.tcp_evicted},
      [&acceptor, services](tcp::socket socket, const asio::ip::address& client, ConnectionCounter::Slot slot) {
        auto connection =
            std::make_shared<StreamConnection<tcp::socket>>(std::move(socket), client, std::move(slot), services,
                                                            ClientTransport::tcp);
        asio::co_spawn(acceptor.get_executor(), run_connection(std::move(connection)),
                       CountEscaped(services.stats, "tcp connection"));
      });
}

}  // namespace tern::daemon
