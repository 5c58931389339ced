#include "daemon/answering/walk_admission.hpp"

namespace tern::daemon {

WalkAdmission::Slot::~Slot() {
  if (!shed_) admission_.leave(*this);
}

void WalkAdmission::leave(Slot& slot) noexcept {
  admitted_.erase(slot.entry_);
  stats_.resolutions_admitted.store(admitted_.size(), std::memory_order_relaxed);
}

std::unique_ptr<WalkAdmission::Slot> WalkAdmission::admit(Kind kind, std::function<void()> give_way,
                                                          std::chrono::steady_clock::time_point now) {
  if (admitted_.size() >= limits_.max_in_flight) {
    // Only the oldest is a candidate (Unbound's jostle): if it has not waited long, none has.
    const bool jostle = kind == Kind::client && !admitted_.empty() &&
                        now - admitted_.front().since >= limits_.jostle_after;
    if (!jostle) {
      DaemonStats::bump(stats_.resolutions_refused);
      return nullptr;
    }
    Slot& oldest = *admitted_.front().slot;
    admitted_.pop_front();
    oldest.shed_ = true;
    DaemonStats::bump(stats_.resolutions_jostled);
    // Its client is answered and its walk cancelled; neither runs before this returns (both
    // resume later on this thread), so the list is not touched meanwhile.
    if (oldest.give_way_) std::exchange(oldest.give_way_, nullptr)();
  }
  std::unique_ptr<Slot> slot(new Slot(*this, std::move(give_way)));
  slot->entry_ = admitted_.insert(admitted_.end(), Entry{now, slot.get()});
  stats_.resolutions_admitted.store(admitted_.size(), std::memory_order_relaxed);
  return slot;
}

}  // namespace tern::daemon
