#include "daemon/listeners/client_coroutine.hpp"

#include "resolver/log.hpp"

namespace tern::daemon {

void CountEscaped::operator()(std::exception_ptr error) const noexcept {
  if (!error) return;
  DaemonStats::bump(stats_->internal_errors);
  try {
    log::error("internal error ended a client coroutine ({}): {}", coroutine_, log::describe(error));
  } catch (...) {
    // The line is best effort (memory may be what ran out); the counter has it.
  }
}

}  // namespace tern::daemon
