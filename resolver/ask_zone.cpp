// Asking one zone's servers a question: choose a server, exchange, learn from the result, try
// the next one. Only a reply that classifies as usable leaves this function.
#include "resolver/dns/cookie.hpp"
#include "resolver/limits.hpp"
#include "resolver/log.hpp"
#include "resolver/resolver.hpp"
#include "resolver/scrub.hpp"
#include "resolver/selection.hpp"
#include "resolver/zone_routing.hpp"

#include <algorithm>
#include <utility>

namespace tern::resolver {

namespace {

ServerFeedback feedback_for(ExchangeStatus status) {
  switch (status) {
    case ExchangeStatus::timeout: return ServerFeedback::timeout;
    case ExchangeStatus::unreachable: return ServerFeedback::unreachable;
    case ExchangeStatus::tcp_failed: return ServerFeedback::tcp_failed;
    default: return ServerFeedback::unreachable;
  }
}

ServerFeedback feedback_for_rcode(std::uint16_t rcode) {
  switch (rcode) {
    case dns::rcode::servfail: return ServerFeedback::servfail;
    case dns::rcode::refused: return ServerFeedback::refused;
    case dns::rcode::formerr: return ServerFeedback::formerr;
    default: return ServerFeedback::notimp;
  }
}

/// RFC 7873 §4.1: a client cookie unique to this server, unguessable without the secret.
std::string client_cookie_for(const cache::HashKey& secret, const asio::ip::address& server) {
  const std::uint64_t mac = cache::siphash24(secret, address_key(server));
  std::string cookie(dns::client_cookie_size, '\0');
  for (std::size_t i = 0; i < cookie.size(); ++i) cookie[i] = static_cast<char>(mac >> (8 * i));
  return cookie;
}

}  // namespace

void Resolver::report_hop(WalkObserver& observer, const Budget& budget, const dns::Name& zone,
                          const asio::ip::address& server, const dns::Question& ask,
                          const ExchangeResult& result, ServerFeedback feedback, const Classification& cls) {
  WalkHop hop{zone, server.to_string(), ask, result.over_tcp ? "udp+tcp" : "udp", result.rtt,
              std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - budget.spend->started),
              {}, budget.depth};
  if (result.status != ExchangeStatus::ok) hop.result = std::string(to_string(result.status));
  else if (feedback != ServerFeedback::ok) hop.result = std::string(to_string(feedback));
  else if (cls.kind == ResponseKind::referral) hop.result = "referral to " + cls.child_zone.to_text();
  else hop.result = std::string(to_string(cls.kind));
  observer.hop(hop);
}

