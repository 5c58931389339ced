// What ternd keeps in the second-level cache (Redis) for one question, and the key it keeps
// it under. Pure functions, no I/O: the Redis client (daemon/l2/) moves the octets.
//
// Key: "tern1:" and 32 hex digits, two SipHash-2-4 outputs keyed by redis-key-secret over
// (canonical name, type, class, DO): the names in Redis reveal nothing without the secret, and
// nobody without it can compute the key a question will be looked up under. The walk always
// asks with DO=1 and keeps the RRSIGs and proofs, and the L1 entry built from a value serves
// clients with and without DO, so ternd stores and reads the DO=1 form; DO is in the key so
// that a form without DNSSEC records can never be read as one with them.
//
// Value (big-endian): "TL2" 0x01 | security (1) | flags (1: bit 0 = EDE present) | EDE code (2)
// | stored at (8, Unix seconds) | expires at (8, Unix seconds) | EDE text length (2) | EDE text
// | the answer in wire form as the L1 cache keeps it (ID 0, the question, answer and authority
// sections, TTLs as at the time stored). Wall-clock times, since a value outlives the process
// that wrote it and is read by other machines.
#pragma once

#include "cache/answer_cache.hpp"
#include "cache/keyed_hash.hpp"
#include "resolver/dns/message.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::cache {

/// The prefix of every key ternd writes (flushes delete only these).
inline constexpr std::string_view l2_key_prefix = "tern1:";

/// The SipHash key derived from redis-key-secret (the same secret gives the same key on every
/// member of a fleet).
HashKey l2_secret_key(std::string_view secret) noexcept;

/// The Redis key of a question's value.
std::string l2_key(const HashKey& secret, const dns::Question& question, bool dnssec_ok);

/// The value for an L1 entry just stored for `question`: `stored_unix` is the wall-clock time
/// its TTLs refer to, `expires_unix` when its TTL runs out. nullopt when it is too large.
std::optional<std::vector<std::uint8_t>> encode_l2_value(const CachedAnswer& entry, std::int64_t stored_unix,
                                                         std::int64_t expires_unix);

/// Why a value read back was dropped (each counted: l2.dropped).
enum class L2Reject : std::uint8_t {
  none,
  malformed,       ///< header, lengths or security octet wrong, or over l2_limits::max_value_size
  wire_error,      ///< the message fails the wire check
  wrong_question,  ///< not a response to this question (poisoned, or a key collision)
  wrong_rcode,     ///< neither NOERROR nor NXDOMAIN (SERVFAIL and the like are never stored)
  bad_times,       ///< stored in the future, expiry before storage, or an impossible lifetime
  expired,         ///< its TTL has run out (Redis keeps it for the serve-stale window)
};

std::string_view to_string(L2Reject reject) noexcept;

/// A value that passed every check: what the L1 cache is given.
struct L2Answer {
  std::uint16_t rcode = dns::rcode::noerror;
  std::vector<dns::Record> answer;     ///< TTLs counted down to now, none beyond `remaining`
  std::vector<dns::Record> authority;  ///< likewise
  resolver::dnssec::Security security = resolver::dnssec::Security::indeterminate;
  std::optional<std::uint16_t> ede;
  std::string ede_text;
  std::uint32_t remaining = 0;  ///< seconds until the value expires
};

/// Decodes and checks a value read for `question` at `now_unix`; L2Reject::none fills `out`.
L2Reject decode_l2_value(std::span<const std::uint8_t> value, const dns::Question& question,
                         std::int64_t now_unix, L2Answer& out);

/// The question a value says it answers (for flushes: the key does not say); nullopt when it
/// says none readable. No other check.
std::optional<dns::Question> l2_value_question(std::span<const std::uint8_t> value);

}  // namespace tern::cache
