// Upstream queries over UDP with TCP fallback. RFC 5452: every UDP query gets a fresh socket on
// a random source port and a random ID, both from the CSPRNG; the socket is connected, so the
// kernel drops datagrams from any other address or port, and a reply is then accepted only
// when its ID and question match too, and, when used, the 0x20 case and the client cookie
// (RFC 7873).
#pragma once

#include "resolver/secure_random.hpp"
#include "resolver/socket_budget.hpp"
#include "resolver/upstream_tap.hpp"
#include "resolver/upstream_transport.hpp"

#include <asio/any_io_executor.hpp>

#include <optional>
#include <vector>

namespace tern::resolver {

/// Source addresses for upstream queries (outgoing-address), per family; an empty list = the
/// kernel's choice. Each query leaves from one of its family's addresses drawn at random.
struct OutgoingAddresses {
  std::vector<asio::ip::address> v4;  ///< IPv4 addresses only
  std::vector<asio::ip::address> v6;  ///< IPv6 addresses only
};

class UdpTcpTransport final : public UpstreamTransport {
 public:
  /// `sockets`: the worker's max-upstream-sockets-per-worker budget; null = unbounded (tests).
  UdpTcpTransport(asio::any_io_executor executor, OutgoingAddresses outgoing, SecureRandom& rng,
                  SocketBudget* sockets = nullptr)
      : executor_(std::move(executor)), outgoing_(std::move(outgoing)), rng_(rng), sockets_(sockets) {}

  asio::awaitable<ExchangeResult> exchange(const ExchangeRequest& request) override;
  /// Shows every query sent and reply accepted to `tap` (dnstap); null = nobody (the default).
  void set_tap(UpstreamTap* tap) noexcept { tap_ = tap; }

 private:
  asio::awaitable<ExchangeResult> exchange_tcp(const ExchangeRequest& request);
  /// One of the configured source addresses of the server's family, drawn from the CSPRNG for
  /// each query (as Unbound's outgoing-interface): a forger must guess the address too.
  std::optional<asio::ip::address> source_for(const asio::ip::address& server);
  /// A socket's permit, waiting until `deadline` when the budget is spent; an empty permit
  /// means none came in time, and is all there is without a budget (nothing is counted).
  asio::awaitable<SocketBudget::Permit> socket_permit(std::chrono::steady_clock::time_point deadline);

  asio::any_io_executor executor_;
  OutgoingAddresses outgoing_;
  SecureRandom& rng_;
  SocketBudget* sockets_;
  UpstreamTap* tap_ = nullptr;  ///< dnstap's resolver messages; null when off
  /// Where every UDP reply is read and parsed, without a co_await in between: one transport
  /// serves one thread's exchanges, so one buffer of the largest datagram serves them all.
  std::vector<std::uint8_t> receive_buffer_ = std::vector<std::uint8_t>(65535);
};

/// True when `reply` answers the query with this ID and question (RFC 5452 §4.3).
bool reply_matches(const dns::Message& reply, std::uint16_t id, const dns::Question& question);

/// The query's COOKIE option (RFC 7873 §5.1), when the request carries a cookie and EDNS.
std::string cookie_option_for(const ExchangeRequest& request);
/// The query of `request` with ID `id`, over UDP and TCP alike: its EDNS size, its COOKIE
/// option, and RD when a forward zone's recursive server is asked.
std::vector<std::uint8_t> build_upstream_query(const ExchangeRequest& request, std::uint16_t id);
/// RFC 7873 §5.3: a reply with a COOKIE option must carry our client cookie, or it is not an
/// answer to our query (a spoofer cannot see it); a reply without one comes from a server that
/// does not do cookies and is accepted. Fills `server_cookie` from an accepted reply. (These
/// three are public so that the tests' in-process upstream asks and judges as this does.)
bool cookie_accepted(const dns::Message& reply, const ExchangeRequest& request, std::string& server_cookie);

}  // namespace tern::resolver
