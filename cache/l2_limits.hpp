// Bounds on what ternd accepts from, and puts into, the second-level cache (Redis). Redis is
// shared by a fleet and reachable over the network: anyone who can write to it can offer any
// octets as a value, so every value read back is untrusted input (tests/fuzz/fuzz_l2_value).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tern::cache::l2_limits {

/// Largest value read or written: a header plus a DNS message over TCP (65535). A longer
/// reply is dropped unparsed, so that a poisoned key cannot make a worker parse megabytes.
inline constexpr std::size_t max_value_size = 65535 + 1024;

/// Longest EDE EXTRA-TEXT kept with a value (RFC 8914 §2 puts no bound; ours keep it short).
inline constexpr std::size_t max_ede_text = 256;

/// A value stored more than this in the future (clock skew between fleet members) is dropped:
/// its remaining TTL could not be trusted.
inline constexpr std::chrono::seconds max_clock_skew{60};

/// Longest lifetime a value may claim (RFC 2181 §8: TTLs are at most 2^31 - 1 seconds; ternd
/// clamps to cache-max-ttl before storing, but a value from elsewhere is checked again).
inline constexpr std::uint32_t max_value_ttl = 2147483647;

/// Keys one flush deletes per batch (SCAN ... COUNT, then one UNLINK): a flush of a large
/// Redis is many small commands, never one that blocks Redis for long.
inline constexpr unsigned flush_batch = 512;

/// Values a flush reads in all before it gives up (flush-zone and flush NAME read each value
/// to see its name: key names reveal nothing). The reply then says the flush was partial.
inline constexpr std::size_t max_flush_scanned = 10'000'000;

/// Commands waiting for Redis on one connection: beyond this a worker skips Redis (counted as
/// an error) instead of queueing more behind a slow server.
inline constexpr std::size_t max_pending_commands = 1024;

}  // namespace tern::cache::l2_limits
