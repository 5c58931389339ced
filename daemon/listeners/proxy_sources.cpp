#include "daemon/listeners/proxy_sources.hpp"

#include "daemon/config/access_control.hpp"
#include "resolver/log.hpp"

#include <asio/ip/address_v4.hpp>
#include <asio/ip/address_v6.hpp>

#include <algorithm>

namespace tern::daemon {

ProxySources::ProxySources(std::vector<AclRule> prefixes) : rules_(std::move(prefixes)) {
  for (AclRule& rule : rules_) rule.action = AclAction::allow;
}

bool ProxySources::trusted(const asio::ip::address& peer) const {
  return decide_access(rules_, peer) == AclAction::allow;
}

asio::ip::address proxy_client(const ProxyHeader& header, const asio::ip::address& peer) {
  if (!header.has_source) return peer;
  if (!header.ipv6) {
    asio::ip::address_v4::bytes_type bytes;
    std::copy_n(header.source.begin(), bytes.size(), bytes.begin());
    return asio::ip::address_v4(bytes);
  }
  asio::ip::address_v6::bytes_type bytes;
  std::copy_n(header.source.begin(), bytes.size(), bytes.begin());
  return asio::ip::address_v6(bytes);
}

ProxyVerdict admit_datagram(const ProxySources& sources, const asio::ip::address& peer,
                            std::span<const std::uint8_t>& packet, asio::ip::address& client, DaemonStats& stats) {
  if (!sources.trusted(peer)) {
    if (starts_with_proxy_v2(packet)) {
      DaemonStats::bump(stats.proxy_dropped_unexpected);
      log::debug("PROXY header from {}, not in proxy-protocol-from: dropped", peer.to_string());
      return ProxyVerdict::drop;
    }
    client = peer;
    return ProxyVerdict::direct;
  }
  ProxyHeader header;
  if (parse_proxy_v2(packet, header) != ProxyParse::ok) {
    DaemonStats::bump(stats.proxy_dropped_missing);
    log::debug("datagram from {} (proxy-protocol-from) without a valid PROXY v2 header: dropped", peer.to_string());
    return ProxyVerdict::drop;
  }
  DaemonStats::bump(stats.proxy_accepted);
  packet = packet.subspan(header.size);
  client = proxy_client(header, peer);
  return ProxyVerdict::proxied;
}

}  // namespace tern::daemon
