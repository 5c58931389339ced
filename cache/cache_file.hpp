// The cache file: the answer cache on disk, so that a restarted ternd answers its hot names at
// once (cache-save-file, `ternctl cache dump --binary` / `cache load`, like Unbound's
// dump_cache and load_cache). Only the answer cache is kept: a hit is one lookup in it, and the
// RRset cache refills as walks need it. Remembered failures are not kept.
//
// Format, version 1, every integer big-endian:
//   header: "TERNCACH" (8 octets), version (u32), written at (u64, Unix seconds)
//   entries: length (u32) of the body, CRC-32 (u32, IEEE 802.3) of the body, body:
//     expires at (u64, Unix seconds: wall clock, so time spent stopped counts), rcode (u16),
//     DNSSEC security (u8), flags (u8; bit 0: an EDE follows), EDE code (u16), EDE text length
//     (u16) and text, then the response in wire form (the DO form, as cached) to the end
//   end: a length of 0 and a CRC of 0. A file without it was cut short.
// A reader trusts nothing: a bad CRC or an undecodable body skips that entry, a length past
// the end (or over limits::max_cache_file_entry_bytes) ends the reading, and every response
// passes the wire check and is stored through AnswerCache::insert like a fresh answer.
#pragma once

#include "cache/answer_cache.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace tern::cache {

inline constexpr std::uint32_t cache_file_version = 1;

/// What reading a cache file did; `summary()` is the log line and ternctl's output.
struct CacheFileReport {
  std::uint64_t loaded = 0;    ///< entries now in the cache
  std::uint64_t expired = 0;   ///< expired by now (while ternd was stopped, say): skipped
  std::uint64_t corrupt = 0;   ///< bad CRC, undecodable body, or a response failing the wire check
  std::uint64_t rejected = 0;  ///< valid but not storable (the cache's own rules, e.g. no SOA)
  bool truncated = false;      ///< the file ends inside an entry or lacks its end mark
  std::string error;           ///< the whole file was unusable: not a cache file, other version
  std::string summary() const;
};

/// The bytes of a cache file holding every live entry of `answers`; `written` gets the count.
std::vector<std::uint8_t> encode_cache_file(AnswerCache& answers, std::chrono::system_clock::time_point wall_now,
                                            std::uint64_t& written);

/// Reads `file` into `answers`: each entry keeps the time it had left at `wall_now`.
CacheFileReport load_cache_file(std::span<const std::uint8_t> file, AnswerCache& answers,
                                std::chrono::system_clock::time_point wall_now);

/// Writes the cache file of `answers` to `path` (a temporary file beside it, then renamed, so a
/// reader never sees half a file). Returns "" and sets `written`, or why it failed.
std::string save_cache_file(AnswerCache& answers, const std::string& path, std::uint64_t& written);

/// Reads the cache file at `path` into `answers` (load_cache_file); a file that cannot be read
/// is the report's error.
CacheFileReport read_cache_file(const std::string& path, AnswerCache& answers);

/// CRC-32 (the IEEE 802.3 polynomial, as zlib's crc32).
std::uint32_t crc32(std::span<const std::uint8_t> bytes) noexcept;

}  // namespace tern::cache
