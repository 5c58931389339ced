// The bound on resolutions in flight in one worker (max-resolutions-per-worker), with Unbound's
// jostle (num-queries-per-thread, jostle-timeout): a client question that misses the cache is
// admitted to the walk only while fewer than the bound are waiting; when the bound is reached,
// the oldest one gives way if it has waited longer than resolution-jostle-timeout, else the
// new one is turned away. Both get SERVFAIL with EDE 0 and resolver::shed_reason, counted
// (resolutions.jostled, resolutions.refused). Issue 16: 3,000 slow queries outstanding grew
// ternd from 15 to 91 MiB, 12,000 to 123 MiB and 6,345 descriptors, because every miss started
// a walk and nothing bounded how many waited at once on authorities that rate-limit.
//
// Why the oldest gives way: a resolution still waiting after the jostle timeout is almost
// always waiting on a slow or silent authority (an honest cold walk takes tens of ms), the very
// traffic a random-subdomain flood sends; the newcomer has every chance of being quick. Why
// SERVFAIL and not a silent drop: the client's stub moves on to its next resolver at once
// instead of waiting out its timeout (seconds) and asking us again, which under overload only
// brings the same query back; the answer is no larger than the question (no amplification).
//
// Clients that joined the walk of a question that gives way (the in-flight table: identical
// questions share one walk) get the same SERVFAIL: they asked the same slow question.
//
// Cache hits never meet this: they are answered before a question is admitted (the hot path
// pays nothing), and so are local zones, stale answers and remembered failures.
// One per worker, used from its thread only: no locks. It must outlive the io_context whose
// coroutines hold its slots (a Worker declares it before its io_context).
#pragma once

#include "daemon/observe/daemon_stats.hpp"

#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <utility>

namespace tern::daemon {

/// The two settings of the bound; reloadable.
struct WalkAdmissionLimits {
  unsigned max_in_flight = 1024;              ///< max-resolutions-per-worker
  std::chrono::milliseconds jostle_after{200};  ///< resolution-jostle-timeout
};

class WalkAdmission {
  struct Entry;

 public:
  /// How a resolution waits: a client's may push out an older one, a background one (prefetch,
  /// serve-stale recheck: its client is answered anyway) only takes a free place.
  enum class Kind { client, background };

  /// One admitted resolution's place. Destroyed when its resolution ends: the place is free.
  class Slot {
   public:
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    /// True once this resolution gave way to a newer one (its give_way has run).
    bool shed() const noexcept { return shed_; }

   private:
    friend class WalkAdmission;
    Slot(WalkAdmission& admission, std::function<void()> give_way)
        : admission_(admission), give_way_(std::move(give_way)) {}
    WalkAdmission& admission_;
    std::function<void()> give_way_;  ///< answers its client SERVFAIL and cancels its walk
    std::list<Entry>::iterator entry_;
    bool shed_ = false;  ///< no longer in the list
  };

  /// `stats`: resolutions.jostled/.refused counted and resolutions.admitted kept there.
  WalkAdmission(WalkAdmissionLimits limits, DaemonStats& stats) : limits_(limits), stats_(stats) {}
  WalkAdmission(const WalkAdmission&) = delete;
  WalkAdmission& operator=(const WalkAdmission&) = delete;

  /// A place for a new resolution, or nullptr when it is turned away (counted). When the bound
  /// is reached, a client resolution pushes out the oldest one if that one has waited at least
  /// the jostle timeout: its `give_way` is called before this returns.
  std::unique_ptr<Slot> admit(Kind kind, std::function<void()> give_way,
                              std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  /// Takes effect for the next admit(); resolutions above a lowered bound are let finish.
  void set_limits(WalkAdmissionLimits limits) noexcept { limits_ = limits; }
  const WalkAdmissionLimits& limits() const noexcept { return limits_; }
  /// Resolutions admitted and not finished.
  std::size_t size() const noexcept { return admitted_.size(); }

 private:
  /// An admitted resolution, oldest first in admitted_.
  struct Entry {
    std::chrono::steady_clock::time_point since;
    Slot* slot;
  };
  void leave(Slot& slot) noexcept;

  WalkAdmissionLimits limits_;
  DaemonStats& stats_;
  std::list<Entry> admitted_;
};

}  // namespace tern::daemon
