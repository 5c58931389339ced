#include "resolver/exchange_verdict.hpp"

#include "resolver/outcome.hpp"
#include "resolver/scrub.hpp"

namespace tern::resolver {

std::string_view to_string(Verdict v) noexcept {
  switch (v) {
    case Verdict::accept: return "accept";
    case Verdict::retry_over_tcp: return "retry over TCP";
    case Verdict::retry_with_cookie: return "retry with the new server cookie";
    case Verdict::retry_without_edns: return "retry without EDNS";
    case Verdict::next_server: return "next server";
  }
  return "?";
}

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

/// RFC 9520 §3.1: a timeout or an error rcode may be the server's trouble with one name (rate
/// limiting, a broken backend); REFUSED and lame replies say it does not serve the zone.
FailureScope scope_of(ExchangeStatus status, ServerFeedback feedback) {
  if (status != ExchangeStatus::ok && status != ExchangeStatus::timeout) return FailureScope::network;
  switch (feedback) {
    case ServerFeedback::timeout:
    case ServerFeedback::servfail:
    case ServerFeedback::formerr:
    case ServerFeedback::notimp: return FailureScope::name;
    default: return FailureScope::zone;
  }
}

ExchangeVerdict failed(ExchangeStatus status, ServerFeedback feedback, ExchangeVerdict verdict) {
  verdict.kind = Verdict::next_server;
  verdict.feedback = feedback;
  verdict.scope = scope_of(status, feedback);
  return verdict;
}

/// A REFUSED or lame reply says the server does not serve the zone only when the question is
/// one every server of a zone answers: A (what minimised walks ask), NS, SOA, DS. To another
/// type it may be a server lame for that type only (A answered, AAAA refused: old load
/// balancers, Unbound's lame_type_A the other way round): the question failed, not the zone.
ExchangeVerdict narrowed_to_type(ExchangeVerdict verdict, std::uint16_t type) {
  if (verdict.scope == FailureScope::zone && type != dns::rrtype::A && type != dns::rrtype::NS &&
      type != dns::rrtype::SOA && type != dns::rrtype::DS)
    verdict.scope = FailureScope::name;
  return verdict;
}

/// Step 4 on a reply that passed every transport-level rule: scrub, classify, judge.
ExchangeVerdict judge_reply(dns::Message& reply, const ExchangeContext& context, ExchangeVerdict verdict) {
  verdict.scrubbed = scrub(reply, context.asked, context.zone);
  verdict.cls = classify(reply, context.asked, context.zone);
  if (verdict.cls.kind == ResponseKind::rcode)
    return narrowed_to_type(failed(ExchangeStatus::ok, feedback_for_rcode(reply.rcode), std::move(verdict)),
                            context.asked.type);
  if (verdict.cls.kind == ResponseKind::lame)
    return narrowed_to_type(failed(ExchangeStatus::ok, ServerFeedback::lame, std::move(verdict)), context.asked.type);
  verdict.kind = Verdict::accept;
  verdict.feedback = ServerFeedback::ok;
  return verdict;
}

}  // namespace

ExchangeVerdict judge_exchange(ExchangeResult& result, const ExchangeContext& context) {
  ExchangeVerdict verdict;
  const bool replied = result.status == ExchangeStatus::ok;
  if (result.status == ExchangeStatus::timeout && result.case_mismatches > 0 && !context.checking_caps) {
    // 0x20: replies came in another case than ours, and none in ours. Either the server does
    // not echo case, or a forger sent them: the right port, ID and question are all a forger
    // needs to get this far, so they prove nothing, and falling back to no 0x20 on their word
    // would hand the forger exactly the bits 0x20 adds. Ask the server again over TCP, where
    // an off-path forger cannot answer, in random case still: its reply is the answer, and
    // whether it echoes our case tells which it was. (Unbound instead asks every server of
    // the zone without 0x20 and accepts only identical replies.)
    verdict.kind = Verdict::retry_over_tcp;
    return verdict;
  }
  if (context.checking_caps && replied) verdict.caps = result.case_echoed ? CapsCheck::echoed : CapsCheck::not_echoed;
  if (replied && result.reply.rcode == dns::rcode::badcookie && !context.badcookie_retried &&
      !result.server_cookie.empty()) {
    // RFC 7873 §5.3: the server wants a fresh server cookie; it sent one: ask once more.
    verdict.kind = Verdict::retry_with_cookie;
    return verdict;
  }
  if (!replied) return failed(result.status, feedback_for(result.status), std::move(verdict));
  if (result.reply.rcode == dns::rcode::formerr && context.sent_edns) {
    // RFC 6891 §7: a server that does not know EDNS says FORMERR; ask it again without.
    verdict.kind = Verdict::retry_without_edns;
    verdict.feedback = ServerFeedback::formerr;
    return verdict;
  }
  return judge_reply(result.reply, context, std::move(verdict));
}

ZoneFailure judge_zone_failure(const dns::Name& zone, const FailureTally& tally) {
  ZoneFailure out;
  // RFC 8914: 23 when every attempt failed in the network itself (ICMP unreachable, TCP
  // refused, no route), 22 when servers stayed silent, refused or answered errors.
  if (tally.network > 0 && tally.other == 0) {
    out.ede = ede::network_error;
    out.why = "network error reaching the servers of " + zone.to_text();
  } else {
    out.ede = ede::no_reachable_authority;
    out.why = "no reachable authority for " + zone.to_text();
  }
  // The root is never remembered as failed: when it is unreachable, our own network is the
  // likelier cause, and question failures already bound the retries.
  out.zone_wide = !zone.is_root() && tally.name == 0;
  return out;
}

}  // namespace tern::resolver
