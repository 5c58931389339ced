// RRset signature validation (RFC 4035 section 5.3): which RRSIGs may vouch for an RRset,
// which DNSKEYs may have made them, the validity window, the signature itself, the TTL a
// secure RRset may be cached for. Pure: records in, a verdict out.
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/dnssec/crypto.hpp"
#include "resolver/dnssec/security.hpp"

#include <cstdint>
#include <span>

namespace tern::resolver::dnssec {

/// The verdict on one RRset, and for `ternctl trace` the key that signed it (secure) or the
/// last one tried (otherwise; 0/0 when none was).
struct RrsetVerdict {
  Verdict verdict;
  std::uint32_t ttl = 0;          ///< secure only: the TTL to cache it with (RFC 4035 5.3.3)
  std::uint16_t key_tag = 0;
  std::uint8_t algorithm = 0;
};

/// RFC 1982 serial-number comparison of 32-bit times (RFC 4034 section 3.1.5): a before b.
bool serial_before(std::uint32_t a, std::uint32_t b) noexcept;

/// Validates `rrset` (one owner, type and class, at least one record; else bogus) with the RRSIGs among
/// `rrsigs` that cover it and the zone keys among `dnskeys` (DNSKEY records of `zone`, already
/// trusted by the caller). RFC 4035 section 5.3.1: the RRSIG's owner, class and type covered
/// are the RRset's, the signer is `zone` and an ancestor-or-self of the owner, labels do not
/// exceed the owner's; a DNSKEY of the signer with its algorithm and key tag, the Zone Key bit
/// and protocol 3 made it (a revoked one, RFC 5011, only for the DNSKEY RRset itself); `now` (wall clock, seconds since the epoch, taken modulo 2^32) lies
/// within inception..expiration by serial arithmetic. Secure on the first signature that
/// verifies. Otherwise: bogus with EDE 10 (no RRSIG), 9 (no DNSKEY), 11 (no Zone Key bit),
/// 7 (expired), 8 (not yet valid) or 6 (does not verify, or a limit of resolver/limits.hpp
/// hit: the reason names it); insecure with EDE 1 when every RRSIG uses an algorithm this
/// OpenSSL does not verify. Each public-key operation spends one of
/// budget.signature_verifications.
RrsetVerdict verify_rrset(std::span<const dns::Record> rrset, std::span<const dns::Record> rrsigs,
                          std::span<const dns::Record> dnskeys, const dns::Name& zone,
                          std::uint64_t now, ValidationBudget& budget, KeyCache& keys);

}  // namespace tern::resolver::dnssec
