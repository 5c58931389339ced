// The edns-tcp-keepalive option (RFC 7828) on TCP and DoT: a client that asks (the option,
// empty, in its query) is told the idle timeout in force on its connection, which shrinks
// while the connection slots run short (connection_pressure.hpp), so it knows when to expect
// the close. Never on UDP (RFC 7828 §3.3.1: a server ignores the option there), hence here,
// with the stream connections, and not in the responder.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

namespace tern::daemon {

/// RFC 7828 §3.1: the option code of edns-tcp-keepalive.
inline constexpr std::uint16_t edns_tcp_keepalive_option = 11;

/// True when `query` is a well-formed message whose OPT record carries an edns-tcp-keepalive
/// option without a value (RFC 7828 §3.2.1: clients send no TIMEOUT; one that does is not
/// answered with the option).
bool query_asks_for_keepalive(std::span<const std::uint8_t> query);

/// Appends edns-tcp-keepalive with TIMEOUT = `timeout` in units of 100 ms (rounded down, at
/// least 1, at most 65535) to the OPT record of `response`, which must be its last record.
/// Leaves a response without OPT, with OPT not last, or that would grow past 65535 octets
/// unchanged and returns false.
bool add_keepalive(std::vector<std::uint8_t>& response, std::chrono::milliseconds timeout);

}  // namespace tern::daemon