asio::awaitable<std::optional<Resolver::Answered>> Resolver::ask_zone(ZoneCut& cut,
                                                                     const dns::Question& ask,
                                                                     Budget& budget) {
  std::vector<asio::ip::address> tried;
  unsigned sent = 0;
  bool badcookie_retried = false;
  std::optional<asio::ip::address> ask_again;
  bool check_caps_over_tcp = false;  // the next attempt (to ask_again) is the 0x20 check
  while (sent < limits::max_attempts_per_cut) {
    std::vector<asio::ip::address> fresh;
    for (const auto& a : cut.addresses)
      if (std::find(tried.begin(), tried.end(), a) == tried.end()) fresh.push_back(a);
    if (fresh.empty()) {
      if (!co_await resolve_next_ns(cut, budget)) co_return std::nullopt;
      continue;
    }
    // BADCOOKIE and the 0x20 check ask the same server again, not another one.
    if (ask_again && std::find(fresh.begin(), fresh.end(), *ask_again) != fresh.end()) fresh = {*ask_again};
    else check_caps_over_tcp = false;
    ask_again.reset();
    const bool checking_caps = std::exchange(check_caps_over_tcp, false);
    // The walk that started this (glue-less NS lookup) branch has answered its client: the
    // branch's result could only warm the cache, not worth more upstream traffic.
    if (budget.spend->finished) co_return std::nullopt;
    if (budget.spend->upstream >= limits::max_upstream_queries) {
      budget.spend->limit = "max-upstream-queries";
      co_return std::nullopt;
    }
    if (std::chrono::steady_clock::now() >= budget.spend->deadline) {
      budget.spend->limit = "resolution-deadline";
      co_return std::nullopt;
    }
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
    ++budget.spend->upstream;
    ++sent;
    stats_.upstream_queries.fetch_add(1, std::memory_order_relaxed);
    ExchangeResult result = co_await transport_.exchange(request);
    stats_.mismatched_replies.fetch_add(result.mismatched, std::memory_order_relaxed);
    stats_.malformed_replies.fetch_add(result.malformed, std::memory_order_relaxed);
    if (result.over_tcp && !checking_caps) stats_.tcp_fallbacks.fetch_add(1, std::memory_order_relaxed);

    ServerFeedback feedback = ServerFeedback::ok;
    Classification cls;
    if (!result.server_cookie.empty()) learnt.server_cookie = result.server_cookie;
    if (result.status == ExchangeStatus::timeout && result.case_mismatches > 0 && !checking_caps) {
      // 0x20: replies came in another case than ours, and none in ours. Either the server does
      // not echo case, or a forger sent them: the right port, ID and question are all a
      // forger needs to get this far, so they prove nothing, and falling back to no 0x20 on
      // their word would hand the forger exactly the bits 0x20 adds. Ask the server again over
      // TCP, where an off-path forger cannot answer, in random case still: its reply is the
      // answer, and whether it echoes our case tells which it was. (Unbound instead asks every
      // server of the zone without 0x20 and accepts only identical replies.)
      ask_again = server;
      check_caps_over_tcp = true;
      continue;
    }
    if (checking_caps && result.status == ExchangeStatus::ok) {
      if (!result.case_echoed) {
        // Over TCP too: the server does not echo case. Remember it: ask it without 0x20.
        stats_.caps_fallbacks.fetch_add(1, std::memory_order_relaxed);
        learnt.no_caps_for_id = true;
        log::info("{} does not echo 0x20 case (checked over TCP): asking it without", server.to_string());
      } else {
        log::info("{} echoes 0x20 case over TCP: the replies in another case over UDP were forged",
                  server.to_string());
      }
    }
    if (result.status == ExchangeStatus::ok && result.reply.rcode == dns::rcode::badcookie && !badcookie_retried &&
        !result.server_cookie.empty()) {
      // RFC 7873 §5.3: the server wants a fresh server cookie; it sent one: ask once more.
      badcookie_retried = true;
      stats_.badcookie_retries.fetch_add(1, std::memory_order_relaxed);
      caches_.infra.store(address_key(server), learnt);
      ask_again = server;
      continue;
    }
    if (result.status != ExchangeStatus::ok) {
      feedback = feedback_for(result.status);
      if (result.status == ExchangeStatus::timeout) stats_.upstream_timeouts.fetch_add(1, std::memory_order_relaxed);
      if (result.status == ExchangeStatus::unreachable) stats_.upstream_unreachable.fetch_add(1, std::memory_order_relaxed);
    } else if (result.reply.rcode == dns::rcode::formerr && request.edns_size != 0) {
      // RFC 6891 §7: a server that does not know EDNS says FORMERR; ask it again without.
      learnt.edns_unsupported = true;
      caches_.infra.store(address_key(server), learn(learnt, ServerFeedback::formerr, result.rtt, now));
      if (budget.spend->observer) report_hop(*budget.spend->observer, budget, cut.zone, server, ask, result, ServerFeedback::formerr, cls);
      continue;
    } else {
      stats_.scrubbed_records.fetch_add(scrub(result.reply, ask, cut.zone), std::memory_order_relaxed);
      cls = classify(result.reply, ask, cut.zone);
      if (cls.kind == ResponseKind::rcode) feedback = feedback_for_rcode(result.reply.rcode);
      else if (cls.kind == ResponseKind::lame) feedback = ServerFeedback::lame;
    }
    caches_.infra.store(address_key(server), learn(learnt, feedback, result.rtt, now));
    log::debug("{} {} @{} (zone {}): {} in {} us{}", ask.name.to_text(), dns::type_to_text(ask.type),
               server.to_string(), cut.zone.to_text(),
               feedback == ServerFeedback::ok ? to_string(cls.kind) : to_string(feedback),
               result.rtt.count(), result.over_tcp ? " over TCP" : "");
    if (budget.spend->observer) report_hop(*budget.spend->observer, budget, cut.zone, server, ask, result, feedback, cls);
    if (feedback == ServerFeedback::ok)
      co_return Answered{std::move(result.reply), std::move(cls), server.to_string()};
    const bool network = result.status == ExchangeStatus::unreachable || result.status == ExchangeStatus::tcp_failed ||
                         result.status == ExchangeStatus::error;
    ++(network ? cut.network_failures : cut.other_failures);
    if (feedback == ServerFeedback::timeout || feedback == ServerFeedback::servfail ||
        feedback == ServerFeedback::formerr || feedback == ServerFeedback::notimp)
      ++cut.name_failures;
    tried.push_back(server);
  }
  co_return std::nullopt;
}

}  // namespace tern::resolver
