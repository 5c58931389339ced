// The client-side policy for one query: access control, the checks a query must pass (wire
// check, QR, opcode, question count, EDNS version, class, RD), then resolution and the response.
// Every path ends in a counted response or a counted drop; nothing here throws.
#pragma once

#include "daemon/config.hpp"
#include "daemon/daemon_stats.hpp"
#include "resolver/resolver.hpp"

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace tern::daemon {

enum class ClientTransport { udp, tcp };

/// The reloadable part of the client side; replaced whole on reload, never modified.
struct ClientPolicy {
  std::vector<AclRule> access_control;
  std::uint16_t edns_buffer_size = 1232;
};

class QueryHandler {
 public:
  QueryHandler(resolver::Resolver& resolver, DaemonStats& stats,
               std::shared_ptr<const ClientPolicy> policy)
      : resolver_(resolver), stats_(stats), policy_(std::move(policy)) {}

  /// The response to send, or nullopt to send nothing.
  asio::awaitable<std::optional<std::vector<std::uint8_t>>> handle(std::vector<std::uint8_t> packet,
                                                                   asio::ip::address client,
                                                                   ClientTransport transport);

  /// Called on the worker's own thread (posted there on reload).
  void set_policy(std::shared_ptr<const ClientPolicy> policy) { policy_ = std::move(policy); }

 private:
  std::vector<std::uint8_t> counted(std::vector<std::uint8_t> response);

  resolver::Resolver& resolver_;
  DaemonStats& stats_;
  std::shared_ptr<const ClientPolicy> policy_;
};

}  // namespace tern::daemon
