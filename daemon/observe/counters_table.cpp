#include "daemon/observe/counters_table.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace tern::daemon {

namespace {

using Samples = std::vector<CounterSample>;
using Atomic = std::atomic<std::uint64_t>;

std::uint64_t load(const Atomic& counter) { return counter.load(std::memory_order_relaxed); }

/// One unlabelled sample.
Samples one(std::uint64_t value) { return {CounterSample{"", {value}}}; }

/// A DaemonStats counter summed over the workers.
template <Atomic DaemonStats::*Member>
std::uint64_t daemon_total(const CounterSources& s) {
  std::uint64_t total = 0;
  for (const DaemonStats* d : s.daemon) total += load(d->*Member);
  return total;
}

template <Atomic DaemonStats::*Member>
Samples daemon_sum(const CounterSources& s) {
  return one(daemon_total<Member>(s));
}

/// A ResolverStats counter summed over the workers.
template <Atomic resolver::ResolverStats::*Member>
Samples resolver_sum(const CounterSources& s) {
  std::uint64_t total = 0;
  for (const resolver::ResolverStats* r : s.resolver) total += load(r->*Member);
  return one(total);
}

/// One sample per cache, labelled with its name.
template <auto Field>
Samples per_cache(const CounterSources& s) {
  Samples out;
  for (const CacheSnapshot& c : s.caches) out.push_back({c.name, {static_cast<std::uint64_t>(c.stats.*Field)}});
  return out;
}

Samples queries_by_transport(const CounterSources& s) {
  return {{"udp", {daemon_total<&DaemonStats::queries_udp>(s)}},
          {"tcp", {daemon_total<&DaemonStats::queries_tcp>(s)}},
          {"tls", {daemon_total<&DaemonStats::queries_tls>(s)}},
          {"https", {daemon_total<&DaemonStats::queries_https>(s)}}};
}

/// DoH responses by HTTP status, labelled with the status code.
Samples https_by_status(const CounterSources& s) {
  static constexpr std::array<const char*, 8> codes{"200", "400", "404", "405", "413", "415", "425", "431"};
  static_assert(codes.size() == std::tuple_size_v<decltype(DaemonStats::https_status)>);
  Samples out;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    std::uint64_t n = 0;
    for (const DaemonStats* d : s.daemon) n += load(d->https_status[i]);
    out.push_back({codes[i], {n}});
  }
  return out;
}

Samples queries_total(const CounterSources& s) {
  std::uint64_t total = 0;
  for (const CounterSample& sample : queries_by_transport(s)) total += sample.values.front();
  return one(total);
}

Samples queries_by_worker(const CounterSources& s) {
  Samples out;
  for (std::size_t w = 0; w < s.daemon.size(); ++w) {
    const DaemonStats& d = *s.daemon[w];
    out.push_back({std::to_string(w), {load(d.queries_udp) + load(d.queries_tcp) + load(d.queries_tls) + load(d.queries_https)}});
  }
  return out;
}

Samples responses_by_rcode(const CounterSources& s) {
  Samples out;
  for (std::size_t rcode = 0; rcode < std::tuple_size_v<decltype(DaemonStats::responses_by_rcode)>; ++rcode) {
    std::uint64_t n = 0;
    for (const DaemonStats* d : s.daemon) n += load(d->responses_by_rcode[rcode]);
    out.push_back({rcode_stat_name(rcode), {n}});
  }
  return out;
}

Samples malformed_by_reason(const CounterSources& s) {
  Samples out;
  for (std::size_t e = 1; e < dns::wire_error_count; ++e) {  // 0 is "none"
    std::uint64_t n = 0;
    for (const DaemonStats* d : s.daemon) n += load(d->malformed[e]);
    out.push_back({std::string(dns::to_string(static_cast<dns::WireError>(e))), {n}});
  }
  return out;
}

Samples cache_shards(const CounterSources& s) {
  Samples out;
  for (const CacheSnapshot& c : s.caches) out.push_back({c.name, {c.shard_contention.size()}});
  return out;
}

Samples cache_shard_contention(const CounterSources& s) {
  Samples out;
  for (const CacheSnapshot& c : s.caches) out.push_back({c.name, c.shard_contention});
  return out;
}

/// The sum of the first value of each sample `read` gives.
template <CounterReader Read>
Samples summed(const CounterSources& s) {
  std::uint64_t total = 0;
  for (const CounterSample& sample : Read(s)) total += sample.values.front();
  return one(total);
}

/// A SocketBudget reading summed over the workers.
template <std::uint64_t (resolver::SocketBudget::*Read)() const noexcept>
Samples sockets_sum(const CounterSources& s) {
  std::uint64_t total = 0;
  for (const resolver::SocketBudget* b : s.sockets) total += (b->*Read)();
  return one(total);
}

/// The heap one client question waiting on a resolution holds, all of it freed when it is
/// answered: its coroutine frames (the handler's four, the resolution's run, walk, resolve_name,
/// ask_zone and the exchange's, each a few hundred octets to a few KiB), the parsed query, the
/// walk's budget, zone cut and server list, and the upstream query buffer. Not measurable per
/// frame (asio allocates the frames), so measured as a whole: the growth of the heap
/// (process.heap-bytes) with N questions stuck on a silent authority, divided by N
/// (tests/bench/flight_flood.sh's second table; figures in README.md, "Abuse limits, measured":
/// 15 to 17 KiB per waiting question at 3,000 outstanding, 25 to 28 KiB at 12,000 where
/// questions also wait for sockets). resolver.in-flight-memory is this times resolutions.admitted plus
/// upstream_socket_heap_estimate per upstream socket: within 30% of the measured growth.
inline constexpr std::uint64_t resolution_heap_estimate = 20 * 1024;
/// The heap of one open upstream socket beyond its question's: asio's per-socket state and, for
/// TCP, the length-prefixed query and the reply read so far (the kernel's buffers are not heap).
inline constexpr std::uint64_t upstream_socket_heap_estimate = 2 * 1024;

