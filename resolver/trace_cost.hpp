// What a traced walk cost, from its hops: the exchanges sent, and the critical path, the round
// trips made one after the other. They differ because glue-less NS lookups run in parallel
// (ns_lookups.cpp) and identical exchanges in flight are sent once (CoalescingTransport): adding
// every hop up, as the trace once did, reported a cost no client ever waited for.
#pragma once

#include "resolver/walk_observer.hpp"

#include <span>
#include <vector>

namespace tern::resolver {

struct TraceCost {
  unsigned sent = 0;      ///< exchanges that went upstream: `asked` less the shared ones
  unsigned shared = 0;    ///< hops answered by an identical exchange in flight, not sent
  unsigned over_tcp = 0;  ///< hops retried over TCP after TC=1 (one exchange, two round trips)
  /// Round trips in sequence: the longest chain of hops each sent after the one before it
  /// (WalkHop::after); parallel lookups count once, by the longest. A TCP retry counts two.
  unsigned critical_path = 0;
  /// Exchanges sent for DNSSEC validation (WalkHop::dnssec, shared ones apart): of `sent`,
  /// counting only those shown as hops.
  unsigned dnssec_sent = 0;
  /// Of `critical_path`, the round trips of hops sent for DNSSEC validation.
  unsigned dnssec_critical = 0;
  /// Per hop (by position): the round trips of its chain up to and including it.
  std::vector<unsigned> step;
  /// Per hop: of `step`, those of hops sent for DNSSEC validation.
  std::vector<unsigned> dnssec_step;
};

/// `asked`: the exchanges the walk asked its transport for (Outcome::upstream_queries), which
/// also counts the few not shown as hops (a BADCOOKIE or 0x20 retry, and exchanges still in
/// flight when the walk answered). A hop whose `after` is not an earlier hop starts a chain.
TraceCost trace_cost(std::span<const WalkHop> hops, unsigned asked);

}  // namespace tern::resolver
