// Forward zones and stub zones: subtrees of the name space that the walk does not reach from
// the root. A forward zone's names go to recursive servers with RD=1 and their answers are
// taken as they are (Unbound's forward-zone); a stub zone's names are iterated starting at
// the given authorities instead of the delegation from the root (Unbound's stub-zone). The
// zone that most closely encloses a name wins. Built once per configuration, never modified.
#pragma once

#include "resolver/dns/name.hpp"
#include "resolver/upstream_transport.hpp"

#include <asio/ip/address.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tern::resolver {

/// One configured server of a forward or stub zone.
struct RouteServer {
  asio::ip::address address;
  std::uint16_t port = 53;
  friend bool operator==(const RouteServer&, const RouteServer&) = default;
};

struct ZoneRoute {
  enum class Kind { forward, stub };
  dns::Name zone;
  Kind kind = Kind::forward;
  std::vector<RouteServer> servers;  ///< at least one
  bool forward_first = false;        ///< forward: iterate when no forwarder gives an answer
  bool tls = false;                  ///< forward: DNS over TLS (RFC 7858)
  std::string tls_name;              ///< forward + tls: SNI and the certificate's host name
};

class ZoneRoutes {
 public:
  ZoneRoutes() = default;
  explicit ZoneRoutes(std::vector<ZoneRoute> routes);

  /// The route whose zone most closely encloses `name`, or nullptr when none does.
  const ZoneRoute* closest(const dns::Name& name) const;
  /// The stub zone named exactly `zone`, or nullptr.
  const ZoneRoute* stub_at(const dns::Name& zone) const;
  bool empty() const noexcept { return routes_.empty(); }

 private:
  std::map<dns::Name, ZoneRoute> routes_;  ///< by zone name; a name has one route at most
};

/// Sets what a query to one of `route`'s servers needs: the server's configured port, RD=1 to
/// a forwarder, TLS and its expected name.
void configure_for_route(ExchangeRequest& request, const ZoneRoute& route);

}  // namespace tern::resolver
