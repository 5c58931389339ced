// The catch-all at the top of every client coroutine (a query's answer, a connection, a
// handshake, a late send, an accept loop): the completion handler they are spawned with.
#pragma once

#include "daemon/observe/daemon_stats.hpp"

#include <exception>

namespace tern::daemon {

/// Used in place of asio::detached, which drops the exception that ended a coroutine without
/// a word: such an exception (a bug; QueryHandler::handle answers its own with SERVFAIL) is
/// counted in queries.internal-errors and logged, rate-limited, naming `coroutine`.
class CountEscaped {
 public:
  CountEscaped(DaemonStats& stats, const char* coroutine) noexcept : stats_(&stats), coroutine_(coroutine) {}
  void operator()(std::exception_ptr error) const noexcept;

 private:
  DaemonStats* stats_;
  const char* coroutine_;  ///< a string literal: what ended, for the log line
};

}  // namespace tern::daemon
