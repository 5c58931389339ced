// Counters of the client side of one worker; atomics so the control side can read them from
// another thread while the worker runs. Counters only ever go up (resolutions_admitted, a
// gauge, is the one exception, and says so).
#pragma once

#include "resolver/dns/wire_check.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace tern::daemon {

struct DaemonStats {
  std::atomic<std::uint64_t> queries_udp{0};
  std::atomic<std::uint64_t> queries_tcp{0};  ///< plain TCP only
  std::atomic<std::uint64_t> queries_tls{0};  ///< DNS over TLS (RFC 7858)
  std::atomic<std::uint64_t> queries_https{0};  ///< DNS over HTTPS (RFC 8484)
  /// Index: the header's rcode (0..15), and 16 for BADVERS, the one extended rcode (RFC 6891)
  /// ternd sends: its header bits read 0, so it is counted where it is made.
  std::array<std::atomic<std::uint64_t>, 17> responses_by_rcode{};
  std::atomic<std::uint64_t> cache_hits{0};
  std::atomic<std::uint64_t> cache_misses{0};
  std::atomic<std::uint64_t> dropped_unreadable{0};  ///< shorter than a header, or a UDP datagram over 4096 octets: no reply
  std::atomic<std::uint64_t> dropped_responses{0};   ///< QR=1 sent to us: reflection, dropped
  /// Queries whose handling threw (a bug, or memory exhausted): answered SERVFAIL when their ID
  /// and question were readable, else dropped; and client coroutines an exception ended.
  std::atomic<std::uint64_t> internal_errors{0};
  std::array<std::atomic<std::uint64_t>, dns::wire_error_count> malformed{};  ///< by WireError
  std::atomic<std::uint64_t> acl_refused{0};
  std::atomic<std::uint64_t> acl_dropped{0};
  std::atomic<std::uint64_t> ratelimit_dropped{0};   ///< UDP queries over ip-ratelimit, not answered
  std::atomic<std::uint64_t> ratelimit_slipped{0};   ///< UDP queries over ip-ratelimit answered TC=1 (ip-ratelimit-slip)
  std::atomic<std::uint64_t> proxy_accepted{0};      ///< PROXY v2 headers taken from proxy-protocol-from (datagrams, connections)
  std::atomic<std::uint64_t> proxy_dropped_missing{0};     ///< from proxy-protocol-from without a valid header: dropped
  std::atomic<std::uint64_t> proxy_dropped_unexpected{0};  ///< a header from an address not in proxy-protocol-from: dropped
  std::atomic<std::uint64_t> local_answers{0};       ///< answered from local zones (local-zone/local-data)
  std::atomic<std::uint64_t> local_dropped{0};       ///< dropped by a deny local zone
  std::atomic<std::uint64_t> rpz_rewrites{0};        ///< answers a response policy zone decided (passthru included)
  std::atomic<std::uint64_t> rpz_drops{0};           ///< queries a policy zone's rpz-drop. dropped
  std::atomic<std::uint64_t> truncated_udp{0};       ///< answers sent with TC=1
  std::atomic<std::uint64_t> udp_receive_calls{0};   ///< recvmmsg calls that returned datagrams (udp-batch-size)
  std::atomic<std::uint64_t> stale_answers{0};       ///< RFC 8767 answers from expired data
  std::atomic<std::uint64_t> prefetches{0};          ///< background refreshes started by hits
  std::atomic<std::uint64_t> tcp_accepted{0};
  std::atomic<std::uint64_t> tcp_rejected{0};        ///< over tcp-max-connections
  std::atomic<std::uint64_t> tcp_idle_closed{0};
  /// Idle past the timeout shortened under pressure, not past tcp-idle-timeout (TCP and DoT).
  std::atomic<std::uint64_t> tcp_pressure_closed{0};
  std::atomic<std::uint64_t> tcp_evicted{0};         ///< closed, all slots taken, for an address holding fewer
  std::atomic<std::uint64_t> tcp_bad_frames{0};      ///< zero-length or unparsable framing (TCP and DoT)
  std::atomic<std::uint64_t> tls_accepted{0};        ///< DoT connections admitted (handshake not yet done)
  std::atomic<std::uint64_t> tls_rejected{0};        ///< over tls-max-connections[-per-client]
  std::atomic<std::uint64_t> tls_evicted{0};         ///< closed, all slots taken, for an address holding fewer
  std::atomic<std::uint64_t> tls_handshake_failures{0};  ///< bad ClientHello, old TLS, no shared suite ...
  std::atomic<std::uint64_t> tls_handshake_timeouts{0};  ///< stalled past tls-handshake-timeout
  std::atomic<std::uint64_t> tls_resumed{0};         ///< handshakes that resumed a session (ticket)
  std::atomic<std::uint64_t> tls_early_data_accepted{0};  ///< handshakes whose 0-RTT data was taken
  /// DoH responses by HTTP status, in the order of doh_statuses (doh_request.hpp): 200, 400,
  /// 404, 405, 413, 415, 425, 431.
  std::array<std::atomic<std::uint64_t>, 8> https_status{};
  std::atomic<std::uint64_t> https_reset_floods{0};     ///< connections closed for resetting streams too fast (CVE-2023-44487)
  std::atomic<std::uint64_t> https_protocol_errors{0};  ///< connections closed for breaking HTTP/2 (bad preface, bad frames)
  // The bound on resolutions in flight (daemon/answering/walk_admission.hpp).
  std::atomic<std::uint64_t> resolutions_jostled{0};  ///< waited past the jostle timeout, gave way to a newer one
  std::atomic<std::uint64_t> resolutions_refused{0};  ///< turned away: the bound reached, none old enough to give way
  /// A gauge, not a counter: resolutions admitted and not finished in this worker now.
  std::atomic<std::uint64_t> resolutions_admitted{0};
  std::atomic<std::uint64_t> dnstap_sent{0};     ///< dnstap payloads queued for the collector
  std::atomic<std::uint64_t> dnstap_dropped{0};  ///< dnstap payloads dropped: the worker's queue was full

