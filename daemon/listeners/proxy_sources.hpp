// Whom ternd believes a PROXY v2 header from (proxy-protocol-from), and what a listener does
// with one: a datagram or connection from a listed address must start with a header, whose
// source then stands for the client everywhere (access control, ip-ratelimit, cookies, the
// query log); a header from any other address is a client claiming to be someone else. Both
// mistakes are dropped and counted. With the setting empty the listeners hold no ProxySources
// (a null pointer) and pay one branch.
#pragma once

#include "daemon/config/config.hpp"
#include "daemon/listeners/proxy_header.hpp"
#include "daemon/observe/daemon_stats.hpp"

#include <asio/ip/address.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace tern::daemon {

/// The prefixes of proxy-protocol-from; fixed at start, shared read-only by the workers.
class ProxySources {
 public:
  /// `prefixes`: AclRules whose action is ignored (only network and length count).
  explicit ProxySources(std::vector<AclRule> prefixes);
  /// Whether `peer` is a listed balancer (an IPv4-mapped IPv6 peer matches as IPv4).
  bool trusted(const asio::ip::address& peer) const;

 private:
  std::vector<AclRule> rules_;  ///< the prefixes as allow rules; anything else is refused
};

/// The real client's address a parsed header names, or `peer` when it names none (LOCAL).
asio::ip::address proxy_client(const ProxyHeader& header, const asio::ip::address& peer);

/// What admit_datagram decided about one UDP datagram from `peer`.
enum class ProxyVerdict { direct, proxied, drop };

/// Checks a datagram under `sources`: a listed peer's header is removed from `packet` and its
/// source put in `client` (proxied); an unlisted peer's packet without a header passes as it is
/// (direct, `client` = peer); anything else is counted in `stats` and dropped.
ProxyVerdict admit_datagram(const ProxySources& sources, const asio::ip::address& peer,
                            std::span<const std::uint8_t>& packet, asio::ip::address& client, DaemonStats& stats);

}  // namespace tern::daemon
