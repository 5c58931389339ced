// The answer cache: a whole resolved answer per question, kept in wire form so that a hit costs
// one lookup, one copy and a few patched octets (ID, flags, TTLs) — no message is built.
// Positive answers live for the smallest TTL of their records; NODATA per (name, type) and
// NXDOMAIN per name, for min(SOA TTL, SOA MINIMUM) (RFC 2308 §5). Expired entries stay until
// the sweep reclaims them, so that serve-stale (RFC 8767) can still answer from them.
//
// Key layout (the one place it is written down): (canonical owner wire, type, class). An
// NXDOMAIN is stored once per name under type 0 (a type no question can carry, RFC 6895),
// and a lookup for (name, T) that misses tries (name, 0) next.
//
// The answer path also remembers failures (failure_cache.hpp, RFC 9520): a question's
// outcome is data, a negative answer, or a recent failure. They share this cache's byte budget
// (1/32 of it goes to failures), its flushes and its sweep.
#pragma once

#include "cache/clock.hpp"
#include "cache/failure_cache.hpp"
#include "cache/rrset_cache.hpp"
#include "cache/sharded_cache.hpp"
#include "resolver/dns/message.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tern::cache {

/// Cache key of an answer: the question, canonical; type 0 for a name's NXDOMAIN.
struct AnswerKey {
  dns::Question question;
  friend bool operator==(const AnswerKey&, const AnswerKey&) = default;
  struct Hash {
    static std::uint64_t hash(const HashKey& key, const AnswerKey& k) noexcept;
    static std::size_t heap_bytes(const AnswerKey& k) noexcept;
  };
};

/// The type under which a name's NXDOMAIN is kept.
inline constexpr std::uint16_t nxdomain_key_type = 0;

/// The records of a cached answer, decoded from its wire form.
struct AnswerSections {
  std::vector<dns::Record> answer;     ///< CNAME chain, then the final RRset; clamped TTLs
  std::vector<dns::Record> authority;  ///< the SOA of a negative answer
};

/// One cached answer. Immutable once stored, except the refresh flag. The records are kept
/// once, in wire form: hits copy the octets, and the few readers that want records (a CNAME
/// step of a walk, `cache show`, a query the hot path left to handle()) decode them.
struct CachedAnswer {
  std::uint16_t rcode = dns::rcode::noerror;
  std::uint32_t ttl = 0;               ///< lifetime of the entry in seconds
  /// DNSSEC verdict of the answer when stored; a hit sets AD from it for DO/AD clients.
  resolver::dnssec::Security security = resolver::dnssec::Security::indeterminate;
  /// The informational Extended DNS Error the answer was first sent with (RFC 8914): why an
  /// insecure answer is insecure (1 unsupported DNSKEY algorithm, 2 unsupported DS digest, 27
  /// unsupported NSEC3 iterations, RFC 9276). Kept so that a hit says it too; unset for most
  /// entries, whose hits then pay nothing for it.
  std::optional<std::uint16_t> ede;
  std::string ede_text;                ///< the EDE's EXTRA-TEXT (RFC 8914 §2), short
  TimePoint inserted;                  ///< on the cache's clock
  std::chrono::system_clock::time_point inserted_wall;  ///< for people reading `cache show`
  /// The response as sent for the question it was resolved for: ID 0, QR RA and rcode set,
  /// the question, answer and authority sections with the TTLs above, no OPT record.
  /// It holds the RRSIGs and NSEC/NSEC3 proofs the authority sent (for clients with DO set).
  std::vector<std::uint8_t> wire;
  std::vector<std::uint16_t> ttl_offsets;  ///< offset of every record's TTL in wire
  std::uint16_t question_end = 0;          ///< offset just past the question section (both forms)
  /// The same response without those records, for clients without DO (RFC 4035 §3.2.1), built
  /// once at insert so that a hit stays one copy; empty when it would equal wire.
  std::vector<std::uint8_t> plain_wire;
  std::vector<std::uint16_t> plain_ttl_offsets;  ///< offset of every record's TTL in plain_wire
  /// Set by whoever starts the prefetch of this entry: at most one per entry.
  mutable std::atomic<bool> prefetching{false};
  /// When a refresh of this expired entry was last tried (clock ticks; 0 = never): RFC 8767
  /// §5's failure recheck timer keeps a dead authority from being asked on every query.
  mutable std::atomic<std::int64_t> stale_refresh_at{0};

  /// The answer and authority sections with the TTLs as stored, DNSSEC records included.
  AnswerSections records() const;
  /// The wire form and its TTL offsets for a client with or without DO.
  const std::vector<std::uint8_t>& wire_for(bool dnssec_ok) const noexcept {
    return dnssec_ok || plain_wire.empty() ? wire : plain_wire;
  }
  const std::vector<std::uint16_t>& ttl_offsets_for(bool dnssec_ok) const noexcept {
    return dnssec_ok || plain_wire.empty() ? ttl_offsets : plain_ttl_offsets;
  }
  /// Whether the answer section holds any record (ANCOUNT, read off the header).
  bool has_answer_records() const noexcept { return wire.size() >= 8 && (wire[6] | wire[7]) != 0; }
};

/// A lookup result: the entry, its age, and whether it has expired (serve-stale only).
struct AnswerHit {
  std::shared_ptr<const CachedAnswer> entry;
  std::uint32_t age = 0;        ///< whole seconds since insertion
  bool expired = false;
  std::uint32_t remaining = 0;  ///< seconds left (0 when expired)
};

class AnswerCache {
 public:
  AnswerCache(std::size_t byte_budget, HashKey key, const Clock& clock, TtlBounds positive,
              TtlBounds negative, FailureBounds failure = {});

  /// Stores an answer (NOERROR with records, NXDOMAIN, or NODATA) unless its TTL is 0 or a
  /// negative answer has no SOA (RFC 2308 §5: then it is not cached). Returns the entry as
  /// stored (TTLs clamped), or null when nothing was stored.
  /// `security`: the answer's DNSSEC verdict (never bogus: a bogus answer is not cached);
  /// `ede`, `ede_text`: the informational EDE it carries (CachedAnswer::ede).
  std::shared_ptr<const CachedAnswer> insert(const dns::Question& q, std::uint16_t rcode, std::vector<dns::Record> answer,
              std::vector<dns::Record> authority,
              resolver::dnssec::Security security = resolver::dnssec::Security::indeterminate,
              std::optional<std::uint16_t> ede = std::nullopt, std::string ede_text = {});
  /// The live entry for q (or for its name's NXDOMAIN).
  std::optional<AnswerHit> find(const dns::Question& q);
  /// Like find, but also returns an expired entry that has not been reclaimed yet.
  std::optional<AnswerHit> lookup(const dns::Question& q);
  /// The same with a caller-owned key, which is modified and restored (no copy: hot path).
  std::optional<AnswerHit> lookup(AnswerKey& probe);
  /// Removes q's entry and its name's NXDOMAIN.
  bool erase(const dns::Question& q);

  void set_bounds(TtlBounds positive, TtlBounds negative) noexcept {
    positive_ = positive;
    negative_ = negative;
  }
  const Clock& clock() const noexcept { return clock_; }
  ShardedCache<AnswerKey, CachedAnswer, AnswerKey::Hash>& entries() noexcept { return cache_; }
  /// Remembered resolution failures (RFC 9520).
  FailureCache& failures() noexcept { return failures_; }

 private:
  ShardedCache<AnswerKey, CachedAnswer, AnswerKey::Hash> cache_;
  FailureCache failures_;
  const Clock& clock_;
  TtlBounds positive_;
  TtlBounds negative_;
};

}  // namespace tern::cache
