#include "resolver/trace_cost.hpp"

#include <algorithm>

namespace tern::resolver {

TraceCost trace_cost(std::span<const WalkHop> hops, unsigned asked) {
  TraceCost cost;
  cost.step.reserve(hops.size());
  cost.dnssec_step.reserve(hops.size());
  for (std::size_t i = 0; i < hops.size(); ++i) {
    const WalkHop& hop = hops[i];
    // A shared hop still waited for its reply: a round trip of its chain, not an exchange.
    const unsigned round_trips = hop.transport == "udp+tcp" ? 2 : 1;
    const bool chained = hop.after >= 0 && static_cast<std::size_t>(hop.after) < i;
    const std::size_t before = chained ? static_cast<std::size_t>(hop.after) : 0;
    cost.step.push_back((chained ? cost.step[before] : 0) + round_trips);
    cost.dnssec_step.push_back((chained ? cost.dnssec_step[before] : 0) + (hop.dnssec ? round_trips : 0));
    if (cost.step.back() > cost.critical_path) {
      cost.critical_path = cost.step.back();
      cost.dnssec_critical = cost.dnssec_step.back();
    }
    if (hop.dnssec && !hop.shared) ++cost.dnssec_sent;
    if (hop.shared) ++cost.shared;
    else if (hop.transport == "udp+tcp") ++cost.over_tcp;
  }
  cost.sent = asked > cost.shared ? asked - cost.shared : 0;
  return cost;
}

}  // namespace tern::resolver
