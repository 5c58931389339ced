// What ternd does when its client connection slots (TCP or DoT) run short: pure decisions, no
// sockets. A flood of idle connections from a few addresses, each closed one reconnected at
// once, would otherwise keep every slot and lock out every other client, among them those
// sent to TCP by TC=1 or by the rate limiter's slip (issue 16). RFC 7766 §6.2.3 lets a server
// under pressure close idle connections early, the idlest first; RFC 7828 lets it tell clients.
#pragma once

#include <asio/ip/address.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>

namespace tern::daemon {

/// How full the slots of one transport are: each level shortens the idle timeout further.
enum class PressureLevel { none, high, severe };

/// none up to half of `max_connections` open, high up to 80 %, severe above (Unbound's
/// thresholds, netevent.c setup_tcp_handler).
PressureLevel pressure_level(unsigned open, unsigned max_connections) noexcept;

/// The shortest idle timeout pressure brings: long enough for a client to send its next
/// query after an answer, short enough that idle holders turn over several times a second.
inline constexpr std::chrono::milliseconds pressure_idle_floor{200};

/// The idle timeout in force at `level`: `configured` (tcp-idle-timeout) without pressure, a
/// tenth of it (at least pressure_idle_floor) at high, pressure_idle_floor at severe; never
/// longer than `configured`.
std::chrono::milliseconds idle_timeout_under_pressure(std::chrono::milliseconds configured,
                                                      PressureLevel level) noexcept;

/// One open connection as the eviction policy sees it.
struct OpenConnection {
  asio::ip::address client;
  std::chrono::steady_clock::time_point last_activity;  ///< last query read or answer sent
  bool busy = false;  ///< a query is being answered: closing it would lose that answer
};

/// With every slot taken, which connection (an index into `open`) to close so that `newcomer`
/// gets one: the idlest connection of the address holding the most connections (idle ones
/// before busy ones), but only when the newcomer would still hold fewer than that address after
/// the swap (newcomer's count + 2 <= the most); else nullopt and the newcomer is refused.
/// So an address with no connection always gets in while another holds two or more, and
/// addresses with equal shares do not evict each other back and forth.
std::optional<std::size_t> pick_eviction(std::span<const OpenConnection> open, const asio::ip::address& newcomer);

}  // namespace tern::daemon
