// One worker's dnstap: which messages are logged, the worker's queue to the writer, and the
// counters of what was sent and dropped. The listeners call the client side (CLIENT_QUERY,
// CLIENT_RESPONSE), the upstream transports the resolver side (RESOLVER_QUERY,
// RESOLVER_RESPONSE, through resolver::UpstreamTap). Used on the worker's thread only.
// With dnstap off no Tap exists: callers hold a null pointer and test it, nothing more.
#pragma once

#include "daemon/observe/daemon_stats.hpp"
#include "daemon/observe/dnstap_message.hpp"
#include "daemon/observe/dnstap_writer.hpp"
#include "resolver/upstream_tap.hpp"

#include <string>

namespace tern::daemon::dnstap {

/// What is logged and what the sender says of itself (dnstap-log-*, dnstap-send-identity ...).
struct Options {
  bool client_query = false;
  bool client_response = false;
  bool resolver_query = false;
  bool resolver_response = false;
  std::string identity;  ///< sent in every payload; empty = not sent
  std::string version;   ///< sent in every payload; empty = not sent
};

class Tap final : public resolver::UpstreamTap {
 public:
  /// `writer` and `options` outlive the tap; `stats` is the worker's.
  Tap(Writer& writer, unsigned worker, const Options& options, DaemonStats& stats) noexcept
      : writer_(writer), queue_(writer.queue(worker)), options_(options), stats_(stats) {}

  /// Whether the listeners need the client side's times and addresses at all.
  bool logs_client() const noexcept { return options_.client_query || options_.client_response; }
  bool logs_client_query() const noexcept { return options_.client_query; }

  /// CLIENT_QUERY: `query` from `client`, received on `local` at `received`.
  void client_query(SocketProtocol protocol, const Endpoint& client, const Endpoint& local,
                    std::span<const std::uint8_t> query, Time received) noexcept;
  /// CLIENT_RESPONSE: `response` to the query received at `received`, sent now.
  void client_response(SocketProtocol protocol, const Endpoint& client, const Endpoint& local,
                       Time received, std::span<const std::uint8_t> response) noexcept;
  /// Both, for a query answered at once (the cache-hit path): one clock reading for the response.
  void client_exchange(SocketProtocol protocol, const Endpoint& client, const Endpoint& local,
                       std::span<const std::uint8_t> query, Time received,
                       std::span<const std::uint8_t> response) noexcept;

  void upstream_query(const resolver::UpstreamTapExchange& exchange, std::span<const std::uint8_t> query) override;
  void upstream_response(const resolver::UpstreamTapExchange& exchange, std::span<const std::uint8_t> response,
                         resolver::TapTime received) override;

 private:
  /// Encodes and queues one payload; counts it sent or dropped. Never throws.
  void send(const MessageFields& fields) noexcept;

  Writer& writer_;
  fstrm_iothr_queue* queue_;  ///< this worker's; null if fstrm had none left (all dropped)
  const Options& options_;
  DaemonStats& stats_;
};

/// How the schema names a client transport's protocol.
inline SocketProtocol protocol_of(resolver::UpstreamProtocol p) noexcept {
  switch (p) {
    case resolver::UpstreamProtocol::udp: return SocketProtocol::udp;
    case resolver::UpstreamProtocol::tcp: return SocketProtocol::tcp;
    case resolver::UpstreamProtocol::tls: return SocketProtocol::dot;
  }
  return SocketProtocol::udp;
}

}  // namespace tern::daemon::dnstap
