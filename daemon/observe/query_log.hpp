// The query log: one NDJSON line per answered query (query-log in ternd.yaml(5)), to a file
// or stderr. One object per process, shared by the workers; off unless configured, and then
// the hot path pays one relaxed load (enabled()). Reopened at its path for rotation.
#pragma once

#include "resolver/dnssec/security.hpp"  // header only: the enum

#include <asio/ip/address.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace tern::daemon {

/// Where an answer came from, as the log names it.
/// failure: SERVFAIL from the failure cache (RFC 9520), the question's or a zone's, no query.
enum class CacheResult { hit, miss, stale, prefetch, local, failure };

/// One answered query.
struct QueryLogEntry {
  asio::ip::address client;    ///< who asked
  std::string_view name;        ///< presentation form, with the trailing dot
  std::uint16_t type = 0;
  std::uint8_t rcode = 0;
  CacheResult cache = CacheResult::miss;
  std::uint32_t ttl = 0;        ///< remaining TTL of the answer as served, seconds
  unsigned upstream = 0;        ///< queries to authorities spent on it
  std::chrono::microseconds latency{0};
  /// DNSSEC verdict of the answer (Outcome::security, CachedAnswer::security); local answers
  /// and answers with validation off are indeterminate.
  resolver::dnssec::Security security = resolver::dnssec::Security::indeterminate;
};

/// "secure", "insecure", "indeterminate" or "bogus": the query log's and ternctl's word.
std::string_view security_word(resolver::dnssec::Security security) noexcept;

/// The JSON line for `entry` at `now`, '\n' included. Names are escaped per RFC 8259.
std::string format_query_log_line(const QueryLogEntry& entry, std::chrono::system_clock::time_point now);

class QueryLog {
 public:
  QueryLog() = default;
  ~QueryLog();
  QueryLog(const QueryLog&) = delete;
  QueryLog& operator=(const QueryLog&) = delete;

  /// Sets the target ("" off, "stderr", or a path, opened for appending) and opens it.
  /// Returns "" or why it could not be opened (then the previous target stays in use).
  std::string configure(const std::string& target);
  /// Opens the configured path afresh (after rotation); "" or why not (the old file stays).
  std::string reopen();
  /// Changes the path that reopen() opens without opening it (after chroot the same file has
  /// another name).
  void retarget(const std::string& target);

  bool enabled() const noexcept { return enabled_.load(std::memory_order_relaxed); }
  /// Writes one line; whole lines, never interleaved between workers.
  void write(const QueryLogEntry& entry);

 private:
  std::string open_target(const std::string& target, int& fd);
  void replace_fd(int fd);

  std::mutex config_mutex_;  ///< guards target_: reload (main thread) vs log-reopen (control)
  std::mutex mutex_;         ///< guards fd_: a write never goes to a descriptor being closed
  int fd_ = -1;              ///< open for appending, or -1 when off
  bool owns_fd_ = false;     ///< false for stderr, which is not ours to close
  std::string target_;       ///< "", "stderr" or the path reopen() opens
  std::atomic<bool> enabled_{false};  ///< fd_ >= 0, readable without the lock
};

}  // namespace tern::daemon
