// The Prometheus text exposition (format 0.0.4) of ternd's counters: the same atomics that
// `ternctl stats` reads (DaemonStats, ResolverStats, the caches' CacheStats), so both agree.
#pragma once

#include "daemon/control/control_commands.hpp"

#include <string>

namespace tern::daemon {

/// Every metric with its HELP and TYPE lines; counters only go up (they are sums of atomics
/// that only go up), the histogram's buckets are cumulative and +Inf equals _count.
std::string render_metrics(const ControlContext& context);

}  // namespace tern::daemon
