// The Prometheus text exposition (format 0.0.4) of ternd's counters: generated from the
// counters table over the same sources as `ternctl stats` (counter_sources), so both agree.
#pragma once

#include "daemon/control/control_commands.hpp"

#include <string>

namespace tern::daemon {

/// Every metric family with its HELP and TYPE lines and its series (render_exposition).
std::string render_metrics(const ControlContext& context);

}  // namespace tern::daemon
