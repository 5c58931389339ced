// Bounds on input that is not a DNS message but reaches ternd all the same: the PROXY v2
// header a load balancer puts in front of a client's query, and the cache file read at start
// and by `ternctl cache load`. Kept next to limits.hpp (the resolution budgets) so that every
// number an attacker or a corrupt file can push against is written down in one folder.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern::resolver::limits {

/// Largest PROXY v2 header accepted (16 fixed octets, the addresses and any TLVs). dnsdist sends
/// 28 (IPv4) or 52 (IPv6) octets plus the TLVs it is told to add; a header claiming more is
/// dropped rather than buffered, so a trusted but broken balancer cannot make a TCP connection
/// hold up to 64 KiB before its first query.
inline constexpr std::size_t max_proxy_header_bytes = 512;

/// Largest entry of a cache file: a cached answer is at most one 64 KiB message in two forms
/// (with and without DNSSEC records) plus its TTL offsets. A length past this is corruption and
/// is not allocated.
inline constexpr std::uint32_t max_cache_file_entry_bytes = 4 * 65536;

/// Entries read from one cache file at most; the rest are skipped and reported. A file is
/// written from a cache of at most cache-size bytes, so a real one stays far below this.
inline constexpr std::uint64_t max_cache_file_entries = 16u * 1024 * 1024;

}  // namespace tern::resolver::limits