  /// Latency histogram of answered questions (hits, misses, stale): upper bounds of the
  /// buckets in microseconds, and one more bucket for the rest (+Inf). Buckets are counted
  /// singly here; the metrics endpoint makes them cumulative.
  static constexpr std::array<std::uint64_t, 10> latency_bounds_us{
      500, 1000, 5000, 10000, 50000, 100000, 500000, 1000000, 2000000, 5000000};
  std::array<std::atomic<std::uint64_t>, latency_bounds_us.size() + 1> latency_buckets{};
  std::atomic<std::uint64_t> latency_sum_us{0};

  static void bump(std::atomic<std::uint64_t>& c) noexcept { c.fetch_add(1, std::memory_order_relaxed); }

  void observe_latency(std::chrono::microseconds latency) noexcept {
    const auto us = static_cast<std::uint64_t>(latency.count() < 0 ? 0 : latency.count());
    std::size_t bucket = 0;
    while (bucket < latency_bounds_us.size() && us > latency_bounds_us[bucket]) ++bucket;
    bump(latency_buckets[bucket]);
    latency_sum_us.fetch_add(us, std::memory_order_relaxed);
  }
};

/// The name of responses_by_rcode[index] in `ternctl stats` and the metrics: lower case, stable
/// (not ldns' spellings).
inline std::string rcode_stat_name(std::size_t index) {
  static constexpr std::array<std::string_view, 17> names{
      "noerror", "formerr", "servfail", "nxdomain", "notimp", "refused", "yxdomain", "yxrrset",
      "nxrrset", "notauth", "notzone", "rcode11", "rcode12", "rcode13", "rcode14", "rcode15",
      "badvers"};
  return index < names.size() ? std::string(names[index]) : "rcode" + std::to_string(index);
}

}  // namespace tern::daemon
