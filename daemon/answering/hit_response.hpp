// The cache-hit response: the cached wire form copied, the client's ID and flags patched in,
// every TTL counted down by the entry's age, an OPT record appended for EDNS clients (with the
// EDE of a stale answer and the server cookie of a client that sent a COOKIE option). No
// message is parsed or built here: this is the path most queries take.
#pragma once

#include "cache/answer_cache.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::daemon {

/// What of the client's query the hit response needs.
struct HitRequest {
  std::uint16_t id = 0;
  bool rd = true;
  bool cd = false;
  std::uint16_t qtype = 0;          ///< the type asked (differs for a per-name NXDOMAIN hit)
  std::span<const std::uint8_t> qname_wire;  ///< the client's question name, as sent (case kept)
  bool edns = false;
  bool dnssec_ok = false;
  std::size_t max_size = 512;       ///< the most the client can take (see max_response_size)
  bool ad = false;                  ///< the client set AD: it understands it (RFC 6840 §5.7)
};

/// How the cached data is to be served.
struct HitServing {
  std::uint32_t age = 0;                  ///< subtracted from every TTL
  std::optional<std::uint32_t> fixed_ttl; ///< serve-stale: every TTL set to this (RFC 8767: 30)
  std::optional<std::uint16_t> ede;       ///< an Extended DNS Error to attach (stale: 3)
  std::uint16_t our_edns_size = 1232;
  std::string_view cookie;                ///< a COOKIE option (octets as sent) for the OPT
};

/// Builds the response into `out` (cleared first, capacity kept). Sets TC and drops the
/// sections when the answer does not fit in request.max_size.
void make_hit_response(const cache::CachedAnswer& entry, const HitRequest& request,
                       const HitServing& serving, std::vector<std::uint8_t>& out);

}  // namespace tern::daemon
