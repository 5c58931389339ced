#include "daemon/query_handler.hpp"

#include "daemon/access_control.hpp"
#include "daemon/responder.hpp"

namespace tern::daemon {

std::vector<std::uint8_t> QueryHandler::counted(std::vector<std::uint8_t> response) {
  if (response.size() >= dns::header_size) {
    DaemonStats::bump(stats_.responses_by_rcode[response[3] & 0xF]);
    if (response[2] & 0x02) DaemonStats::bump(stats_.truncated_udp);
  }
  return response;
}

asio::awaitable<std::optional<std::vector<std::uint8_t>>> QueryHandler::handle(
    std::vector<std::uint8_t> packet, asio::ip::address client, ClientTransport transport) {
  // Keep the policy alive for this query even if a reload replaces it meanwhile.
  std::shared_ptr<const ClientPolicy> policy = policy_;
  const std::uint16_t edns = policy->edns_buffer_size;
  DaemonStats::bump(transport == ClientTransport::udp ? stats_.queries_udp : stats_.queries_tcp);
  if (packet.size() < dns::header_size) {
    DaemonStats::bump(stats_.dropped_unreadable);
    co_return std::nullopt;
  }
  const AclAction access = decide_access(policy->access_control, client);
  if (access == AclAction::deny) {
    DaemonStats::bump(stats_.acl_dropped);
    co_return std::nullopt;
  }
  if (packet[2] & 0x80) {
    // A response sent to a resolver's service port is reflection or spoofing: never answer.
    DaemonStats::bump(stats_.dropped_responses);
    co_return std::nullopt;
  }
  dns::Message query;
  if (auto error = dns::parse_message(packet, query); error != dns::WireError::none) {
    DaemonStats::bump(stats_.malformed[static_cast<std::size_t>(error)]);
    co_return counted(*make_header_formerr(packet));
  }
  if (access == AclAction::refuse) {
    DaemonStats::bump(stats_.acl_refused);
    co_return counted(make_error(query, dns::rcode::refused, edns));
  }
  if (query.opcode != dns::opcode_query) co_return counted(make_error(query, dns::rcode::notimp, edns));
  if (query.questions.size() != 1) co_return counted(make_error(query, dns::rcode::formerr, edns));
  // RFC 6891 §6.1.3: only EDNS version 0 exists.
  if (query.edns && query.edns->version > 0) co_return counted(make_error(query, dns::rcode::badvers, edns));
  const dns::Question& question = query.questions.front();
  if (question.type == dns::rrtype::OPT) co_return counted(make_error(query, dns::rcode::formerr, edns));
  // Zone transfers are for authorities; other classes than IN have no authorities to walk to.
  if (question.klass != dns::class_in || question.type == dns::rrtype::AXFR || question.type == 251)
    co_return counted(make_error(query, dns::rcode::refused, edns));
  // Like Unbound's "allow": this is a recursive service; non-recursive queries are refused.
  if (!query.rd) co_return counted(make_error(query, dns::rcode::refused, edns));

  resolver::Outcome outcome = co_await resolver_.resolve(question);
  DaemonStats::bump(outcome.from_cache ? stats_.cache_hits : stats_.cache_misses);
  co_return counted(make_response(query, outcome,
                                  max_response_size(query, transport == ClientTransport::tcp, edns), edns));
}

}  // namespace tern::daemon
