#include "daemon/control/control_trace.hpp"

#include "daemon/observe/query_log.hpp"  // security_word
#include "resolver/resolver.hpp"  // record_address
#include "resolver/trace_cost.hpp"

#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <map>

namespace tern::daemon {

namespace {

double ms(std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1000.0; }

/// Each server address the walk learnt a name for (glue, priming, glue-less lookups' answers).
std::map<std::string, std::string> server_names(const std::vector<resolver::WalkHop>& hops) {
  std::map<std::string, std::string> names;
  for (const auto& h : hops)
    for (const auto& rr : h.records)
      if (auto a = resolver::record_address(rr)) names.emplace(a->to_string(), rr.owner.to_text());
  return names;
}

/// "ns1.lab. 127.53.1.1", or the address alone when no name for it was learnt (a forwarder).
std::string server_text(const std::string& address, const std::map<std::string, std::string>& names) {
  auto it = names.find(address);
  return it == names.end() ? address : it->second + " " + address;
}

/// The NS names a referral (or the priming answer) gave, each with its glue, if it had any.
std::string referral_line(const resolver::WalkHop& h) {
  std::string out;
  for (const auto& ns : h.records) {
    auto target = ns.type == dns::rrtype::NS ? dns::rdata_target(ns) : std::nullopt;
    if (!target) continue;
    std::string glue;
    for (const auto& rr : h.records)
      if (rr.owner == *target)
        if (auto a = resolver::record_address(rr)) glue += (glue.empty() ? " " : ",") + a->to_string();
    out += (out.empty() ? "" : ", ") + target->to_text() + (glue.empty() ? " (no glue)" : glue);
  }
  return out;
}

std::string hop_table(const std::vector<resolver::WalkHop>& hops, const resolver::TraceCost& cost) {
  const auto names = server_names(hops);
  std::string out = fmt::format("{:>3} {:>5} {:>4} {:>9} {:<20} {:<36} {:<8} {:>8}  {:<32} {}\n", "#", "after", "step",
                                "at-ms", "zone", "server", "via", "rtt-ms", "question", "result");
  for (std::size_t i = 0; i < hops.size(); ++i) {
    const auto& h = hops[i];
    // Glue-less NS lookups are indented by their depth: they are detours of the walk above.
    std::string question = std::string(2 * h.depth, ' ') + h.question.name.to_text() + " " +
                           dns::type_to_text(h.question.type);
    std::string after = h.after >= 0 ? std::to_string(h.after + 1) : "-";
    std::string result = h.result + (h.dnssec ? " [DNSSEC]" : "") +
                         (h.shared ? " (shared: an identical exchange in flight, not sent)" : "");
    out += fmt::format("{:>3} {:>5} {:>4} {:>9.1f} {:<20} {:<36} {:<8} {:>8.1f}  {:<32} {}\n", i + 1, after,
                       cost.step[i], ms(h.at), h.zone.to_text(), server_text(h.server, names), h.transport, ms(h.rtt),
                       question, result);
    if (std::string ns = referral_line(h); !ns.empty()) out += fmt::format("{:>24}NS {}\n", "", ns);
  }
  return out;
}

/// "bogus (EDE 7: www.expired.sec. A: RRSIG 13/12345 expired)", "secure".
std::string verdict_text(const resolver::dnssec::Verdict& v) {
  std::string out(security_word(v.security));
  if (v.ede != 0 || !v.why.empty())
    out += " (" + (v.ede != 0 ? "EDE " + std::to_string(v.ede) + (v.why.empty() ? "" : ": ") : "") + v.why + ")";
  return out;
}

/// One line per zone of the chain of trust, parents first: where its DS came from, its keys,
/// its verdict; under it each RRset its keys were tried on, with the key that signed it.
std::string chain_lines(const std::vector<resolver::ChainLink>& chain) {
  if (chain.empty()) return {};
  std::string out = "chain of trust:\n";
  for (const auto& link : chain) {
    out += "  zone " + link.zone.to_text();
    if (link.verdict) {
      std::string keys;
      for (const auto& k : link.keys) keys += (keys.empty() ? "" : ", ") + k;
      out += ": DS " + (link.ds_source.empty() ? std::string("-") : link.ds_source) + "; DNSKEY " +
             (keys.empty() ? std::string("-") : keys) + "; " + verdict_text(*link.verdict);
    }
    out += "\n";
    for (const auto& s : link.signed_sets)
      out += "    " + s.rrset + ": " +
             (s.key_tag != 0 || s.algorithm != 0
                  ? fmt::format("signed by key {} alg {}, ", s.key_tag, s.algorithm)
                  : std::string()) +
             verdict_text(s.verdict) + "\n";
  }
  return out;
}

/// `validated`: validation ran (the trace told a chain); then the answer's verdict is told too.
std::string outcome_lines(const resolver::Outcome& o, bool validated) {
  std::string out = "outcome: " + dns::rcode_to_text(o.rcode);
  if (validated || o.security != resolver::dnssec::Security::indeterminate) {
    out += ", DNSSEC " + std::string(security_word(o.security));
    // The trace tells the walk's own outcome; a client is refused bogus data (CD=1 apart).
    if (o.security == resolver::dnssec::Security::bogus && o.rcode != dns::rcode::servfail)
      out += " (a client without CD=1 gets SERVFAIL)";
  }
  if (o.ede) out += " (EDE " + std::to_string(*o.ede) + (o.ede_text.empty() ? "" : ": " + o.ede_text) + ")";
  out += "\n";
  for (const auto& rr : o.answer) out += "  " + dns::record_to_text(rr, rr.ttl) + "\n";
  for (const auto& rr : o.authority) out += "  " + dns::record_to_text(rr, rr.ttl) + "\n";
  return out;
}

/// What a client asking now would cost: one answer-cache lookup, timed here.
std::string cache_line(const dns::Question& question, ControlContext& context) {
  auto start = std::chrono::steady_clock::now();
  auto hit = context.answers.find(question);
  auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
  if (!hit) return "cache: not cached now (a client asking now would walk)\n";
  return fmt::format("cache hit: 0 round trips, {:.3f} ms (answer cache lookup, remaining TTL {} s)\n",
                     static_cast<double>(took.count()) / 1e6, hit->remaining);
}

}  // namespace

ControlReply trace_command(const dns::Question& question, ControlContext& context) {
  if (!context.trace) return {ControlStatus::failed, "trace is not supported here\n"};
  std::future<resolver::TraceResult> pending = context.trace(question);
  if (pending.wait_for(trace_wait) != std::future_status::ready) {
    return {ControlStatus::failed, "trace: no result within " + std::to_string(trace_wait.count()) + " s\n"};
  }
  resolver::TraceResult result;
  try {
    result = pending.get();
  } catch (const std::exception& e) {  // the worker stopped before the walk could run
    return {ControlStatus::failed, std::string("trace: ") + e.what() + "\n"};
  }
  std::string out = "trace " + question.name.to_text() + " " + dns::type_to_text(question.type) +
                    ": a fresh walk from the root, as on a cold cache; the record and answer caches were neither "
                    "read nor written\n";
  const resolver::TraceCost cost = resolver::trace_cost(result.hops, result.outcome.upstream_queries);
  out += hop_table(result.hops, cost);
  out += chain_lines(result.chain);
  const bool validated = !result.chain.empty() || cost.dnssec_sent > 0;
  out += outcome_lines(result.outcome, validated);
  if (!result.limit.empty()) out += "limit reached: " + result.limit + "\n";
  // What went upstream, and what a client waited for: parallel lookups overlap, and a truncated
  // UDP reply retried over TCP took two round trips in one exchange.
  // With validation on: how much of it the chain of trust's DS and DNSKEY exchanges added.
  out += fmt::format("exchanges: {} sent ({} more shared an identical exchange in flight, {} retried over TCP)",
                     cost.sent, cost.shared, cost.over_tcp);
  out += validated ? fmt::format(", of which {} for DNSSEC validation\n", cost.dnssec_sent) : "\n";
  out += fmt::format("critical path: {} round trips in sequence (parallel lookups counted once, by the longest), "
                     "{:.1f} ms",
                     cost.critical_path, ms(result.total));
  out += validated ? fmt::format("; {} of the round trips for DNSSEC validation\n", cost.dnssec_critical) : "\n";
  out += cache_line(question, context);
  return {ControlStatus::ok, std::move(out)};
}

}  // namespace tern::daemon
