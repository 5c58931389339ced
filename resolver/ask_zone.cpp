// Asking one zone's servers a question (RFC 1034 §5.3.3 step 3): choose a server, exchange,
// act on the verdict (exchange_verdict.hpp: step 4), learn from it, try the next one. Only a
// reply that classifies as usable leaves this file; the decisions are judge_exchange()'s, what
// is here is I/O, counters and trace hops.
#include "resolver/dns/cookie.hpp"
#include "resolver/limits.hpp"
#include "resolver/log.hpp"
#include "resolver/resolver.hpp"
#include "resolver/selection.hpp"
#include "resolver/zone_routing.hpp"

#include <algorithm>
#include <utility>

namespace tern::resolver {

namespace {

/// RFC 7873 §4.1: a client cookie unique to this server, unguessable without the secret.
std::string client_cookie_for(const cache::HashKey& secret, const asio::ip::address& server) {
  const std::uint64_t mac = cache::siphash24(secret, address_key(server));
  std::string cookie(dns::client_cookie_size, '\0');
  for (std::size_t i = 0; i < cookie.size(); ++i) cookie[i] = static_cast<char>(mac >> (8 * i));
  return cookie;
}

/// What one ask_zone call has done so far, across its attempts.
struct Attempts {
  std::vector<asio::ip::address> tried;        ///< servers that failed this question: not asked again
  unsigned sent = 0;                           ///< exchanges made, retries included
  bool badcookie_retried = false;              ///< RFC 7873 §5.3: one BADCOOKIE retry per question
  std::optional<asio::ip::address> ask_again;  ///< a retry: the server it pins while still untried
  bool check_caps_over_tcp = false;            ///< that retry is the 0x20 check over TCP
};

std::vector<asio::ip::address> untried(const std::vector<asio::ip::address>& addresses,
                                       const std::vector<asio::ip::address>& tried) {
  std::vector<asio::ip::address> fresh;
  for (const auto& a : addresses)
    if (std::find(tried.begin(), tried.end(), a) == tried.end()) fresh.push_back(a);
  return fresh;
}

void count_exchange(ResolverStats& stats, const ExchangeResult& result, const ExchangeVerdict& verdict,
                    bool checking_caps) {
  stats.mismatched_replies.fetch_add(result.mismatched, std::memory_order_relaxed);
  stats.malformed_replies.fetch_add(result.malformed, std::memory_order_relaxed);
  if (result.over_tcp && !checking_caps) stats.tcp_fallbacks.fetch_add(1, std::memory_order_relaxed);
  stats.scrubbed_records.fetch_add(verdict.scrubbed, std::memory_order_relaxed);
  if (verdict.kind != Verdict::next_server) return;
  if (result.status == ExchangeStatus::timeout) stats.upstream_timeouts.fetch_add(1, std::memory_order_relaxed);
  if (result.status == ExchangeStatus::unreachable) stats.upstream_unreachable.fetch_add(1, std::memory_order_relaxed);
}

/// What the 0x20 check over TCP showed (judge_exchange's comment says why it is made).
void note_caps_check(CapsCheck caps, const asio::ip::address& server, cache::ServerStats& learnt,
                     ResolverStats& stats) {
  if (caps == CapsCheck::not_echoed) {
    // Over TCP too: the server does not echo case. Remember it: ask it without 0x20.
    stats.caps_fallbacks.fetch_add(1, std::memory_order_relaxed);
    learnt.no_caps_for_id = true;
    log::info("{} does not echo 0x20 case (checked over TCP): asking it without", server.to_string());
  } else if (caps == CapsCheck::echoed) {
    log::info("{} echoes 0x20 case over TCP: the replies in another case over UDP were forged", server.to_string());
  }
}

void tally(FailureTally& failures, FailureScope scope) {
  ++(scope == FailureScope::network ? failures.network : failures.other);
  if (scope == FailureScope::name) ++failures.name;
}

/// What a usable reply brought the walk, for the trace to show: a referral's NS set and glue,
/// an answer's chain and, for an NS answer (priming), the addresses of its names.
void describe_reply(WalkHop& hop, const ExchangeResult& result, ServerFeedback feedback, const Classification& cls) {
  if (result.status != ExchangeStatus::ok || feedback != ServerFeedback::ok) return;
  if (cls.kind == ResponseKind::referral) {
    hop.records = cls.ns;
    hop.records.insert(hop.records.end(), cls.glue.begin(), cls.glue.end());
    return;
  }
  hop.records = cls.chain;
  for (const auto& ns : cls.chain) {
    auto target = ns.type == dns::rrtype::NS ? dns::rdata_target(ns) : std::nullopt;
    for (const auto& rr : result.reply.additional)
      if (target && rr.owner == *target && (rr.type == dns::rrtype::A || rr.type == dns::rrtype::AAAA))
        hop.records.push_back(rr);
  }
}

}  // namespace

void Resolver::report_hop(WalkObserver& observer, Budget& budget, const dns::Name& zone,
                          const asio::ip::address& server, const dns::Question& ask,
                          const ExchangeResult& result, ServerFeedback feedback, const Classification& cls) {
  WalkHop hop{zone, server.to_string(), ask, result.over_tcp ? "udp+tcp" : "udp", result.rtt,
              std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - budget.spend->started),
              {}, budget.depth};
  if (result.status != ExchangeStatus::ok) hop.result = std::string(to_string(result.status));
  else if (feedback != ServerFeedback::ok) hop.result = std::string(to_string(feedback));
  else if (cls.kind == ResponseKind::referral) hop.result = "referral to " + cls.child_zone.to_text();
  else hop.result = std::string(to_string(cls.kind));
  describe_reply(hop, result, feedback, cls);
  // The trace's cost (trace_cost.hpp): this exchange follows the branch's previous one.
  hop.index = budget.spend->hops++;
  hop.after = std::exchange(budget.last_hop, static_cast<int>(hop.index));
  hop.shared = result.shared;
  // Asked while validation looks for a zone's keys (zone_keys, up the stack): its round trip.
  hop.dnssec = !budget.keying.empty();
  observer.hop(hop);
}

