#include "daemon/control/metrics.hpp"

#include "daemon/observe/counters_render.hpp"

namespace tern::daemon {

std::string render_metrics(const ControlContext& context) { return render_exposition(counter_sources(context)); }

}  // namespace tern::daemon
