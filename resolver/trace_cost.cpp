#include "resolver/trace_cost.hpp"

#include <algorithm>

namespace tern::resolver {

TraceCost trace_cost(std::span<const WalkHop> hops, unsigned asked) {
  TraceCost cost;
  cost.step.reserve(hops.size());
  for (std::size_t i = 0; i < hops.size(); ++i) {
    const WalkHop& hop = hops[i];
    // A shared hop still waited for its reply: a round trip of its chain, not an exchange.
    const unsigned round_trips = hop.transport == "udp+tcp" ? 2 : 1;
    const bool chained = hop.after >= 0 && static_cast<std::size_t>(hop.after) < i;
    cost.step.push_back((chained ? cost.step[static_cast<std::size_t>(hop.after)] : 0) + round_trips);
    cost.critical_path = std::max(cost.critical_path, cost.step.back());
    if (hop.shared) ++cost.shared;
    else if (hop.transport == "udp+tcp") ++cost.over_tcp;
  }
  cost.sent = asked > cost.shared ? asked - cost.shared : 0;
  return cost;
}

}  // namespace tern::resolver
