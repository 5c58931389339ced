// The in-process front end of ScriptedServer (scripted_server.hpp): the resolver's
// UpstreamTransport with no socket. A query is built as the real transport builds it (random
// ID, EDNS size, COOKIE option, RD), handed to the scripted server at its address as octets,
// and the octets of the reply are judged as the real transport judges them (wire check, ID and
// question, client cookie, TC=1 then the same question "over TCP"). So whole walks run as any
// user, many test processes at once, with no port to bind.
//
// Time is virtual (VirtualTime): a delay, a timeout or a held reply is a wait on the virtual
// clock, which jumps to the next wake-up whenever nothing else is ready to run. A walk that
// meets three timeouts takes microseconds of real time, and always the same virtual time.
//
// What needs a network stays with the socket front end (fake_authority.hpp): forged datagrams
// (Action::before, Action::flood: counted in wire_only_actions(), never sent), source ports,
// 0x20 (the question goes out as the walk wrote it: no forger can reach an in-process reply),
// TLS (an exchange that asks for it finds no server: unreachable).
#pragma once

#include "resolver/secure_random.hpp"
#include "resolver/upstream_transport.hpp"
#include "tests/support/scripted_server.hpp"

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tern::testing {

/// A clock for one io_context that moves only when told to: waits are registered with their
/// virtual due time and woken in order by advance().
class VirtualTime {
 public:
  using Duration = std::chrono::steady_clock::duration;  ///< since the clock was made

  explicit VirtualTime(asio::io_context& io) : io_(io) {}
  Duration now() const noexcept { return now_; }
  /// Returns at virtual time `when`, or earlier once `gate` (if any) is open.
  asio::awaitable<void> wait_until(Duration when, std::shared_ptr<Gate> gate = nullptr);
  /// Moves the clock to the earliest wake-up due by `limit` and wakes every wait due then:
  /// true. With none due by `limit`, moves the clock to `limit`: false.
  bool advance(Duration limit);

 private:
  asio::io_context& io_;
  Duration now_{0};
  /// Pending waits by due time; a wait that has gone (its gate opened) has expired.
  std::multimap<Duration, std::weak_ptr<asio::steady_timer>> due_;
};

class InProcessUpstream final : public resolver::UpstreamTransport {
 public:
  /// `round_trip`: the virtual time every exchange takes on top of its action's delay.
  InProcessUpstream(asio::io_context& io, resolver::SecureRandom& rng,
                    std::chrono::microseconds round_trip = std::chrono::microseconds(100));

  /// A scripted server at `address` (port 53); one per address. Exchanges with an address
  /// that has none end `unreachable` at once, as the kernel's port-unreachable does.
  ScriptedServer& add(const asio::ip::address& address, Handler handler);
  VirtualTime& time() noexcept { return time_; }
  const VirtualTime& time() const noexcept { return time_; }
  /// Actions that asked for what only the socket front end can send (forgeries, floods).
  std::size_t wire_only_actions() const noexcept { return wire_only_actions_; }

  asio::awaitable<resolver::ExchangeResult> exchange(const resolver::ExchangeRequest& request) override;

 private:
  /// The UDP leg, then the TCP leg after TC=1 (or the TCP leg alone for tcp_only).
  asio::awaitable<resolver::ExchangeResult> exchange_udp(const resolver::ExchangeRequest& request,
                                                         ScriptedServer& server);
  asio::awaitable<resolver::ExchangeResult> exchange_tcp(const resolver::ExchangeRequest& request,
                                                         ScriptedServer& server);
  /// Sends the query to `server` and waits for its reply octets until `deadline`; nullopt:
  /// none came in time (silence, a reply later than the deadline, a gate still shut).
  asio::awaitable<std::optional<std::vector<std::uint8_t>>> ask(ScriptedServer& server,
                                                               const std::vector<std::uint8_t>& query,
                                                               Transport transport,
                                                               VirtualTime::Duration deadline);
  ScriptedServer* find(const asio::ip::address& address);

  VirtualTime time_;
  resolver::SecureRandom& rng_;
  std::chrono::microseconds round_trip_;
  std::map<asio::ip::address, std::unique_ptr<ScriptedServer>> servers_;
  std::size_t wire_only_actions_ = 0;
};

}  // namespace tern::testing
