// One RFC 5011 refresh of the root trust point, as pure functions: what an answer to
// ". DNSKEY" (with its RRSIGs) does to the ManagedTrustPoint, and when to ask again (RFC 5011
// section 2.3). The daemon (daemon/process/root_key_upkeep.*) asks the question through a
// worker's resolver, keeps the state file and the clock; everything decided is here.
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/dnssec/crypto.hpp"
#include "resolver/dnssec/rfc5011.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace tern::resolver::dnssec {

/// What the signatures of a DNSKEY RRset tell the refresh timers: the RRset's original TTL
/// (the smallest among its RRSIGs) and the seconds from `now` to the earliest RRSIG
/// expiration (0 when one has expired or there is none).
struct DnskeyTiming {
  std::uint32_t original_ttl = 0;
  std::uint64_t to_min_expiration = 0;
};

/// The timing of the DNSKEY RRset of `zone` among `records` (RRSIGs covering DNSKEY).
DnskeyTiming dnskey_timing(std::span<const dns::Record> records, const dns::Name& zone, std::uint64_t now);

/// The outcome of one refresh.
struct RefreshResult {
  bool validated = false;         ///< the RRset was validated with the keys trusted so far
  bool changed = false;           ///< a key changed state: rewrite the file, rebuild the anchors
  std::uint64_t next_refresh = 0; ///< when to ask again, seconds since the epoch
  std::string why;                ///< when not validated: one line for the log
};

/// Applies the records of an answer to "ZONE DNSKEY" (DNSKEYs and the RRSIGs over them; other
/// records are ignored) to `point` at `now`: validated with point.trusted_keys(), or while no
/// key is trusted yet with its seed DS records; then fed to the state machine. The next
/// refresh is the active refresh time after a validated RRset and the retry time otherwise
/// (RFC 5011 section 2.3), computed from the RRSIGs that came.
RefreshResult apply_dnskey_answer(ManagedTrustPoint& point, std::span<const dns::Record> records,
                                  std::uint64_t now, KeyCache& cache);

/// When to ask again after a query that brought no answer at all (timeout, SERVFAIL): the
/// retry time of RFC 5011 section 2.3 with the timing last seen (zeros when none: 1 hour).
std::uint64_t next_refresh_after_failure(const DnskeyTiming& last_seen, std::uint64_t now);

}  // namespace tern::resolver::dnssec