bool Resolver::abandoned(const Budget& budget) {
  if (budget.spend->finished) return true;
  return std::any_of(budget.serving.begin(), budget.serving.end(), [](const auto& dropped) { return *dropped; });
}

bool Resolver::budget_spent(Budget& budget) {
  // The walk that started this (glue-less NS lookup) branch has answered its client, or the
  // cut it looks up an address for has a server that answered: the branch's result could
  // only warm the cache, not worth more upstream traffic.
  if (abandoned(budget)) return true;
  if (budget.spend->upstream >= limits::max_upstream_queries) {
    budget.spend->limit = "max-upstream-queries";
    return true;
  }
  if (std::chrono::steady_clock::now() >= budget.spend->deadline) {
    budget.spend->limit = "resolution-deadline";
    return true;
  }
  return false;
}

Resolver::Attempt Resolver::choose_attempt(const ZoneCut& cut, const dns::Question& ask,
                                           const std::vector<asio::ip::address>& fresh, bool checking_caps) {
  std::vector<Candidate> candidates;
  for (const auto& a : fresh) candidates.push_back(Candidate{caches_.infra.find(address_key(a))});
  const cache::TimePoint now = caches_.infra.clock().now();
  const std::size_t pick = choose_server(candidates, now, rng_);
  const asio::ip::address server = fresh[pick];
  const std::optional<cache::ServerStats>& known = candidates[pick].stats;

  cache::ServerStats learnt = known.value_or(cache::ServerStats{});
  if (learnt.client_cookie.empty()) learnt.client_cookie = client_cookie_for(client_cookie_secret_, server);
  ExchangeRequest request{server, 53, ask, upstream_timeout(known),
                          known && known->edns_unsupported ? std::uint16_t{0} : options_.edns_buffer_size,
                          options_.cookies ? learnt.client_cookie + learnt.server_cookie : std::string(),
                          options_.use_caps_for_id && !learnt.no_caps_for_id};
  if (cut.route) configure_for_route(request, *cut.route);
  if (checking_caps) request.tcp_only = true;
  request.zone = cut.zone;
  return Attempt{server, std::move(request), std::move(learnt), now};
}

