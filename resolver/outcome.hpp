// What a resolution produces: a value, never an exception.
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/dnssec/security.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::resolver {

/// RFC 8914 Extended DNS Error codes tern sets.
namespace ede {
inline constexpr std::uint16_t other = 0;
inline constexpr std::uint16_t stale_answer = 3;
inline constexpr std::uint16_t cached_error = 13;            ///< a SERVFAIL from the failure cache (RFC 9520)
inline constexpr std::uint16_t prohibited = 18;              ///< the client is refused by access control
inline constexpr std::uint16_t stale_nxdomain_answer = 19;   ///< serve-stale of a cached NXDOMAIN
inline constexpr std::uint16_t not_authoritative = 20;       ///< RD=0 to a recursive-only service
inline constexpr std::uint16_t not_supported = 21;           ///< zone transfers, classes other than IN, opcodes
inline constexpr std::uint16_t no_reachable_authority = 22;  ///< timeouts, error rcodes, lame servers
inline constexpr std::uint16_t network_error = 23;           ///< every server failed at the network level
}  // namespace ede

/// The EXTRA-TEXT of the SERVFAIL (EDE 0, other: RFC 8914 has no code for it) a client gets
/// when its resolution gave way to the bound on resolutions in flight, or found it full.
inline constexpr std::string_view shed_reason = "resolver busy: too many resolutions in flight";

/// The result of resolving one question.
struct Outcome {
  std::uint16_t rcode = dns::rcode::servfail;
  std::vector<dns::Record> answer;     ///< CNAME chain then the final RRset; TTLs as served
  std::vector<dns::Record> authority;  ///< SOA for NXDOMAIN/NODATA
  std::optional<std::uint16_t> ede;    ///< set on SERVFAIL (why) and stale answers
  std::string ede_text;                ///< human-readable detail for the EDE option
  unsigned upstream_queries = 0;       ///< spent by this resolution, sub-resolutions included
  bool from_cache = false;
  /// DNSSEC verdict of the whole answer (RFC 4035 §4.3): AD=1 for DO/AD clients when secure.
  /// indeterminate when validation is off or CD=1 skipped it.
  dnssec::Security security = dnssec::Security::indeterminate;

  static Outcome servfail(std::uint16_t code, std::string text) {
    Outcome o;
    o.ede = code;
    o.ede_text = std::move(text);
    return o;
  }
};

}  // namespace tern::resolver
