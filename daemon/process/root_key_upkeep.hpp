// RFC 5011 upkeep of the root trust anchor (setting trust-anchor-auto-file): the state file
// read at start, the DNSKEY set of the root asked for again at the refresh times of RFC 5011
// section 2.3, and the file rewritten (atomically) when a key changed state. Owned by the
// daemon's top level and ticked by its once-a-second housekeeping; the question itself runs
// on a worker's resolver (the `ask` function), so nothing here blocks or owns a thread.
#pragma once

#include "resolver/dnssec/crypto.hpp"
#include "resolver/dnssec/rfc5011.hpp"
#include "resolver/dnssec/rfc5011_refresh.hpp"
#include "resolver/outcome.hpp"

#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>

namespace tern::daemon {

class RootKeyUpkeep {
 public:
  /// Reads the state file at `path`; one that does not exist yet starts from the built-in
  /// root DS records. Throws StartupFailure (exit 2) with "FILE:LINE: reason" when it cannot
  /// be read: a corrupt state file is never replaced.
  explicit RootKeyUpkeep(std::string path);

  /// The root's anchor now: the trusted keys, or the seed DS records before the first refresh.
  resolver::dnssec::TrustAnchor anchor() const { return point_.current_anchor(); }
  /// Where the file is written from now on (its path inside the chroot entered after start).
  void retarget(std::string path) { path_ = std::move(path); }

  /// Starts a query for ". DNSKEY".
  using Ask = std::function<std::future<resolver::Outcome>()>;
  /// Once a second: takes in the answer of a refresh that finished, and starts one when due
  /// (at once after start). True when the root's anchor changed (the caller rebuilds the
  /// validation settings).
  bool tick(std::uint64_t now, const Ask& ask);

  std::uint64_t next_refresh() const noexcept { return next_refresh_; }

 private:
  bool take(const resolver::Outcome& outcome, std::uint64_t now);

  std::string path_;
  resolver::dnssec::ManagedTrustPoint point_;
  resolver::dnssec::KeyCache keys_;
  resolver::dnssec::DnskeyTiming last_timing_;
  std::uint64_t next_refresh_ = 0;  ///< seconds since the epoch; 0: at the first tick
  std::optional<std::future<resolver::Outcome>> pending_;
};

}  // namespace tern::daemon
