// Glue-less NS lookups: when every known address of a zone cut has been tried, the walk
// resolves the addresses of the cut's NS names. Several names are looked up at once (at most
// limits::max_parallel_ns_lookups), each in its own coroutine, and the walk goes on as soon as
// the first address comes: a dead or slow name no longer costs its timeouts before the next
// name is even tried (Unbound's target queries; Knot Resolver also asks for several NS
// addresses at once). Once a server of the cut answers, the lookups still running are
// dropped (NsLookups::dropped): they send nothing more. Only the address families in use
// are asked for (do-ip4, do-ip6). The lookups share the client question's budget (Budget::spend), so the
// NXNS and TsuNAME limits hold however they interleave.
#include "resolver/limits.hpp"
#include "resolver/log.hpp"
#include "resolver/resolver.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>

namespace tern::resolver {

asio::awaitable<bool> Resolver::resolve_next_ns(ZoneCut& cut, Budget& budget) {
  if (!cut.lookups) cut.lookups = std::make_shared<NsLookups>(executor_);
  if (*cut.lookups->dropped) {
    // A server of the cut answered earlier and its lookups were dropped; now the cut needs
    // addresses again (every known one failed a later question): lookups afresh, counted
    // against the same per-cut bound.
    auto fresh = std::make_shared<NsLookups>(executor_);
    fresh->started = cut.lookups->started;
    cut.lookups = std::move(fresh);
  }
  // A named copy: the state must outlive this frame's waits even if the cut is replaced.
  const std::shared_ptr<NsLookups> lookups = cut.lookups;
  while (true) {
    bool added = false;
    for (const auto& a : lookups->found)
      if (std::find(cut.addresses.begin(), cut.addresses.end(), a) == cut.addresses.end()) {
        cut.addresses.push_back(a);
        added = true;
      }
    if (added) {
      budget.last_hop = std::max(budget.last_hop, lookups->last_hop);  // a trace's chain goes on from there
      co_return true;
    }

    std::string blocked;  // the limit that keeps a name from being looked up, if one does
    while (lookups->running < limits::max_parallel_ns_lookups && !cut.unresolved.empty()) {
      if (lookups->started >= limits::max_ns_lookups_per_cut ||
          budget.spend->ns_lookups >= limits::max_ns_lookups) {
        blocked = "max-ns-lookups";
        break;
      }
      if (budget.depth >= limits::max_subresolution_depth) {
        blocked = "max-subresolution-depth";
        break;
      }
      dns::Name ns = cut.unresolved.front();
      cut.unresolved.erase(cut.unresolved.begin());
      // A name inside the zone it serves needs glue: without it, it is unreachable by design.
      // A name already being resolved further up is a cyclic dependency (TsuNAME).
      if (ns.is_subdomain_of(cut.zone) ||
          std::find(budget.resolving.begin(), budget.resolving.end(), ns) != budget.resolving.end())
        continue;
      ++lookups->started;
      ++lookups->running;
      ++budget.spend->ns_lookups;
      Budget branch = budget;  // same spending, its own chain of names being resolved
      ++branch.depth;
      branch.last_hop = std::max(budget.last_hop, lookups->last_hop);  // after the lookups that came back empty
      branch.resolving.push_back(ns);
      branch.serving.push_back(lookups->dropped);
      asio::co_spawn(executor_, look_up_ns(lookups, std::move(ns), std::move(branch)), asio::detached);
    }
    if (lookups->running == 0) {
      if (!blocked.empty()) budget.spend->limit = blocked;
      co_return false;
    }
    // Wait for a lookup to finish: with an address (taken above), or without (start the next).
    lookups->wake.expires_at(asio::steady_timer::time_point::max());
    co_await lookups->wake.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> Resolver::look_up_ns(std::shared_ptr<NsLookups> lookups, dns::Name ns, Budget branch) {
  try {
    for (bool v4 : {true, false}) {
      if (v4 ? !options_.do_ip4 : !options_.do_ip6) continue;
      if (abandoned(branch)) break;
      const std::uint16_t type = v4 ? dns::rrtype::A : dns::rrtype::AAAA;
      const dns::Question address_question{ns, type, dns::class_in};
      Outcome got = co_await walk(address_question, branch);
      bool any = false;
      for (const auto& rr : got.answer) {
        auto a = rr.type == type ? record_address(rr) : std::nullopt;
        if (!a || !usable(*a)) continue;
        any = true;
        if (std::find(lookups->found.begin(), lookups->found.end(), *a) == lookups->found.end())
          lookups->found.push_back(*a);
      }
      if (any || !branch.spend->limit.empty()) break;  // one family is enough
    }
  } catch (const std::exception& e) {
    log::error("looking up the address of {}: {}", ns.to_text(), e.what());
  }
  lookups->last_hop = std::max(lookups->last_hop, branch.last_hop);
  --lookups->running;
  lookups->wake.cancel();
}

}  // namespace tern::resolver
