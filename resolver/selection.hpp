// Server selection: which address of a zone's servers to ask next, and what to learn from how
// it went. Pure functions over ServerStats (Knot Resolver's lib/selection idea: a closed set of
// feedback, decisions apart from I/O), so every rule is unit-tested without a network.
#pragma once

#include "cache/clock.hpp"
#include "cache/infra_cache.hpp"
#include "resolver/secure_random.hpp"

#include <chrono>
#include <optional>
#include <span>
#include <string_view>

namespace tern::resolver {

/// What happened to one upstream exchange: the closed set of feedback a server can earn.
enum class ServerFeedback {
  ok,             ///< a usable reply
  timeout,        ///< no matching reply in time
  unreachable,    ///< ICMP port/host unreachable, connection refused
  refused,        ///< rcode REFUSED
  servfail,       ///< rcode SERVFAIL
  formerr,        ///< rcode FORMERR (often: does not understand EDNS)
  notimp,         ///< rcode NOTIMP or another error code
  lame,           ///< not authoritative for the zone it was delegated
  malformed,      ///< reply failed the wire check
  tcp_failed,     ///< TC=1 and the TCP retry failed
};
std::string_view to_string(ServerFeedback f) noexcept;

/// A server the walk may ask, with what is known of it (nullopt: never asked).
struct Candidate {
  std::optional<cache::ServerStats> stats;
};

/// RTT assumed for a server never asked when choosing its timeout (Unbound's 376 ms).
inline constexpr std::chrono::microseconds unknown_server_rtt{376000};
/// The rank of a server never asked when choosing: it is tried before a known server slower
/// than this (so that it gets measured: a slow server must not starve an untried fast one),
/// after a faster one (exploration still reaches it one time in 16).
inline constexpr std::chrono::microseconds unknown_server_score{100000};

/// The timeout for one UDP exchange: about 2 RTT + 4 RTTVAR (RFC 6298), within limits.
std::chrono::milliseconds upstream_timeout(const std::optional<cache::ServerStats>& stats);

/// Index of the candidate to ask next (candidates non-empty). Prefers the lowest smoothed RTT
/// among servers not backed off; one time in 16 picks another live server at random so that
/// RTT estimates of the others stay fresh (exploration).
std::size_t choose_server(std::span<const Candidate> candidates, cache::TimePoint now,
                          SecureRandom& rng);

/// The stats after one exchange. A timeout sets the smoothed RTT to the larger of twice the
/// old one and the timeout that expired (RFC 6298 §5.5), within max_upstream_timeout.
/// Failures back the server off exponentially (1 s .. 60 s) from the third consecutive one;
/// a success clears the count.
cache::ServerStats learn(cache::ServerStats stats, ServerFeedback feedback,
                         std::chrono::microseconds rtt, cache::TimePoint now);

}  // namespace tern::resolver
