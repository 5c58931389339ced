#include "resolver/zone_routing.hpp"

#include "resolver/limits.hpp"

#include <algorithm>

namespace tern::resolver {

ZoneRoutes::ZoneRoutes(std::vector<ZoneRoute> routes) {
  // The first route of a name wins; the config loader already refuses duplicates.
  for (ZoneRoute& route : routes) routes_.try_emplace(route.zone, std::move(route));
}

const ZoneRoute* ZoneRoutes::closest(const dns::Name& name) const {
  if (routes_.empty()) return nullptr;  // the common case costs nothing
  for (dns::Name zone = name;; zone = zone.parent()) {
    if (auto it = routes_.find(zone); it != routes_.end()) return &it->second;
    if (zone.is_root()) return nullptr;
  }
}

const ZoneRoute* ZoneRoutes::stub_at(const dns::Name& zone) const {
  auto it = routes_.find(zone);
  return it != routes_.end() && it->second.kind == ZoneRoute::Kind::stub ? &it->second : nullptr;
}

void configure_for_route(ExchangeRequest& request, const ZoneRoute& route) {
  for (const RouteServer& server : route.servers) {
    if (server.address == request.server) {
      request.port = server.port;
      break;
    }
  }
  if (route.kind != ZoneRoute::Kind::forward) return;
  request.recursion_desired = true;
  request.timeout = std::max(request.timeout, limits::min_forwarder_timeout);
  request.tls = route.tls;
  request.tls_name = route.tls_name;
}

}  // namespace tern::resolver
