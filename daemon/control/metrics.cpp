#include "daemon/control/metrics.hpp"

#include <array>
#include <functional>
#include <string_view>

namespace tern::daemon {

namespace {

std::uint64_t load(const std::atomic<std::uint64_t>& c) { return c.load(std::memory_order_relaxed); }

template <class Stats, class Member>
std::uint64_t sum(const std::vector<const Stats*>& all, Member member) {
  std::uint64_t total = 0;
  for (const Stats* s : all) total += load(std::invoke(member, *s));
  return total;
}

/// Writes one metric family at a time: HELP and TYPE once, then its samples.
class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  /// `labels` is "" or `key="value",...` (values here never need escaping: fixed words).
  void sample(std::string_view name, std::string_view labels, std::string_view value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }
  void sample(std::string_view name, std::string_view labels, std::uint64_t value) {
    sample(name, labels, std::to_string(value));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};


/// Seconds with six decimals: the bounds are whole microseconds.
std::string seconds(std::uint64_t micros) {
  char text[32];
  std::snprintf(text, sizeof text, "%llu.%06llu", static_cast<unsigned long long>(micros / 1000000),
                static_cast<unsigned long long>(micros % 1000000));
  return text;
}

/// Queries, responses, cache results and drops: the client side of every worker.
void client_metrics(Exposition& e, const std::vector<const DaemonStats*>& d) {
  using D = DaemonStats;
  e.family("ternd_queries_total", "counter", "Queries received from clients, by transport.");
  e.sample("ternd_queries_total", "transport=\"udp\"", sum(d, &D::queries_udp));
  e.sample("ternd_queries_total", "transport=\"tcp\"", sum(d, &D::queries_tcp));
  e.family("ternd_internal_errors_total", "counter",
           "Queries whose handling threw (answered SERVFAIL, or dropped when unreadable), and client "
           "coroutines an exception ended.");
  e.sample("ternd_internal_errors_total", "", sum(d, &D::internal_errors));

  e.family("ternd_responses_total", "counter", "Responses sent to clients, by rcode.");
  for (std::size_t rcode = 0; rcode < std::tuple_size_v<decltype(DaemonStats::responses_by_rcode)>; ++rcode) {
    std::uint64_t n = 0;
    for (const DaemonStats* s : d) n += load(s->responses_by_rcode[rcode]);
    e.sample("ternd_responses_total", "rcode=\"" + rcode_stat_name(rcode) + "\"", n);
  }

  e.family("ternd_cache_results_total", "counter",
           "Client questions by answer-cache result: hit, miss, stale (served expired, also a miss), "
           "prefetch (hits that started a refresh).");
  const std::uint64_t hits = sum(d, &D::cache_hits), misses = sum(d, &D::cache_misses);
  e.sample("ternd_cache_results_total", "result=\"hit\"", hits);
  e.sample("ternd_cache_results_total", "result=\"miss\"", misses);
  e.sample("ternd_cache_results_total", "result=\"stale\"", sum(d, &D::stale_answers));
  e.sample("ternd_cache_results_total", "result=\"prefetch\"", sum(d, &D::prefetches));

  e.family("ternd_cache_hit_ratio", "gauge", "Answer-cache hits / (hits + misses) since start; 0 before any.");
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.6f", hits + misses == 0 ? 0.0 : double(hits) / double(hits + misses));
  e.sample("ternd_cache_hit_ratio", "", ratio);

  e.family("ternd_udp_receive_calls_total", "counter",
           "recvmmsg calls that returned datagrams; queries over UDP / this = the mean batch (udp-batch-size).");
  e.sample("ternd_udp_receive_calls_total", "", sum(d, &D::udp_receive_calls));

  e.family("ternd_dropped_total", "counter", "Queries dropped without an answer, by reason.");
  e.sample("ternd_dropped_total", "reason=\"unreadable\"", sum(d, &D::dropped_unreadable));
  e.sample("ternd_dropped_total", "reason=\"response\"", sum(d, &D::dropped_responses));
  e.sample("ternd_dropped_total", "reason=\"acl\"", sum(d, &D::acl_dropped));
  e.sample("ternd_dropped_total", "reason=\"ratelimit\"", sum(d, &D::ratelimit_dropped));
  e.family("ternd_ratelimit_slipped_total", "counter", "Queries over ip-ratelimit answered TC=1 (ip-ratelimit-slip).");
  e.sample("ternd_ratelimit_slipped_total", "", sum(d, &D::ratelimit_slipped));
  e.family("ternd_acl_refused_total", "counter", "Queries answered REFUSED by access-control.");
  e.sample("ternd_acl_refused_total", "", sum(d, &D::acl_refused));
}

/// What the resolvers sent to authorities and what came back wrong.
void upstream_metrics(Exposition& e, const std::vector<const resolver::ResolverStats*>& r) {
  using R = resolver::ResolverStats;
  e.family("ternd_upstream_queries_total", "counter", "Queries to authoritative servers asked for by the walks (ternd_upstream_shared_total of them were not sent).");
  e.sample("ternd_upstream_queries_total", "", sum(r, &R::upstream_queries));
  e.family("ternd_upstream_shared_total", "counter",
           "Upstream queries not sent: an identical exchange was already in flight and answered them too.");
  e.sample("ternd_upstream_shared_total", "", sum(r, &R::upstream_shared));
  e.family("ternd_upstream_timeouts_total", "counter", "Upstream queries that timed out.");
  e.sample("ternd_upstream_timeouts_total", "", sum(r, &R::upstream_timeouts));
  e.family("ternd_upstream_unreachable_total", "counter", "Upstream queries that could not be sent.");
  e.sample("ternd_upstream_unreachable_total", "", sum(r, &R::upstream_unreachable));
  e.family("ternd_upstream_tcp_fallbacks_total", "counter", "Truncated upstream answers retried over TCP.");
  e.sample("ternd_upstream_tcp_fallbacks_total", "", sum(r, &R::tcp_fallbacks));
  e.family("ternd_upstream_spoof_near_misses_total", "counter",
           "Upstream replies with a wrong ID, port or question (spoofing attempts), dropped.");
  e.sample("ternd_upstream_spoof_near_misses_total", "", sum(r, &R::mismatched_replies));
  e.family("ternd_upstream_malformed_total", "counter", "Upstream replies that did not parse.");
  e.sample("ternd_upstream_malformed_total", "", sum(r, &R::malformed_replies));
}

/// Sizes (gauges) and removals (counters) of the shared caches (failures included).
void cache_metrics(Exposition& e, const ControlContext& context) {
  const std::array<std::pair<std::string_view, cache::CacheStats>, 4> caches{{
      {"rrset", context.rrsets.entries().stats()},
      {"answer", context.answers.entries().stats()},
      {"infra", context.infra.entries().stats()},
      {"failure", context.answers.failures().entries().stats()},
  }};
  auto label = [](std::string_view name) { return "cache=\"" + std::string(name) + "\""; };
  e.family("ternd_cache_entries", "gauge", "Entries in each cache.");
  for (const auto& [name, s] : caches) e.sample("ternd_cache_entries", label(name), s.entries);
  e.family("ternd_cache_bytes", "gauge", "Bytes held by each cache.");
  for (const auto& [name, s] : caches) e.sample("ternd_cache_bytes", label(name), s.bytes);
  e.family("ternd_cache_evictions_total", "counter", "Live entries pushed out by the cache-size budget.");
  for (const auto& [name, s] : caches) e.sample("ternd_cache_evictions_total", label(name), s.evictions);
  e.family("ternd_cache_expired_total", "counter", "Entries reclaimed because their TTL ran out.");
  for (const auto& [name, s] : caches) e.sample("ternd_cache_expired_total", label(name), s.expired);
  e.family("ternd_cache_failure_hits_total", "counter",
           "Questions answered SERVFAIL from a remembered resolution failure (RFC 9520).");
  e.sample("ternd_cache_failure_hits_total", "", context.answers.failures().hits());
}

/// The latency histogram (cumulative buckets, +Inf equal to _count) and per-worker queries.
void latency_and_worker_metrics(Exposition& e, const std::vector<const DaemonStats*>& d) {
  using D = DaemonStats;
  e.family("ternd_query_duration_seconds", "histogram",
           "Time from reading a question to its answer (hits answered inline count in the first bucket).");
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b <= D::latency_bounds_us.size(); ++b) {
    for (const DaemonStats* s : d) cumulative += load(s->latency_buckets[b]);
    const std::string le = b < D::latency_bounds_us.size() ? seconds(D::latency_bounds_us[b]) : "+Inf";
    e.sample("ternd_query_duration_seconds_bucket", "le=\"" + le + "\"", cumulative);
  }
  e.sample("ternd_query_duration_seconds_sum", "", seconds(sum(d, &D::latency_sum_us)));
  e.sample("ternd_query_duration_seconds_count", "", cumulative);

  e.family("ternd_worker_queries_total", "counter", "Queries received by each worker thread.");
  for (std::size_t w = 0; w < d.size(); ++w)
    e.sample("ternd_worker_queries_total", "worker=\"" + std::to_string(w) + "\"",
             load(d[w]->queries_udp) + load(d[w]->queries_tcp));
}

}  // namespace

std::string render_metrics(const ControlContext& context) {
  Exposition e;
  client_metrics(e, context.daemon_stats);
  upstream_metrics(e, context.resolver_stats);
  cache_metrics(e, context);
  latency_and_worker_metrics(e, context.daemon_stats);
  return e.take();
}

}  // namespace tern::daemon
