// What the control commands do (control_protocol.hpp has the wire format, man/ternctl.8 the
// output formats; the stats keys, which are stable since monitoring scripts parse them, are
// the counters table's, daemon/observe/counters_table.cpp).
#pragma once

#include "cache/answer_cache.hpp"
#include "cache/clock.hpp"
#include "cache/infra_cache.hpp"
#include "cache/rrset_cache.hpp"
#include "daemon/control/control_protocol.hpp"
#include "daemon/observe/counters_table.hpp"
#include "daemon/observe/daemon_stats.hpp"
#include "resolver/inflight.hpp"
#include "resolver/resolver.hpp"

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tern::daemon {

struct SharedState;
class Worker;

/// The process as `ternctl status` describes it, besides version, pid, uptime and caches.
struct ProcessFacts {
  std::string config_file;             ///< the file ternd read ("" when none)
  unsigned threads = 0;                ///< worker threads running
  std::vector<std::string> listeners;  ///< one line each: "127.0.0.1@53 UDP TCP", "... DoT", ...
  std::uint64_t cache_size = 0;        ///< the cache-size budget of all caches together, bytes
};

/// Everything a command may touch; every member is safe to use from the control thread while
/// the workers run (sharded caches, atomic counters). Refers to, never owns.
struct ControlContext {
  cache::RRsetCache& rrsets;
  cache::AnswerCache& answers;
  cache::InfraCache& infra;
  const cache::Clock& clock;  ///< the caches' clock: remaining TTLs are computed on it
  std::vector<const DaemonStats*> daemon_stats;             ///< one per worker, summed
  std::vector<const resolver::ResolverStats*> resolver_stats;  ///< one per worker, summed
  std::function<void(int signal)> raise_signal;  ///< delivers SIGHUP/SIGTERM to the daemon
  /// Reopens the query log at its path (log-reopen); returns "" or why it failed.
  std::function<std::string()> reopen_logs;
  /// Starts a traced walk on a worker (ternctl trace); empty when there is none.
  std::function<std::future<resolver::TraceResult>(const dns::Question&)> trace;
  /// The in-flight table the workers share (resolutions running now); null: none counted.
  const resolver::InflightTable* inflight = nullptr;
  std::chrono::system_clock::time_point started{};  ///< when ternd started
  /// What `status` tells beyond counters: fixed at start (restart-only settings).
  ProcessFacts facts{};
  /// Reloads the configuration on the main thread and waits for the outcome (reload): status
  /// 0 and a summary when applied, 1 and "FILE:LINE: message" when rejected. Empty: the
  /// command only raises SIGHUP.
  std::function<ControlReply()> reload{};
  std::vector<const resolver::SocketBudget*> sockets{};  ///< one per worker: upstream sockets
  /// Removes names from the fleet's Redis (flush, flush-zone, flush-all: `type` for NAME TYPE,
  /// `below` for a zone, `all` for everything) and says how many keys; empty without redis-server.
  std::function<std::future<std::string>(const dns::Name& name, std::optional<std::uint16_t> type, bool below,
                                         bool all)>
      flush_second_level{};
  /// ternctl rpz: the policy zones' state; ternctl rpz reload: reloads them, says how it went.
  /// Empty: no response policy zones in this process.
  std::function<std::string()> rpz_status{};
  std::function<std::string()> rpz_reload{};
};

/// What `ternctl stats` and the metrics read, for one report: the workers' counters, each
/// cache read once, the in-flight table's size, the start time and the version.
CounterSources counter_sources(const ControlContext& context);

/// The context of the running daemon: its shared caches, its workers' counters, and kill(2)
/// on its own pid (main takes the signal with sigwait, as if sent from outside).
ControlContext make_control_context(SharedState& shared,
                                    const std::vector<std::unique_ptr<Worker>>& workers);

/// Runs one command (the words of a request line) and returns the reply: status 0 with the
/// command's output, 2 with a message and the command list for a bad command or argument.
ControlReply execute_control(const std::vector<std::string>& words, ControlContext& context,
                             const ControlPeer& peer = {});

/// The text of `ternctl status` (key: value lines; man/ternctl.8 lists them).
std::string status_text(const ControlContext& context);

}  // namespace tern::daemon
