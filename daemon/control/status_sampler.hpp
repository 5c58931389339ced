// What the status page (http-listen) shows, read once a sample_interval on the status thread:
// rates from the counters `ternctl stats` prints (differences between two readings), the
// authorities the infra cache knows, and the cache entries of the pinned names, whose changes
// become events of their own. Nothing is pushed by the workers: with or without a page open
// the cache-hit path does exactly what it did (issue 22).
#pragma once

#include "daemon/control/control_commands.hpp"
#include "resolver/dns/message.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace tern::daemon {

/// One event of the stream: its type ("sample", "change") and its data, one line of JSON.
struct StatusEvent {
  std::string kind;
  std::string data;
};

/// A pinned name's cache entry as one sample saw it.
struct PinView {
  std::string state;        ///< "cached", "expired" (kept by serve-stale) or "absent"
  std::uint32_t remaining = 0;
  std::uint32_t ttl = 0;    ///< the entry's original TTL
  std::string data;         ///< "A 127.0.0.1, A 127.0.0.2" (sorted), "NXDOMAIN", "NODATA"
  std::string source;       ///< the authority the records came from ("" when not known)
};

class StatusSampler {
 public:
  explicit StatusSampler(ControlContext& context) : context_(context) {}

  /// Pins NAME TYPE for the page; false (and nothing pinned) for a bad name or type, with
  /// `error` set. Pinning an already pinned one does nothing; past max_pins the oldest goes.
  /// `take` false: only checks the name and type.
  bool pin(const std::string& name, const std::string& type, std::string& error, bool take = true);

  /// Reads everything now: a "sample" event, preceded by a "change" event for each pinned
  /// entry that changed since the last call.
  std::vector<StatusEvent> sample();

 private:
  struct Pin {
    dns::Question question;
    std::string name_text, type_text;
    std::optional<PinView> last;  ///< what the previous sample saw
    /// The last data and source seen while cached: an answer that changed while the name was
    /// out of the cache (let go, then fetched anew) is still a change of answer.
    std::string known_data, known_source;
  };

  PinView look(const dns::Question& question);
  std::string authorities_json();

  ControlContext& context_;
  std::deque<Pin> pins_;  ///< oldest first
  std::map<std::string, std::uint64_t> totals_;           ///< stats key -> value, last reading
  std::map<std::string, std::uint64_t> authority_queries_;  ///< address -> queries, last reading
  std::chrono::steady_clock::time_point last_time_{};
  bool first_ = true;
};

/// `text` as a JSON string literal, quotes included (control characters escaped).
std::string json_string(std::string_view text);

}  // namespace tern::daemon
