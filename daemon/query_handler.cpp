#include "daemon/query_handler.hpp"

#include "daemon/access_control.hpp"
#include "daemon/hit_response.hpp"
#include "daemon/responder.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

namespace tern::daemon {

void QueryHandler::count_response(std::span<const std::uint8_t> response) {
  if (response.size() >= dns::header_size) {
    DaemonStats::bump(stats_.responses_by_rcode[response[3] & 0xF]);
    if (response[2] & 0x02) DaemonStats::bump(stats_.truncated_udp);
  }
}

std::vector<std::uint8_t> QueryHandler::counted(std::vector<std::uint8_t> response) {
  count_response(response);
  return response;
}

namespace {

/// Puts the client's own spelling of the question name back into a response built from the
/// canonical (lower-cased) name: 0x20-randomising clients compare it octet for octet. The
/// question is the first name of both messages, never compressed, and of the same length.
std::vector<std::uint8_t> with_client_case(std::vector<std::uint8_t> response,
                                           std::span<const std::uint8_t> query, std::size_t name_length) {
  if (response.size() >= dns::header_size + name_length && query.size() >= dns::header_size + name_length &&
      dns::read_u16(response, 4) == 1)
    std::copy_n(query.begin() + dns::header_size, name_length, response.begin() + dns::header_size);
  return response;
}

}  // namespace

bool QueryHandler::answer_from_cache(std::span<const std::uint8_t> packet, const asio::ip::address& client,
                                     ClientTransport transport, std::vector<std::uint8_t>& out) {
  using dns::read_u16;
  const ClientPolicy& policy = *policy_;
  // QR=0, opcode QUERY, RD=1; one question, no answer or authority, at most the OPT.
  if (packet.size() < dns::header_size || (packet[2] & 0xF9) != 0x01 || read_u16(packet, 4) != 1 ||
      read_u16(packet, 6) != 0 || read_u16(packet, 8) != 0 || read_u16(packet, 10) > 1)
    return false;
  if (decide_access(policy.access_control, client) != AclAction::allow) return false;
  records_scratch_.clear();
  if (dns::check_message(packet, &records_scratch_) != dns::WireError::none) return false;
  name_scratch_.clear();
  std::size_t end = 0;
  dns::read_name(packet, dns::header_size, end, &name_scratch_);
  const std::uint16_t qtype = read_u16(packet, end), qclass = read_u16(packet, end + 2);
  if (qclass != dns::class_in || qtype == dns::rrtype::OPT || qtype == dns::rrtype::AXFR || qtype == 251)
    return false;
  bool edns = false, dnssec_ok = false;
  std::uint16_t client_size = 0;
  if (!records_scratch_.empty()) {
    const dns::RecordRef& opt = records_scratch_.front();
    if (opt.type != dns::rrtype::OPT || ((opt.ttl >> 16) & 0xFF) != 0) return false;
    edns = true;
    dnssec_ok = opt.ttl & 0x8000u;
    client_size = opt.klass;
  }
  // Local zones win over the cache (a reload may have made a cached name local): leave
  // their names to handle(). One hash probe for names outside every local zone's ancestry.
  if (policy.local_zones && policy.local_zones->covers(name_scratch_)) return false;
  probe_.question.name.assign_checked_wire(name_scratch_);
  probe_.question.type = qtype;
  probe_.question.klass = qclass;
  std::optional<cache::AnswerHit> hit = answers_.lookup(probe_);
  if (!hit || hit->expired) return false;
  DaemonStats::bump(transport == ClientTransport::udp ? stats_.queries_udp : stats_.queries_tcp);
  DaemonStats::bump(stats_.cache_hits);
  maybe_prefetch(*hit, probe_.question, policy);
  HitRequest request{read_u16(packet, 0), true, (packet[3] & 0x10) != 0, qtype,
                     packet.subspan(dns::header_size, name_scratch_.size()), edns, dnssec_ok,
                     max_response_size(edns, client_size, transport == ClientTransport::tcp,
                                       policy.edns_buffer_size)};
  make_hit_response(*hit->entry, request,
                    HitServing{hit->age, std::nullopt, std::nullopt, policy.edns_buffer_size}, out);
  count_response(out);
  return true;
}

void QueryHandler::maybe_prefetch(const cache::AnswerHit& hit, const dns::Question& question,
                                  const ClientPolicy& policy) {
  // Unbound's rule: a hit in the last tenth of the original TTL refreshes the entry once, so
  // popular names never expire in front of a client.
  if (!policy.prefetch || hit.remaining * 10 > hit.entry->ttl) return;
  if (hit.entry->prefetching.exchange(true)) return;
  DaemonStats::bump(stats_.prefetches);
  asio::co_spawn(resolver_.executor(), resolver_.refresh(question), asio::detached);
}

asio::awaitable<std::optional<resolver::Outcome>> QueryHandler::resolve_or_stale(
    const dns::Question& question, const cache::AnswerHit& stale, const ClientPolicy& policy) {
  const std::int64_t now = answers_.clock().now().time_since_epoch().count();
  const std::int64_t last = stale.entry->stale_refresh_at.load(std::memory_order_relaxed);
  if (last != 0 && now - last < std::chrono::duration_cast<cache::Duration>(stale_recheck_interval).count())
    co_return std::nullopt;  // refreshed in vain moments ago: do not hammer a dead authority
  stale.entry->stale_refresh_at.store(now, std::memory_order_relaxed);
  // Resolve in the background; answer with whatever is there when the client timer fires.
  struct Race {
    explicit Race(const asio::any_io_executor& ex, std::chrono::milliseconds t)
        : timer(ex, std::chrono::steady_clock::now() + t) {}
    asio::steady_timer timer;
    std::optional<resolver::Outcome> outcome;
  };
  auto race = std::make_shared<Race>(resolver_.executor(), policy.stale_client_timeout);
  asio::co_spawn(resolver_.executor(), resolver_.resolve(question),
                 [race](std::exception_ptr, resolver::Outcome outcome) {
                   race->outcome = std::move(outcome);
                   race->timer.cancel();
                 });
  co_await race->timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  if (race->outcome && race->outcome->rcode != dns::rcode::servfail) co_return race->outcome;
  co_return std::nullopt;
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
  const dns::Question question = query.questions.front();
  if (question.type == dns::rrtype::OPT) co_return counted(make_error(query, dns::rcode::formerr, edns));
  // Zone transfers are for authorities; other classes than IN have no authorities to walk to.
  const std::size_t name_length = question.name.wire().size();
  if (question.klass != dns::class_in || question.type == dns::rrtype::AXFR || question.type == 251)
    co_return counted(with_client_case(make_error(query, dns::rcode::refused, edns), packet, name_length));
  const std::size_t max_size = max_response_size(query, transport == ClientTransport::tcp, edns);
  // Names ternd answers itself, whatever RD says (as Unbound): never sent upstream, never cached.
  if (policy->local_zones) {
    if (std::optional<LocalAnswer> local = policy->local_zones->answer(question)) {
      if (local->drop) {
        DaemonStats::bump(stats_.local_dropped);
        co_return std::nullopt;
      }
      DaemonStats::bump(stats_.local_answers);
      std::vector<std::uint8_t> response = make_response(query, local->outcome, max_size, edns);
      // AA, as Unbound: ternd is the authority for its local zones (not for a refusal).
      if (local->outcome.rcode != dns::rcode::refused && response.size() > 2) response[2] |= 0x04;
      co_return counted(with_client_case(std::move(response), packet, name_length));
    }
  }
  // Like Unbound's "allow": this is a recursive service; non-recursive queries are refused.
  if (!query.rd)
    co_return counted(with_client_case(make_error(query, dns::rcode::refused, edns), packet, name_length));

  HitRequest request{query.id, query.rd, query.cd, question.type,
                     std::span<const std::uint8_t>(packet).subspan(dns::header_size, question.name.wire().size()),
                     query.edns.has_value(), query.edns && query.edns->dnssec_ok, max_size};
  std::optional<cache::AnswerHit> hit = answers_.lookup(question);
  if (hit && !hit->expired) {
    DaemonStats::bump(stats_.cache_hits);
    maybe_prefetch(*hit, question, *policy);
    std::vector<std::uint8_t> out;
    make_hit_response(*hit->entry, request, HitServing{hit->age, std::nullopt, std::nullopt, edns}, out);
    co_return counted(std::move(out));
  }
  DaemonStats::bump(stats_.cache_misses);
  std::optional<resolver::Outcome> outcome;
  if (hit && policy->serve_stale && hit->age - hit->entry->ttl <= policy->serve_stale_max) {
    outcome = co_await resolve_or_stale(question, *hit, *policy);
    if (!outcome) {
      DaemonStats::bump(stats_.stale_answers);
      std::vector<std::uint8_t> out;
      make_hit_response(*hit->entry, request,
                        HitServing{hit->age, stale_answer_ttl, resolver::ede::stale_answer, edns}, out);
      co_return counted(std::move(out));
    }
  } else {
    outcome = co_await resolver_.resolve(question);
  }
  co_return counted(with_client_case(make_response(query, *outcome, max_size, edns), packet,
                                    question.name.wire().size()));
}

}  // namespace tern::daemon
