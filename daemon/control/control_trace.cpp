#include "daemon/control/control_trace.hpp"

#include <fmt/format.h>

#include <chrono>
#include <exception>

namespace tern::daemon {

namespace {

double ms(std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1000.0; }

std::string hop_table(const std::vector<resolver::WalkHop>& hops) {
  std::string out = fmt::format("{:>3} {:>9} {:<20} {:<16} {:<8} {:>8}  {:<32} {}\n", "#", "at-ms", "zone", "server",
                                "via", "rtt-ms", "question", "result");
  unsigned n = 0;
  for (const auto& h : hops) {
    // Glue-less NS lookups are indented by their depth: they are detours of the walk above.
    std::string question = std::string(2 * h.depth, ' ') + h.question.name.to_text() + " " +
                           dns::type_to_text(h.question.type);
    out += fmt::format("{:>3} {:>9.1f} {:<20} {:<16} {:<8} {:>8.1f}  {:<32} {}\n", ++n, ms(h.at), h.zone.to_text(),
                       h.server, h.transport, ms(h.rtt), question, h.result);
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
                    ": a fresh walk from the root; the record and answer caches were neither read nor written\n";
  out += hop_table(result.hops);
  out += outcome_lines(result.outcome);
  if (!result.limit.empty()) out += "limit reached: " + result.limit + "\n";
  // A truncated UDP reply retried over TCP took two round trips (and a handshake) in one exchange.
  std::size_t over_tcp = 0;
  for (const auto& h : result.hops) over_tcp += h.transport == "udp+tcp" ? 1 : 0;
  out += fmt::format("walk: {} round trips ({} exchanges, {} retried over TCP), {:.1f} ms\n",
                     result.hops.size() + over_tcp, result.hops.size(), over_tcp, ms(result.total));
  out += cache_line(question, context);
  return {ControlStatus::ok, std::move(out)};
}

}  // namespace tern::daemon
