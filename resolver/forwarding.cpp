// Forward zones: a name below one is asked, whole and with RD=1, of the zone's recursive
// servers, and their answer is taken as it is (after scrubbing records outside the zone).
// Stub zones only change where the walk starts (zone_cut.cpp).
#include "resolver/log.hpp"
#include "resolver/resolver.hpp"

#include <algorithm>

namespace tern::resolver {

Resolver::ZoneCut Resolver::configured_cut(const ZoneRoute& route) {
  // The operator named these servers: they are used even on loopback (query-loopback guards
  // against addresses that come from the network, not from the configuration).
  ZoneCut cut{route.zone, {}, {}, {}, &route, nullptr};
  for (const RouteServer& server : route.servers)
    if (std::find(cut.addresses.begin(), cut.addresses.end(), server.address) == cut.addresses.end())
      cut.addresses.push_back(server.address);
  return cut;
}

asio::awaitable<std::optional<Resolver::Step>> Resolver::forward(const dns::Question& q, const ZoneRoute& route,
                                                                Budget& budget) {
  ZoneCut cut = configured_cut(route);
  // No QNAME minimisation: a recursive server is asked the client's question (RFC 9156 §2.1
  // applies to authorities, and the forwarder sees the full name anyway).
  std::optional<Answered> got = co_await ask_zone(cut, q, budget);
  if (!got) co_return std::nullopt;
  Classification& cls = got->cls;
  if (cls.kind == ResponseKind::referral) {
    // A server that refers instead of recursing is not a forwarder: RD was ignored.
    log::info("{}: forwarder {} of {} answered with a referral", q.name.to_text(), got->server, route.zone.to_text());
    co_return std::nullopt;
  }
  co_return final_step(*got, budget, route.zone);
}

}  // namespace tern::resolver
