// The query handler's response-policy part (rpz_policy.hpp decides, this applies): the triggers
// known before resolving (client IP, QNAME) are looked at first; when an earlier zone has
// triggers that need the answer (response IP, CNAME targets) or the servers (NSDNAME, NSIP),
// the question is answered as usual and the answer looked at, and the first zone's match wins.
#include "daemon/answering/client_case.hpp"
#include "daemon/answering/query_handler.hpp"
#include "daemon/answering/responder.hpp"
#include "resolver/dns/wire_check.hpp"
#include "resolver/log.hpp"

#include <limits>

namespace tern::daemon {

namespace {

constexpr std::size_t no_zone = std::numeric_limits<std::size_t>::max();

}  // namespace

std::optional<std::vector<std::uint8_t>> QueryHandler::answer_notify(std::span<const std::uint8_t> packet,
                                                                    const asio::ip::address& client) {
  dns::Message notify;
  if (dns::parse_message(packet, notify) != dns::WireError::none || notify.questions.size() != 1) {
    DaemonStats::bump(stats_.dropped_unreadable);
    return std::nullopt;
  }
  const bool taken = notify.questions.front().type == dns::rrtype::SOA &&
                     rpz_notify_(notify.questions.front().name, client);
  dns::Message reply;
  reply.id = notify.id;
  reply.qr = true;
  reply.opcode = notify.opcode;
  reply.aa = taken;
  reply.rcode = taken ? dns::rcode::noerror : dns::rcode::refused;
  reply.questions = notify.questions;
  auto wire = dns::build_message(reply, 512);
  if (!wire) return std::nullopt;
  return counted(std::move(*wire));
}

bool QueryHandler::policy_may_rewrite(const rpz::PolicySet& rpz, const cache::CachedAnswer& entry,
                                      const rpz::Address16& client) {
  // The servers are looked up in the RRset cache: that is handle()'s work, not the hit path's.
  if (rpz.needs_servers() && rrsets_) return true;
  if (!rpz.needs_addresses() && !rpz.needs_cname_targets()) return false;
  // Read the answer section's records in place: type, then A/AAAA RDATA (uncompressed).
  const std::vector<std::uint8_t>& wire = entry.wire;
  const std::vector<std::uint16_t>& ttls = entry.ttl_offsets;
  const std::size_t answers = std::min<std::size_t>(dns::read_u16(wire, 6), ttls.size());
  for (std::size_t i = 0; i < answers; ++i) {
    const std::size_t ttl = ttls[i];
    if (ttl < 4 || ttl + 6 > wire.size()) return true;  // not as expected: let handle() judge
    const std::uint16_t type = dns::read_u16(wire, ttl - 4);
    const std::uint16_t length = dns::read_u16(wire, ttl + 4);
    if (type == dns::rrtype::CNAME && rpz.needs_cname_targets()) {
      // §5.4: a QNAME trigger on a link of the chain rewrites the answer. The target is read
      // in place (compressed or not) and tested as handle() would; only a possible match
      // leaves the query to handle(): a chain no trigger names stays a hit.
      std::size_t end = 0;
      rpz_target_scratch_.clear();
      if (dns::read_name(wire, ttl + 6, end, &rpz_target_scratch_) != dns::WireError::none) return true;
      if (rpz.matches_before(rpz_target_scratch_, client)) return true;
      continue;
    }
    if ((type == dns::rrtype::A || type == dns::rrtype::AAAA) && rpz.needs_addresses() && ttl + 6 + length <= wire.size())
      if (rpz.address_matches(std::span(wire).subspan(ttl + 6, length))) return true;
  }
  return false;
}

rpz::NameServers QueryHandler::servers_above(const dns::Name& name) const {
  rpz::NameServers out;
  if (!rrsets_) return out;
  // Every zone from the name up to the root whose NS set the cache holds: the servers a walk
  // to this name went through (§5.3 and §5.5: any server on the way triggers).
  dns::Name at = name;
  for (;;) {
    if (auto ns = rrsets_->find(at, dns::rrtype::NS)) {
      for (const dns::Record& rr : ns->records) {
        std::string target = rr.rdata;
        dns::ascii_lowercase(target);
        auto server = dns::Name::from_wire(target);
        if (!server) continue;
        out.names.push_back(server->wire());
        for (std::uint16_t type : {dns::rrtype::A, dns::rrtype::AAAA})
          if (auto addresses = rrsets_->find(*server, type))
            for (const dns::Record& a : addresses->records)
              if (auto a16 = rpz::address16(std::span(reinterpret_cast<const std::uint8_t*>(a.rdata.data()), a.rdata.size())))
                out.addresses.push_back(*a16);
      }
    }
    if (at.is_root()) break;
    at = at.parent();
  }
  return out;
}

asio::awaitable<QueryHandler::MaybeResponse> QueryHandler::answer_with_policy(
    const rpz::PolicySet& rpz, const dns::Message& query, const std::vector<std::uint8_t>& packet,
    const asio::ip::address& client, ClientTransport transport, const std::shared_ptr<const ClientPolicy>& policy,
    const std::string& cookie_reply, std::size_t max_size, std::chrono::steady_clock::time_point started) {
  const dns::Question& question = query.questions.front();
  const std::uint16_t edns = policy->edns_buffer_size;
  const std::optional<rpz::Match> before = rpz.before(question.name.wire(), rpz::address16(client));
  const std::size_t limit = before ? before->zone : no_zone;
  // A match before resolving is final unless an earlier zone could still match the answer.
  if (before && !rpz.any_after_before(limit)) {
    PolicyVerdict verdict =
        co_await apply_policy(rpz, *before, query, packet, client, transport, edns, cookie_reply, max_size, started);
    if (!verdict.passthru) co_return std::move(verdict.response);
    co_return co_await answer_accepted(query, packet, client, policy, cookie_reply, max_size, started);
  }
  MaybeResponse response = co_await answer_accepted(query, packet, client, policy, cookie_reply, max_size, started);
  if (response && rpz.any_after_before(limit)) {
    dns::Message answered;
    if (dns::parse_message(*response, answered) == dns::WireError::none) {
      rpz::NameServers servers;
      if (rpz.needs_servers()) servers = servers_above(question.name);
      if (auto after = rpz.after(answered.answer, rpz.needs_servers() ? &servers : nullptr, limit)) {
        PolicyVerdict verdict =
            co_await apply_policy(rpz, *after, query, packet, client, transport, edns, cookie_reply, max_size, started);
        if (!verdict.passthru) co_return std::move(verdict.response);
        co_return response;
      }
    }
  }
  if (before) {
    PolicyVerdict verdict =
        co_await apply_policy(rpz, *before, query, packet, client, transport, edns, cookie_reply, max_size, started);
    if (!verdict.passthru) co_return std::move(verdict.response);
  }
  co_return response;
}

asio::awaitable<QueryHandler::PolicyVerdict> QueryHandler::apply_policy(
    const rpz::PolicySet& rpz, const rpz::Match& match, const dns::Message& query,
    const std::vector<std::uint8_t>& packet, const asio::ip::address& client, ClientTransport transport,
    std::uint16_t edns, const std::string& cookie_reply, std::size_t max_size,
    std::chrono::steady_clock::time_point started) {
  const dns::Question& question = query.questions.front();
  const rpz::ZoneInForce& zone = rpz.zones()[match.zone];
  rpz.count(match);
  DaemonStats::bump(stats_.rpz_rewrites);
  if (zone.log)
    log::notice("rpz {}: {} {} matched {} trigger {}: {}", zone.name, client.to_string(), question.name.to_text(),
                rpz::trigger_name(match.trigger), match.matched, rpz::action_name(match.rule.action));
  rpz::Rewrite rewrite = rpz::rewrite(rpz, match, question, is_stream(transport));
  PolicyVerdict verdict;
  if (rewrite.passthru) {
    verdict.passthru = true;
    co_return verdict;
  }
  if (rewrite.drop) {
    DaemonStats::bump(stats_.rpz_drops);
    co_return verdict;
  }
  if (rewrite.follow && rewrite.follow->wire() != question.name.wire()) {
    // Local data's CNAME (a walled garden): the target is resolved and its answer appended.
    // A named question: GCC 12 destroys a temporary inside a co_await expression twice.
    const dns::Question garden{*rewrite.follow, question.type, question.klass};
    resolver::Outcome target = co_await resolve_unless_abandoned(garden);
    if (target.rcode == dns::rcode::noerror || target.rcode == dns::rcode::nxdomain) {
      rewrite.outcome.rcode = target.rcode;
      for (dns::Record& rr : target.answer) rewrite.outcome.answer.push_back(std::move(rr));
      if (target.answer.empty()) rewrite.outcome.authority = std::move(target.authority);
    }
  }
  std::vector<std::uint8_t> response = make_response(query, rewrite.outcome, max_size, edns, cookie_reply);
  if (rewrite.truncate && response.size() > 2) response[2] |= 0x02;  // TC: ask again over TCP
  const std::size_t name_length = question.name.wire().size();
  response = with_client_case(std::move(response), packet, name_length);
  std::uint32_t ttl = match.rule.ttl;
  record_answer(started, client, question, response, CacheResult::local, ttl, 0);
  verdict.response = counted(std::move(response));
  co_return verdict;
}

}  // namespace tern::daemon