/// The estimate of resolver.in-flight-memory.
Samples in_flight_memory(const CounterSources& s) {
  const std::uint64_t admitted = daemon_total<&DaemonStats::resolutions_admitted>(s);
  std::uint64_t sockets = 0;
  for (const resolver::SocketBudget* b : s.sockets) sockets += b->open();
  return one(admitted * resolution_heap_estimate + sockets * upstream_socket_heap_estimate);
}

Samples query_duration(const CounterSources& s) {
  Samples out;
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b <= DaemonStats::latency_bounds_us.size(); ++b) {
    for (const DaemonStats* d : s.daemon) cumulative += load(d->latency_buckets[b]);
    const bool last = b == DaemonStats::latency_bounds_us.size();
    out.push_back({last ? "+Inf" : std::to_string(DaemonStats::latency_bounds_us[b]), {cumulative}});
  }
  out.push_back({"sum", {daemon_total<&DaemonStats::latency_sum_us>(s)}});
  out.push_back({"count", {cumulative}});
  return out;
}

// The families; their HELP lines are what Prometheus users see.
constexpr std::array families{
    MetricFamily{"ternd_workers", MetricKind::gauge, "", "", "Worker threads."},
    MetricFamily{"ternd_build_info", MetricKind::info, "version", "", "ternd's version, in the label; the value is 1."},
    MetricFamily{"process_start_time_seconds", MetricKind::gauge, "", "",
                 "When ternd started, in seconds since the Unix epoch."},
    MetricFamily{"ternd_queries_total", MetricKind::counter, "transport", "", "Queries received from clients, by transport."},
    MetricFamily{"ternd_worker_queries_total", MetricKind::counter, "worker", "", "Queries received by each worker thread."},
    MetricFamily{"ternd_internal_errors_total", MetricKind::counter, "", "",
                 "Queries whose handling threw (answered SERVFAIL, or dropped when unreadable), and client coroutines "
                 "an exception ended."},
    MetricFamily{"ternd_responses_total", MetricKind::counter, "rcode", "", "Responses sent to clients, by rcode."},
    MetricFamily{"ternd_cache_results_total", MetricKind::counter, "result", "",
                 "Client questions by answer-cache result: hit, miss, stale (served expired, also a miss), "
                 "prefetch (hits that started a refresh)."},
    MetricFamily{"ternd_malformed_queries_total", MetricKind::counter, "reason", "",
                 "Queries that failed the wire check (answered FORMERR), by reason."},
    MetricFamily{"ternd_dropped_total", MetricKind::counter, "reason", "", "Queries dropped without an answer, by reason."},
    MetricFamily{"ternd_acl_refused_total", MetricKind::counter, "", "", "Queries answered REFUSED by access-control."},
    MetricFamily{"ternd_ratelimit_slipped_total", MetricKind::counter, "", "",
                 "Queries over ip-ratelimit answered TC=1 (ip-ratelimit-slip)."},
    MetricFamily{"ternd_proxy_headers_total", MetricKind::counter, "", "",
                 "PROXY v2 headers accepted from proxy-protocol-from."},
    MetricFamily{"ternd_local_answers_total", MetricKind::counter, "", "", "Queries answered from local zones."},
    MetricFamily{"ternd_rpz_rewrites_total", MetricKind::counter, "", "",
                 "Queries a response policy zone trigger matched (passthru included)."},
    MetricFamily{"ternd_udp_truncated_total", MetricKind::counter, "", "", "UDP answers sent with TC=1."},
    MetricFamily{"ternd_udp_receive_calls_total", MetricKind::counter, "", "",
                 "recvmmsg calls that returned datagrams; queries over UDP / this = the mean batch (udp-batch-size)."},
    MetricFamily{"ternd_tcp_accepted_total", MetricKind::counter, "", "", "Client TCP connections accepted."},
    MetricFamily{"ternd_tcp_rejected_total", MetricKind::counter, "", "", "Client TCP connections refused over a bound."},
    MetricFamily{"ternd_tcp_idle_closed_total", MetricKind::counter, "", "",
                 "TCP and DoT connections closed for idleness."},
    MetricFamily{"ternd_tcp_bad_frames_total", MetricKind::counter, "", "",
                 "TCP and DoT connections closed for broken framing."},
    MetricFamily{"ternd_tcp_pressure_closed_total", MetricKind::counter, "", "",
                 "TCP and DoT connections closed at the idle timeout shortened under connection pressure."},
    MetricFamily{"ternd_tcp_evicted_total", MetricKind::counter, "", "",
                 "Client TCP connections closed, all slots taken, to admit an address holding fewer."},
    MetricFamily{"ternd_tls_accepted_total", MetricKind::counter, "", "", "DoT connections admitted."},
    MetricFamily{"ternd_tls_rejected_total", MetricKind::counter, "", "", "DoT connections refused over a bound."},
    MetricFamily{"ternd_tls_evicted_total", MetricKind::counter, "", "",
                 "DoT connections closed, all slots taken, to admit an address holding fewer."},
    MetricFamily{"ternd_tls_handshake_failures_total", MetricKind::counter, "", "", "DoT handshakes that failed."},
    MetricFamily{"ternd_tls_handshake_timeouts_total", MetricKind::counter, "", "",
                 "DoT handshakes cut at tls-handshake-timeout."},
    MetricFamily{"ternd_tls_resumed_total", MetricKind::counter, "", "", "DoT handshakes that resumed a session."},
    MetricFamily{"ternd_tls_early_data_accepted_total", MetricKind::counter, "", "",
                 "DoT handshakes whose TLS 1.3 early data was accepted."},
    MetricFamily{"ternd_https_responses_total", MetricKind::counter, "status", "",
                 "DNS-over-HTTPS responses by HTTP status."},
    MetricFamily{"ternd_https_reset_floods_total", MetricKind::counter, "", "",
                 "DoH connections closed for resetting streams too fast (HTTP/2 rapid reset)."},
    MetricFamily{"ternd_https_protocol_errors_total", MetricKind::counter, "", "",
                 "DoH connections closed for breaking HTTP/2."},
    MetricFamily{"ternd_upstream_queries_total", MetricKind::counter, "", "",
                 "Queries to authoritative servers asked for by the walks (ternd_upstream_shared_total of them were not "
                 "sent)."},
    MetricFamily{"ternd_upstream_shared_total", MetricKind::counter, "", "",
                 "Upstream queries not sent: an identical exchange was already in flight and answered them too."},
    MetricFamily{"ternd_upstream_timeouts_total", MetricKind::counter, "", "", "Upstream queries that timed out."},
    MetricFamily{"ternd_upstream_unreachable_total", MetricKind::counter, "", "", "Upstream queries that could not be sent."},
    MetricFamily{"ternd_upstream_tcp_fallbacks_total", MetricKind::counter, "", "",
                 "Truncated upstream answers retried over TCP."},
    MetricFamily{"ternd_upstream_spoof_near_misses_total", MetricKind::counter, "", "",
                 "Upstream replies with a wrong ID, port or question (spoofing attempts), dropped."},
    MetricFamily{"ternd_upstream_malformed_total", MetricKind::counter, "", "", "Upstream replies that did not parse."},
    MetricFamily{"ternd_upstream_scrubbed_total", MetricKind::counter, "", "",
                 "Records removed from upstream replies as out of bailiwick or untrusted."},
    MetricFamily{"ternd_upstream_caps_fallbacks_total", MetricKind::counter, "", "",
                 "Servers found not to echo the 0x20 case, asked without it since."},
    MetricFamily{"ternd_upstream_badcookie_retries_total", MetricKind::counter, "", "",
                 "BADCOOKIE replies answered by asking again with the server's cookie."},
    MetricFamily{"ternd_resolver_coalesced_total", MetricKind::counter, "", "",
                 "Client questions that waited on an identical resolution in flight."},
    MetricFamily{"ternd_resolver_limit_hits_total", MetricKind::counter, "", "", "Resolutions ended by a budget."},
    MetricFamily{"ternd_dnssec_answers_total", MetricKind::counter, "security", "",
                 "Resolved answers by DNSSEC verdict (RFC 4035 section 4.3): secure, insecure, indeterminate, bogus."},
    MetricFamily{"ternd_dnssec_bogus_total", MetricKind::counter, "reason", "",
                 "Bogus answers by reason (the Extended DNS Error they got)."},
    MetricFamily{"ternd_dnssec_validation_limit_hits_total", MetricKind::counter, "", "",
                 "Validations ended by a KeyTrap or NSEC3-hashing budget (also counted bogus)."},
    MetricFamily{"ternd_dnssec_insecure_unsupported_total", MetricKind::counter, "", "",
                 "Zones found insecure for an unsupported algorithm, digest or NSEC3 iteration count."},
    MetricFamily{"ternd_dnssec_aggressive_nsec_answers_total", MetricKind::counter, "", "",
                 "NXDOMAIN/NODATA answered from cached validated NSEC/NSEC3 without a query (RFC 8198)."},
    MetricFamily{"ternd_l2_lookups_total", MetricKind::counter, "result", "",
                 "Second-level cache (Redis) lookups by result: hit, miss, error, timeout, dropped, skipped."},
    MetricFamily{"ternd_l2_stores_total", MetricKind::counter, "result", "",
                 "Answers written to the second-level cache (Redis) by result: ok, failed."},
    MetricFamily{"ternd_l2_breaker_opened_total", MetricKind::counter, "", "",
                 "Times a worker's Redis circuit breaker opened."},
    MetricFamily{"ternd_l2_breaker_open", MetricKind::gauge, "", "",
                 "Workers whose Redis circuit breaker is open now (Redis skipped)."},
    MetricFamily{"ternd_resolutions_in_flight", MetricKind::gauge, "", "",
                 "Resolutions running now (the in-flight table, shared by the workers)."},
    MetricFamily{"ternd_resolutions_admitted", MetricKind::gauge, "", "",
                 "Client questions waiting on a resolution now, all workers (max-resolutions-per-worker each)."},
    MetricFamily{"ternd_resolutions_shed_total", MetricKind::counter, "reason", "",
                 "Client questions answered SERVFAIL by the bound on resolutions in flight: jostled (gave way to a "
                 "newer one), refused (found it full)."},
    MetricFamily{"ternd_resolutions_memory_bytes", MetricKind::gauge, "", "",
                 "Estimated heap held by resolutions in flight: frames, buffers, upstream sockets."},
    MetricFamily{"ternd_upstream_sockets", MetricKind::gauge, "", "",
                 "Sockets open towards authoritative servers now, all workers (max-upstream-sockets-per-worker each)."},
    MetricFamily{"ternd_upstream_socket_waits_total", MetricKind::counter, "", "",
                 "Upstream queries that waited for a socket (max-upstream-sockets-per-worker)."},
    MetricFamily{"ternd_upstream_socket_timeouts_total", MetricKind::counter, "", "",
                 "Upstream queries that got no socket within their timeout (counted as timeouts)."},
    MetricFamily{"process_resident_memory_bytes", MetricKind::gauge, "", "", "Resident memory size in bytes."},
    MetricFamily{"process_open_fds", MetricKind::gauge, "", "", "Open file descriptors."},
    MetricFamily{"process_heap_bytes", MetricKind::gauge, "", "", "Heap in use (malloc), in bytes."},
    MetricFamily{"ternd_cache_entries", MetricKind::gauge, "cache", "", "Entries in each cache."},
    MetricFamily{"ternd_cache_bytes", MetricKind::gauge, "cache", "", "Bytes held by each cache."},
    MetricFamily{"ternd_cache_evictions_total", MetricKind::counter, "cache", "",
                 "Live entries pushed out by the cache-size budget."},
    MetricFamily{"ternd_cache_expired_total", MetricKind::counter, "cache", "", "Entries reclaimed because their TTL ran out."},
    MetricFamily{"ternd_cache_contention_total", MetricKind::counter, "cache", "",
                 "Shard lock acquisitions that had to wait for another thread."},
    MetricFamily{"ternd_cache_shards", MetricKind::gauge, "cache", "", "Shards of each cache."},
    MetricFamily{"ternd_cache_shard_contention_total", MetricKind::counter, "cache", "shard",
                 "Shard lock acquisitions that had to wait, shard by shard: a hot shard stands out."},
    MetricFamily{"ternd_cache_failure_hits_total", MetricKind::counter, "", "",
                 "Questions answered SERVFAIL from a remembered resolution failure (RFC 9520)."},
    MetricFamily{"ternd_query_duration_seconds", MetricKind::histogram, "", "",
                 "Time from reading a question to its answer (hits answered inline count in the first bucket)."},
    MetricFamily{"ternd_dnstap_messages_total", MetricKind::counter, "result", "",
                 "dnstap messages queued for the collector (sent) and dropped because a worker's queue was full."},
};

