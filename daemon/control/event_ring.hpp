// The last events of the status page's stream (http-listen), each with its id, in a bounded
// ring: a client that reconnects with Last-Event-ID gets what it missed from here, as long as
// it is still here. Used on the status thread only: no locking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace tern::daemon {

class EventRing {
 public:
  explicit EventRing(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  /// Adds an event of type `kind` with one line of `data`; returns its id (1, 2, ...).
  std::uint64_t push(std::string_view kind, std::string_view data) {
    const std::uint64_t id = next_id_++;
    std::string text = "id: " + std::to_string(id) + "\nevent: ";
    text.append(kind);
    text += "\ndata: ";
    text.append(data);
    text += "\n\n";
    events_.push_back(std::move(text));
    if (events_.size() > capacity_) events_.pop_front();
    return id;
  }

  std::uint64_t next_id() const { return next_id_; }
  /// The id of the oldest event kept (next_id() when none is).
  std::uint64_t oldest_id() const { return next_id_ - events_.size(); }
  /// The event with id `id`, oldest_id() <= id < next_id(), as stream text.
  const std::string& text(std::uint64_t id) const { return events_[id - oldest_id()]; }

  /// Where a stream starts that last saw `last_seen`: right after it when the ring still
  /// holds what follows; else (a client of another process, or one lagging past the ring)
  /// the oldest event kept. `fresh`: no Last-Event-ID at all, start `backfill` events back.
  std::uint64_t resume_from(std::optional<std::uint64_t> last_seen, std::size_t backfill) const {
    if (!last_seen) return next_id_ - std::min<std::size_t>(backfill, events_.size());
    if (*last_seen < next_id_ && *last_seen + 1 >= oldest_id()) return *last_seen + 1;
    return oldest_id();
  }

 private:
  std::size_t capacity_;
  std::uint64_t next_id_ = 1;
  std::deque<std::string> events_;
};

}  // namespace tern::daemon
