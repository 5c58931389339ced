#include "daemon/control/control_trace.hpp"

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
    std::string result = h.result + (h.shared ? " (shared: an identical exchange in flight, not sent)" : "");
    out += fmt::format("{:>3} {:>5} {:>4} {:>9.1f} {:<20} {:<36} {:<8} {:>8.1f}  {:<32} {}\n", i + 1, after,
                       cost.step[i], ms(h.at), h.zone.to_text(), server_text(h.server, names), h.transport, ms(h.rtt),
                       question, result);
    if (std::string ns = referral_line(h); !ns.empty()) out += fmt::format("{:>24}NS {}\n", "", ns);
  }
  return out;
}

std::string outcome_lines(const resolver::Outcome& o) {
  std::string out = "outcome: " + dns::rcode_to_text(o.rcode);
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
  out += outcome_lines(result.outcome);
  if (!result.limit.empty()) out += "limit reached: " + result.limit + "\n";
  // What went upstream, and what a client waited for: parallel lookups overlap, and a truncated
  // UDP reply retried over TCP took two round trips in one exchange.
  out += fmt::format("exchanges: {} sent ({} more shared an identical exchange in flight, {} retried over TCP)\n",
                     cost.sent, cost.shared, cost.over_tcp);
  out += fmt::format("critical path: {} round trips in sequence (parallel lookups counted once, by the longest), "
                     "{:.1f} ms\n",
                     cost.critical_path, ms(result.total));
  out += cache_line(question, context);
  return {ControlStatus::ok, std::move(out)};
}

}  // namespace tern::daemon