using D = DaemonStats;
using R = resolver::ResolverStats;
using CS = cache::CacheStats;
constexpr CounterRole total = CounterRole::total;

// The counters, in `ternctl stats` order. Their keys are stable: monitoring scripts parse them.
constexpr std::array table{
    Counter{"workers", "ternd_workers", "", "The number of worker threads.",
            [](const CounterSources& s) { return one(s.daemon.size()); }},
    Counter{"version", "ternd_build_info", "", "ternd's version.",
            [](const CounterSources& s) { return Samples{{s.version, {1}}}; }},
    Counter{"process.start-time", "process_start_time_seconds", "", "When ternd started, in seconds since the Unix epoch.",
            [](const CounterSources& s) { return one(static_cast<std::uint64_t>(std::max<std::int64_t>(s.start_time, 0))); }},
    Counter{"queries.{}", "ternd_queries_total", "", "Client queries received over UDP, plain TCP, DNS over TLS and DNS over HTTPS.",
            queries_by_transport},
    Counter{"queries.total", "ternd_queries_total", "", "Client queries received over every transport.", queries_total,
            total},
    Counter{"queries.internal-errors", "ternd_internal_errors_total", "",
            "Queries whose handling threw an exception (a bug: answered SERVFAIL, or dropped when the query is "
            "unreadable), and client coroutines an exception ended; each is logged.",
            daemon_sum<&D::internal_errors>},
    Counter{"worker.{}.queries", "ternd_worker_queries_total", "",
            "Client queries received by each worker thread (numbered from 0).", queries_by_worker},
    Counter{"responses.{}", "ternd_responses_total", "",
            "Responses sent, by response code; badvers is the extended rcode 16 (RFC 6891), for queries with an EDNS "
            "version other than 0.",
            responses_by_rcode},
    Counter{"cache.hits", "ternd_cache_results_total", "hit", "Client questions answered from the answer cache.",
            daemon_sum<&D::cache_hits>},
    Counter{"cache.misses", "ternd_cache_results_total", "miss", "Client questions that needed a resolution.",
            daemon_sum<&D::cache_misses>},
    Counter{"malformed.{}", "ternd_malformed_queries_total", "", "Queries that failed the wire check, by reason.",
            malformed_by_reason},
    Counter{"dropped.unreadable", "ternd_dropped_total", "unreadable",
            "Packets dropped without an answer: shorter than a DNS header or (over UDP) longer than 4096 octets.",
            daemon_sum<&D::dropped_unreadable>},
    Counter{"dropped.responses", "ternd_dropped_total", "response",
            "Responses (QR=1) sent to ternd, dropped: reflection or spoofing.", daemon_sum<&D::dropped_responses>},
    Counter{"acl.refused", "ternd_acl_refused_total", "", "Queries answered REFUSED by access-control.",
            daemon_sum<&D::acl_refused>},
    Counter{"acl.dropped", "ternd_dropped_total", "acl", "Queries dropped by access-control (deny).",
            daemon_sum<&D::acl_dropped>},
    Counter{"ratelimit.dropped", "ternd_dropped_total", "ratelimit", "UDP queries over ip-ratelimit, dropped.",
            daemon_sum<&D::ratelimit_dropped>},
    Counter{"ratelimit.slipped", "ternd_ratelimit_slipped_total", "",
            "UDP queries over ip-ratelimit answered with an empty truncated (TC=1) reply (every ip-ratelimit-slip'th "
            "one); see ternd.yaml(5).",
            daemon_sum<&D::ratelimit_slipped>},
    Counter{"proxy.accepted", "ternd_proxy_headers_total", "",
            "PROXY v2 headers accepted from proxy-protocol-from (one per UDP query, one per TCP connection).",
            daemon_sum<&D::proxy_accepted>},
    Counter{"proxy.dropped-missing", "ternd_dropped_total", "proxy_missing",
            "UDP queries and TCP connections from proxy-protocol-from without a valid PROXY v2 header, dropped.",
            daemon_sum<&D::proxy_dropped_missing>},
    Counter{"proxy.dropped-unexpected", "ternd_dropped_total", "proxy_unexpected",
            "UDP queries and TCP connections carrying a PROXY v2 header from an address not in proxy-protocol-from, "
            "dropped.",
            daemon_sum<&D::proxy_dropped_unexpected>},
    Counter{"local.answers", "ternd_local_answers_total", "",
            "Queries answered by ternd itself from a local zone (the built-in special-use and private zones, "
            "local-zone, local-data).",
            daemon_sum<&D::local_answers>},
    Counter{"local.dropped", "ternd_dropped_total", "local", "Queries dropped by a deny local zone.",
            daemon_sum<&D::local_dropped>},
    Counter{"rpz.rewrites", "ternd_rpz_rewrites_total", "",
            "Queries a response policy zone (rpz) trigger matched, whatever its action (passthru included); "
            "ternctl rpz shows them by zone and trigger.",
            daemon_sum<&D::rpz_rewrites>},
    Counter{"rpz.dropped", "ternd_dropped_total", "rpz", "Queries dropped by a policy zone's rpz-drop. action.",
            daemon_sum<&D::rpz_drops>},
    Counter{"udp.truncated", "ternd_udp_truncated_total", "", "UDP answers sent with TC=1 because they did not fit.",
            daemon_sum<&D::truncated_udp>},
    Counter{"udp.receive-calls", "ternd_udp_receive_calls_total", "",
            "recvmmsg calls on the listening sockets that returned datagrams: UDP queries divided by this is the mean "
            "batch a call read (at most udp-batch-size; near 1 when idle, larger under load).",
            daemon_sum<&D::udp_receive_calls>},
    Counter{"answers.stale", "ternd_cache_results_total", "stale",
            "Answers given from expired data (serve-stale, RFC 8767).", daemon_sum<&D::stale_answers>},
    Counter{"prefetch.started", "ternd_cache_results_total", "prefetch",
            "Background refreshes started by prefetch (cache hits near expiry).", daemon_sum<&D::prefetches>},
    Counter{"tcp.accepted", "ternd_tcp_accepted_total", "", "Client TCP connections accepted.",
            daemon_sum<&D::tcp_accepted>},
    Counter{"tcp.rejected", "ternd_tcp_rejected_total", "",
            "Client TCP connections refused over tcp-max-connections or tcp-max-connections-per-client.",
            daemon_sum<&D::tcp_rejected>},
    Counter{"tcp.idle-closed", "ternd_tcp_idle_closed_total", "",
            "Connections closed for idleness (DNS-over-TLS connections included).", daemon_sum<&D::tcp_idle_closed>},
    Counter{"tcp.bad-frames", "ternd_tcp_bad_frames_total", "",
            "Connections closed for broken framing (DNS-over-TLS connections included).",
            daemon_sum<&D::tcp_bad_frames>},
    Counter{"tcp.pressure-closed", "ternd_tcp_pressure_closed_total", "",
            "Connections closed for idleness under connection pressure: idle past the shortened timeout (more than "
            "half of tcp-max-connections or tls-max-connections open) but not past tcp-idle-timeout "
            "(DNS-over-TLS connections included).",
            daemon_sum<&D::tcp_pressure_closed>},
    Counter{"tcp.evicted", "ternd_tcp_evicted_total", "",
            "Client TCP connections closed, with every slot of tcp-max-connections taken, to admit a connection "
            "from an address holding at least two fewer: the idlest connection of the address holding the most.",
            daemon_sum<&D::tcp_evicted>},
    Counter{"tls.accepted", "ternd_tls_accepted_total", "", "DNS-over-TLS connections admitted.",
            daemon_sum<&D::tls_accepted>},
    Counter{"tls.rejected", "ternd_tls_rejected_total", "",
            "DNS-over-TLS connections refused over tls-max-connections or tls-max-connections-per-client.",
            daemon_sum<&D::tls_rejected>},
    Counter{"tls.evicted", "ternd_tls_evicted_total", "",
            "DNS-over-TLS connections closed, with every slot of tls-max-connections taken, to admit a connection "
            "from an address holding at least two fewer: the idlest connection of the address holding the most.",
            daemon_sum<&D::tls_evicted>},
    Counter{"tls.handshake-failures", "ternd_tls_handshake_failures_total", "",
            "DNS-over-TLS handshakes that failed (an old TLS version, no shared cipher suite, not TLS at all).",
            daemon_sum<&D::tls_handshake_failures>},
    Counter{"tls.handshake-timeouts", "ternd_tls_handshake_timeouts_total", "",
            "DNS-over-TLS handshakes that took longer than tls-handshake-timeout.",
            daemon_sum<&D::tls_handshake_timeouts>},
    Counter{"tls.resumed", "ternd_tls_resumed_total", "", "Handshakes that resumed a session from a ticket.",
            daemon_sum<&D::tls_resumed>},
    Counter{"tls.early-data-accepted", "ternd_tls_early_data_accepted_total", "",
            "Handshakes whose TLS 1.3 early data (0-RTT queries) was accepted (only with tls-early-data on).",
            daemon_sum<&D::tls_early_data_accepted>},
    Counter{"https.status.{}", "ternd_https_responses_total", "",
            "DNS-over-HTTPS responses by HTTP status: 200 answered; 400 bad base64url or not a DNS query; 404 another "
            "path than https-endpoint; 405 another method than GET or POST; 413 a message over 65535 octets; 415 "
            "another content type; 425 a POST in TLS 1.3 early data; 431 headers over 16 KiB.",
            https_by_status},
    Counter{"https.reset-floods", "ternd_https_reset_floods_total", "",
            "DNS-over-HTTPS connections closed (GOAWAY ENHANCE_YOUR_CALM) for resetting streams faster than the "
            "bound (HTTP/2 rapid reset, CVE-2023-44487).",
            daemon_sum<&D::https_reset_floods>},
    Counter{"https.protocol-errors", "ternd_https_protocol_errors_total", "",
            "DNS-over-HTTPS connections closed for breaking HTTP/2 (no connection preface, malformed frames).",
            daemon_sum<&D::https_protocol_errors>},
    Counter{"upstream.queries", "ternd_upstream_queries_total", "",
            "Queries to authoritative servers that the walks asked for.", resolver_sum<&R::upstream_queries>},
    Counter{"upstream.shared", "ternd_upstream_shared_total", "",
            "Of upstream.queries, those not sent because an identical query (same server, question and options) was "
            "already in flight in the same worker: they got its answer. Many client questions walking into the same "
            "zone at once (a cold cache under load) share their referral and NS address lookups this way.",
            resolver_sum<&R::upstream_shared>},
    Counter{"upstream.timeouts", "ternd_upstream_timeouts_total", "", "Upstream queries without an answer in time.",
            resolver_sum<&R::upstream_timeouts>},
    Counter{"upstream.unreachable", "ternd_upstream_unreachable_total", "",
            "Upstream queries to servers that could not be reached.", resolver_sum<&R::upstream_unreachable>},
    Counter{"upstream.tcp-fallbacks", "ternd_upstream_tcp_fallbacks_total", "",
            "Questions asked again over TCP after a truncated UDP reply.", resolver_sum<&R::tcp_fallbacks>},
    Counter{"upstream.mismatched", "ternd_upstream_spoof_near_misses_total", "",
            "Replies ignored because ID, address or question did not match, the question's 0x20 case was not echoed, "
            "or the client cookie was not ours (spoofing attempts look like these).",
            resolver_sum<&R::mismatched_replies>},
    Counter{"upstream.malformed", "ternd_upstream_malformed_total", "", "Replies ignored because they failed the wire check.",
            resolver_sum<&R::malformed_replies>},
    Counter{"upstream.scrubbed", "ternd_upstream_scrubbed_total", "",
            "Records removed from replies as out of bailiwick or otherwise untrusted.",
            resolver_sum<&R::scrubbed_records>},
    Counter{"upstream.caps-fallbacks", "ternd_upstream_caps_fallbacks_total", "",
            "Servers found not to echo the 0x20 case (use-caps-for-id) when checked over TCP, asked without it from "
            "then on.",
            resolver_sum<&R::caps_fallbacks>},
    Counter{"upstream.badcookie-retries", "ternd_upstream_badcookie_retries_total", "",
            "BADCOOKIE replies answered by asking again with the server's new cookie (RFC 7873).",
            resolver_sum<&R::badcookie_retries>},
    Counter{"resolver.coalesced", "ternd_resolver_coalesced_total", "",
            "Client questions that waited on an identical resolution in flight instead of starting one.",
            resolver_sum<&R::coalesced>},
    Counter{"resolver.limit-hits", "ternd_resolver_limit_hits_total", "",
            "Resolutions ended by a budget (upstream queries, referrals, CNAME links, server-name lookups).",
            resolver_sum<&R::limit_hits>},
    Counter{"answers.secure", "ternd_dnssec_answers_total", "secure",
            "Resolved answers validated secure: a chain of signatures from a trust anchor (AD=1 for clients that "
            "set DO or AD).",
            resolver_sum<&R::answers_secure>},
    Counter{"answers.insecure", "ternd_dnssec_answers_total", "insecure",
            "Resolved answers proven insecure: an unsigned delegation proven by NSEC/NSEC3, an unsupported "
            "algorithm, or a name under domain-insecure.",
            resolver_sum<&R::answers_insecure>},
    Counter{"answers.indeterminate", "ternd_dnssec_answers_total", "indeterminate",
            "Resolved answers not validated: dnssec off, CD=1, or no trust anchor above the name.",
            resolver_sum<&R::answers_indeterminate>},
    Counter{"answers.bogus", "ternd_dnssec_answers_total", "bogus",
            "Resolved answers that failed validation, answered SERVFAIL with an Extended DNS Error (the "
            "bogus.REASON counters say which).",
            resolver_sum<&R::answers_bogus>},
    Counter{"bogus.signature-expired", "ternd_dnssec_bogus_total", "signature-expired",
            "Bogus answers whose signatures had expired (EDE 7).", resolver_sum<&R::bogus_signature_expired>},
    Counter{"bogus.signature-not-yet-valid", "ternd_dnssec_bogus_total", "signature-not-yet-valid",
            "Bogus answers whose signatures were not valid yet (EDE 8).",
            resolver_sum<&R::bogus_signature_not_yet_valid>},
    Counter{"bogus.dnskey-missing", "ternd_dnssec_bogus_total", "dnskey-missing",
            "Bogus answers for which no DNSKEY matched the DS or signed the data (EDE 9).",
            resolver_sum<&R::bogus_dnskey_missing>},
    Counter{"bogus.rrsigs-missing", "ternd_dnssec_bogus_total", "rrsigs-missing",
            "Bogus answers from a signed zone without the RRSIGs that should cover them (EDE 10).",
            resolver_sum<&R::bogus_rrsigs_missing>},
    Counter{"bogus.no-zone-key-bit", "ternd_dnssec_bogus_total", "no-zone-key-bit",
            "Bogus answers signed by a key without the Zone Key bit (EDE 11).",
            resolver_sum<&R::bogus_no_zone_key_bit>},
    Counter{"bogus.nsec-missing", "ternd_dnssec_bogus_total", "nsec-missing",
            "Bogus negative answers without the NSEC/NSEC3 proof they need (EDE 12).",
            resolver_sum<&R::bogus_nsec_missing>},
    Counter{"bogus.other", "ternd_dnssec_bogus_total", "other",
            "Bogus answers for any other reason: signatures that do not verify, a validation budget hit (EDE 6).",
            resolver_sum<&R::bogus_other>},
    Counter{"dnssec.limit-hits", "ternd_dnssec_validation_limit_hits_total", "",
            "Validations ended by a budget of resolver/limits.hpp: signatures per query (KeyTrap, CVE-2023-50387), "
            "NSEC3 hash computations (CVE-2023-50868), DS-match failures; the answer is bogus.",
            resolver_sum<&R::validation_limit_hits>},
    Counter{"dnssec.insecure-unsupported", "ternd_dnssec_insecure_unsupported_total", "",
            "Zones treated as insecure for an algorithm or DS digest tern cannot check (EDE 1, 2) or more than 150 "
            "NSEC3 iterations (EDE 27, RFC 9276).",
            resolver_sum<&R::insecure_unsupported>},
    Counter{"dnssec.aggressive-nsec", "ternd_dnssec_aggressive_nsec_answers_total", "",
            "NXDOMAIN and NODATA answers given from a cached, validated NSEC/NSEC3 record with no query sent "
            "(aggressive-nsec, RFC 8198).",
            resolver_sum<&R::aggressive_nsec_answers>},
    Counter{"l2.hits", "ternd_l2_lookups_total", "hit",
            "Cache misses answered from the second-level cache (redis-server) with no walk.",
            resolver_sum<&R::l2_hits>},
    Counter{"l2.misses", "ternd_l2_lookups_total", "miss",
            "Second-level cache lookups that found no live value (then ternd walks).",
            resolver_sum<&R::l2_misses>},
    Counter{"l2.errors", "ternd_l2_lookups_total", "error",
            "Second-level cache lookups that failed: an error reply, no connection, or too many commands pending.",
            resolver_sum<&R::l2_errors>},
    Counter{"l2.timeouts", "ternd_l2_lookups_total", "timeout",
            "Second-level cache lookups without a reply within redis-timeout.",
            resolver_sum<&R::l2_timeouts>},
    Counter{"l2.dropped", "ternd_l2_lookups_total", "dropped",
            "Values read from Redis that failed the checks (malformed, the wire check, another question, a wrong "
            "rcode or impossible times): never served, the question is walked.",
            resolver_sum<&R::l2_dropped>},
    Counter{"l2.skipped", "ternd_l2_lookups_total", "skipped",
            "Second-level cache lookups not sent because the circuit breaker was open.",
            resolver_sum<&R::l2_skipped>},
    Counter{"l2.stores", "ternd_l2_stores_total", "ok", "Answers written to the second-level cache.",
            resolver_sum<&R::l2_stores>},
    Counter{"l2.store-errors", "ternd_l2_stores_total", "failed",
            "Answers not written to the second-level cache: an error, the breaker open, or too much pending.",
            resolver_sum<&R::l2_store_errors>},
    Counter{"l2.breaker-opened", "ternd_l2_breaker_opened_total", "",
            "Times a worker's Redis circuit breaker opened after redis-breaker-failures errors or timeouts in a row "
            "(or a failed probe).",
            resolver_sum<&R::l2_breaker_opened>},
    Counter{"l2.breaker-open", "ternd_l2_breaker_open", "",
            "Workers whose Redis circuit breaker is open now (a gauge): they skip Redis until a probe succeeds.",
            resolver_sum<&R::l2_breaker_open>},
    Counter{"resolver.in-flight", "ternd_resolutions_in_flight", "",
            "Resolutions running now: the questions in the in-flight table, which the workers share (a gauge).",
            [](const CounterSources& s) { return one(s.resolutions_in_flight); }},
    Counter{"resolutions.admitted", "ternd_resolutions_admitted", "",
            "Client questions waiting on a resolution now, all workers together (a gauge): each worker admits at "
            "most max-resolutions-per-worker; cache hits never count.",
            daemon_sum<&D::resolutions_admitted>},
    Counter{"resolutions.jostled", "ternd_resolutions_shed_total", "jostled",
            "Client questions that had waited at least resolution-jostle-timeout and gave way to a newer one when "
            "max-resolutions-per-worker was reached: their walk was cancelled, their client answered SERVFAIL (EDE 0, "
            "\"resolver busy\"). Prefetches and serve-stale rechecks that gave way count here too.",
            daemon_sum<&D::resolutions_jostled>},
    Counter{"resolutions.refused", "ternd_resolutions_shed_total", "refused",
            "Client questions answered SERVFAIL (EDE 0, \"resolver busy\") at once because max-resolutions-per-worker "
            "was reached and no waiting one was old enough to give way; prefetches and serve-stale rechecks not "
            "started for want of a free place count here too (their clients got their answer).",
            daemon_sum<&D::resolutions_refused>},
    Counter{"resolver.in-flight-memory", "ternd_resolutions_memory_bytes", "",
            "An estimate of the heap that resolutions in flight hold, in bytes (a gauge): resolutions.admitted times "
            "a per-question figure measured with tests/bench/flight_flood.sh (coroutine frames, the parsed query, the "
            "walk's state, buffers) plus a figure per open upstream socket. 0 when nothing waits.",
            in_flight_memory},
    Counter{"upstream.sockets", "ternd_upstream_sockets", "",
            "Sockets open towards authoritative servers now, UDP and TCP, all workers together (a gauge); at most "
            "max-upstream-sockets-per-worker per worker.",
            sockets_sum<&resolver::SocketBudget::open>},
    Counter{"upstream.socket-waits", "ternd_upstream_socket_waits_total", "",
            "Upstream queries that found every socket of their worker taken and waited for one.",
            sockets_sum<&resolver::SocketBudget::waits>},
    Counter{"upstream.socket-timeouts", "ternd_upstream_socket_timeouts_total", "",
            "Of those, queries that got no socket within their own timeout: the walk counts them as timeouts.",
            sockets_sum<&resolver::SocketBudget::timeouts>},
    Counter{"process.resident-bytes", "process_resident_memory_bytes", "",
            "ternd's resident memory (RSS) in bytes, from /proc/self/statm (a gauge; 0 in a chroot without /proc).",
            [](const CounterSources& s) { return one(s.process.resident_bytes); }},
    Counter{"process.open-fds", "process_open_fds", "",
            "ternd's open file descriptors, from /proc/self/fd (a gauge; 0 in a chroot without /proc).",
            [](const CounterSources& s) { return one(s.process.open_fds); }},
    Counter{"process.heap-bytes", "process_heap_bytes", "",
            "Heap in use by ternd in bytes, from mallinfo2 (a gauge): the caches, resolutions in flight, buffers. "
            "RSS above it is memory the allocator keeps for reuse.",
            [](const CounterSources& s) { return one(s.process.heap_bytes); }},
    Counter{"cache.{}.entries", "ternd_cache_entries", "",
            "For each cache (rrset, answer, infra, failure; the failure cache holds the questions and zones whose "
            "resolution failed recently, RFC 9520): the entries it holds (a gauge).",
            per_cache<&CS::entries>},
    Counter{"cache.{}.bytes", "ternd_cache_bytes", "", "The approximate memory each cache holds (a gauge).",
            per_cache<&CS::bytes>},
    Counter{"cache.{}.evictions", "ternd_cache_evictions_total", "",
            "Live entries pushed out by the memory budget (least recently used first).", per_cache<&CS::evictions>},
    Counter{"cache.{}.expired", "ternd_cache_expired_total", "", "Expired entries reclaimed.", per_cache<&CS::expired>},
    Counter{"cache.{}.contention", "ternd_cache_contention_total", "",
            "Lock acquisitions on the cache's shards that had to wait for another thread, summed over the shards.",
            per_cache<&CS::contention>},
    Counter{"cache.{}.shards", "ternd_cache_shards", "", "The number of shards of each cache (a gauge).", cache_shards},
    Counter{"cache.{}.contention-by-shard", "ternd_cache_shard_contention_total", "",
            "The same waits shard by shard, comma-separated, shard 0 first (in the metrics, one series per shard): "
            "one hot shard (a hot name, or keys that collide) stands out against the others.",
            cache_shard_contention},
    Counter{"cache.failure.hits", "ternd_cache_failure_hits_total", "",
            "Client questions answered SERVFAIL (Extended DNS Error 13, Cached Error) from a remembered resolution "
            "failure, without an upstream query (RFC 9520; see cache-min-failure-ttl in ternd.yaml(5)).",
            [](const CounterSources& s) { return one(s.failure_hits); }},
    Counter{"cache.shards", "ternd_cache_shards", "", "The shards of the four caches together.", summed<cache_shards>,
            total},
    Counter{"cache.contention", "ternd_cache_contention_total", "", "The contention of the four caches together.",
            summed<per_cache<&CS::contention>>, total},
    Counter{"query-duration", "ternd_query_duration_seconds", "",
            "Time from reading a question to its answer, as a cumulative histogram: query-duration.le-BOUNDus counts "
            "the answers given within BOUND microseconds, query-duration.sum-us their total time, "
            "query-duration.count their number. A hit answered inline on the hot path is counted in the first bucket "
            "without a clock reading, so that the counters cost the hot path nothing (with the query log on, its time "
            "is measured).",
            query_duration},
    Counter{"dnstap.sent", "ternd_dnstap_messages_total", "sent",
            "dnstap messages queued for the collector (dnstap-socket, dnstap-address); fstrm's thread writes them "
            "while the collector is connected and discards them while it is not.",
            daemon_sum<&D::dnstap_sent>},
    Counter{"dnstap.dropped", "ternd_dnstap_messages_total", "dropped",
            "dnstap messages dropped because the worker's queue (4096 messages) was full: the collector reads more "
            "slowly than ternd answers, or has stopped reading. Workers never wait for it.",
            daemon_sum<&D::dnstap_dropped>},
};

}  // namespace

std::span<const MetricFamily> metric_families() { return families; }

std::span<const Counter> counters() { return table; }

const MetricFamily& find_family(std::string_view name) {
  for (const MetricFamily& family : families) {
    if (family.name == name) return family;
  }
  throw std::logic_error("counters table: no metric family " + std::string(name));
}

std::string stats_key(const Counter& counter, const CounterSample& sample) {
  std::string key(counter.key);
  if (auto at = key.find("{}"); at != std::string::npos) key.replace(at, 2, sample.label);
  return key;
}

std::string_view label_value(const Counter& counter, const CounterSample& sample) {
  return sample.label.empty() ? counter.label_value : std::string_view(sample.label);
}

}  // namespace tern::daemon
