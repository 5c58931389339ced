// `ternctl stats` and the Prometheus text exposition (format 0.0.4), both generated from the
// counters table (counters_table.hpp) over one set of sources, so both say the same.
#pragma once

#include "daemon/observe/counters_table.hpp"

#include <string>

namespace tern::daemon {

/// `ternctl stats`: one key=value line per sample, in the table's order.
std::string render_stats(const CounterSources& sources);

/// Every metric family with its HELP and TYPE lines, then its series; counters only go up
/// (sums of atomics that only go up), a histogram's buckets are cumulative and +Inf equals
/// _count.
std::string render_exposition(const CounterSources& sources);

/// Microseconds (decimal text) as the exposition's seconds, with six decimals: "500" gives
/// "0.000500"; "+Inf" (the last bucket's bound) stays itself.
std::string micros_as_seconds(std::string_view micros);

}  // namespace tern::daemon
