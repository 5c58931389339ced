#include "daemon/observe/dnstap_tap.hpp"

namespace tern::daemon::dnstap {

void Tap::send(const MessageFields& fields) noexcept {
  bool queued = false;
  try {
    queued = writer_.submit(queue_, encode(fields, Sender{options_.identity, options_.version}));
  } catch (...) {
    // Memory ran out: the message is lost like one that met a full queue.
  }
  DaemonStats::bump(queued ? stats_.dnstap_sent : stats_.dnstap_dropped);
}

void Tap::client_query(SocketProtocol protocol, const Endpoint& client, const Endpoint& local,
                       std::span<const std::uint8_t> query, Time received) noexcept {
  if (!options_.client_query) return;
  MessageFields f;
  f.type = MessageType::client_query;
  f.protocol = protocol;
  f.query_end = client;
  f.response_end = local;
  f.query_time = received;
  f.query_message = query;
  send(f);
}

void Tap::client_response(SocketProtocol protocol, const Endpoint& client, const Endpoint& local, Time received,
                          std::span<const std::uint8_t> response) noexcept {
  if (!options_.client_response) return;
  MessageFields f;
  f.type = MessageType::client_response;
  f.protocol = protocol;
  f.query_end = client;
  f.response_end = local;
  f.query_time = received;
  f.response_time = resolver::tap_now();
  f.response_message = response;
  send(f);
}

void Tap::client_exchange(SocketProtocol protocol, const Endpoint& client, const Endpoint& local,
                          std::span<const std::uint8_t> query, Time received,
                          std::span<const std::uint8_t> response) noexcept {
  client_query(protocol, client, local, query, received);
  client_response(protocol, client, local, received, response);
}

void Tap::upstream_query(const resolver::UpstreamTapExchange& e, std::span<const std::uint8_t> query) {
  if (!options_.resolver_query) return;
  MessageFields f;
  f.type = MessageType::resolver_query;
  f.protocol = protocol_of(e.protocol);
  f.query_end = Endpoint{e.local_address, e.local_port};
  f.response_end = Endpoint{e.server, e.server_port};
  f.query_time = e.sent;
  f.query_message = query;
  f.query_zone = e.zone;
  send(f);
}

void Tap::upstream_response(const resolver::UpstreamTapExchange& e, std::span<const std::uint8_t> response,
                            resolver::TapTime received) {
  if (!options_.resolver_response) return;
  MessageFields f;
  f.type = MessageType::resolver_response;
  f.protocol = protocol_of(e.protocol);
  f.query_end = Endpoint{e.local_address, e.local_port};
  f.response_end = Endpoint{e.server, e.server_port};
  f.query_time = e.sent;
  f.response_time = received;
  f.response_message = response;
  f.query_zone = e.zone;
  send(f);
}

}  // namespace tern::daemon::dnstap