void Resolver::learn_from(const ZoneCut& cut, const dns::Question& ask, Budget& budget,
                          const Attempt& attempt, const ExchangeResult& result, const ExchangeVerdict& verdict) {
  caches_.infra.store(address_key(attempt.server), learn(attempt.learnt, verdict.feedback, result.rtt, attempt.now));
  if (verdict.kind != Verdict::retry_without_edns)
    log::debug("{} {} @{} (zone {}): {} in {} us{}", ask.name.to_text(), dns::type_to_text(ask.type),
               attempt.server.to_string(), cut.zone.to_text(),
               verdict.feedback == ServerFeedback::ok ? to_string(verdict.cls.kind) : to_string(verdict.feedback),
               result.rtt.count(), result.over_tcp ? " over TCP" : "");
  if (budget.spend->observer)
    report_hop(*budget.spend->observer, budget, cut.zone, attempt.server, ask, result, verdict.feedback, verdict.cls);
}

asio::awaitable<std::optional<Resolver::Answered>> Resolver::ask_zone(ZoneCut& cut, const dns::Question& ask,
                                                                     Budget& budget) {
  // RFC 1034 §5.3.3 step 3: send queries until one returns a response.
  Attempts attempts;
  const std::string asked_key = ServersAsked::key_of(cut.zone, ask);
  while (attempts.sent < limits::max_attempts_per_cut) {
    std::vector<asio::ip::address> fresh = untried(cut.addresses, attempts.tried);
    if (fresh.empty()) {
      // Step 2 goes on: every known address is spent, find one for another of the NS names.
      if (!co_await resolve_next_ns(cut, budget)) co_return std::nullopt;
      continue;
    }
    // BADCOOKIE and the 0x20 check ask the same server again, not another one.
    if (attempts.ask_again && std::find(fresh.begin(), fresh.end(), *attempts.ask_again) != fresh.end())
      fresh = {*attempts.ask_again};
    else {
      attempts.check_caps_over_tcp = false;
      // Another walk of this worker asks one of these servers the same right now: ask that
      // one too, and share its exchange (servers_asked.hpp).
      if (auto joined = servers_asked_.server_for(asked_key, fresh)) fresh = {*joined};
    }
    attempts.ask_again.reset();
    const bool checking_caps = std::exchange(attempts.check_caps_over_tcp, false);
    if (budget_spent(budget)) co_return std::nullopt;
    Attempt attempt = choose_attempt(cut, ask, fresh, checking_caps);
    ++budget.spend->upstream;
    ++attempts.sent;
    stats_.upstream_queries.fetch_add(1, std::memory_order_relaxed);
    ExchangeResult result;
    {
      ServersAsked::Asking asking(servers_asked_, asked_key, attempt.server);
      result = co_await transport_.exchange(attempt.request);
    }
    // Step 4: what the reply, or its absence, means (exchange_verdict.hpp).
    const ExchangeContext context{ask, cut.zone, attempt.request.edns_size != 0, checking_caps,
                                  attempts.badcookie_retried};
    ExchangeVerdict verdict = judge_exchange(result, context);
    count_exchange(stats_, result, verdict, checking_caps);
    if (!result.server_cookie.empty()) attempt.learnt.server_cookie = result.server_cookie;
    note_caps_check(verdict.caps, attempt.server, attempt.learnt, stats_);
    switch (verdict.kind) {
      case Verdict::retry_over_tcp:
        attempts.ask_again = attempt.server;
        attempts.check_caps_over_tcp = true;
        break;
      case Verdict::retry_with_cookie:
        attempts.badcookie_retried = true;
        stats_.badcookie_retries.fetch_add(1, std::memory_order_relaxed);
        caches_.infra.store(address_key(attempt.server), attempt.learnt);
        attempts.ask_again = attempt.server;
        break;
      case Verdict::retry_without_edns:
        attempt.learnt.edns_unsupported = true;
        learn_from(cut, ask, budget, attempt, result, verdict);
        break;
      case Verdict::accept:
        learn_from(cut, ask, budget, attempt, result, verdict);
        // One server of the cut answers: its glue-less NS lookups still running are dropped
        // (issue 18), the addresses they would find are not needed now.
        if (cut.lookups) *cut.lookups->dropped = true;
        co_return Answered{std::move(result.reply), std::move(verdict.cls), attempt.server.to_string()};
      case Verdict::next_server:
        // Step 4 d: this server is done with for this question; go back to step 3 without it.
        learn_from(cut, ask, budget, attempt, result, verdict);
        tally(cut.failures, verdict.scope);
        attempts.tried.push_back(attempt.server);
        break;
    }
  }
  co_return std::nullopt;
}

}  // namespace tern::resolver
