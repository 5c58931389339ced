// The one table of ternd's counters: each is declared once (counters_table.cpp) with its
// `ternctl stats` key, its Prometheus metric family (name, kind, labels, HELP) and its text.
// `ternctl stats` and the /metrics exposition (counters_render.hpp) and the counter lists of
// ternctl(8) and ternd(8) (counters_doc.hpp) are all generated from it, so they cannot drift
// apart (they had: 45 stats keys were once missing from the metrics).
#pragma once

#include "cache/sharded_cache.hpp"
#include "daemon/observe/daemon_stats.hpp"
#include "daemon/observe/process_gauges.hpp"
#include "resolver/resolver.hpp"
#include "resolver/socket_budget.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::daemon {

/// What a metric family is in the Prometheus text format. `info` is exposed as a gauge whose
/// one sample is 1 and whose label carries the value (ternd_build_info{version="..."} 1); in
/// `ternctl stats` its key's value is that label.
enum class MetricKind { counter, gauge, histogram, info };

/// The caches the counters report on, in this order (the `cache` label's values).
inline constexpr std::array<std::string_view, 4> counted_caches{"rrset", "answer", "infra", "failure"};

/// One cache as one report reads it: once, so that every line about it agrees.
struct CacheSnapshot {
  std::string name;  ///< rrset, answer, infra, failure
  cache::CacheStats stats;
  std::vector<std::uint64_t> shard_contention;  ///< lock waits per shard, shard 0 first
};

/// Everything the counters of one report are read from; filled by daemon/control.
struct CounterSources {
  std::vector<const DaemonStats*> daemon;                ///< one per worker
  std::vector<const resolver::ResolverStats*> resolver;  ///< one per worker
  std::vector<CacheSnapshot> caches;                     ///< rrset, answer, infra, failure
  std::uint64_t failure_hits = 0;           ///< questions answered from a remembered failure
  std::uint64_t resolutions_in_flight = 0;  ///< walks in the in-flight table now
  std::vector<const resolver::SocketBudget*> sockets;  ///< one per worker: upstream sockets
  ProcessGauges process;                    ///< RSS, descriptors, heap, read for this report
  std::int64_t start_time = 0;              ///< when ternd started, seconds since the epoch
  std::string version;                      ///< ternd's version
};

/// One sample of a counter: its label's value ("" for the counter's fixed one, or when the
/// family has no label) and its value; a family with an index label has one value per index
/// (one per shard), other families exactly one.
struct CounterSample {
  std::string label;
  std::vector<std::uint64_t> values;
};

/// Reads a counter's samples from the sources; a histogram's are its cumulative buckets
/// (labels: the upper bound in microseconds, "+Inf" last), then "sum" (microseconds), "count".
using CounterReader = std::vector<CounterSample> (*)(const CounterSources&);

/// One metric family of the exposition: HELP and TYPE once, then the samples of its counters.
struct MetricFamily {
  std::string_view name;         ///< ends in _total exactly when kind is counter
  MetricKind kind;
  std::string_view label;        ///< the label telling its counters' samples apart; "" = none
  std::string_view index_label;  ///< a second label numbering a sample's values; "" = none
  std::string_view help;         ///< the HELP line
};

/// Whether a counter has series of its own in the exposition.
enum class CounterRole {
  series,  ///< its samples are series of its family
  total,   ///< a stats-only sum of its family's series: Prometheus sums for itself
};

/// One `ternctl stats` key, or one per label value, and where it is in /metrics.
struct Counter {
  std::string_view key;          ///< the stats key; "{}" stands for the sample's label value
  std::string_view family;       ///< the MetricFamily it is a series of (or, a total, sums)
  std::string_view label_value;  ///< its fixed value of the family's label; "" = the reader's
  std::string_view help;         ///< what it counts: the man page's text
  CounterReader read;            ///< never null
  CounterRole role = CounterRole::series;
};

/// Every metric family, in exposition order.
std::span<const MetricFamily> metric_families();

/// Every counter, in `ternctl stats` order.
std::span<const Counter> counters();

/// The family named `name`; throws std::logic_error when there is none (a bug in the table).
const MetricFamily& find_family(std::string_view name);

/// The stats key of one sample of `counter`: its key with "{}" replaced by the sample's label.
std::string stats_key(const Counter& counter, const CounterSample& sample);

/// The label value of one sample in the exposition: the sample's, else the counter's fixed one.
std::string_view label_value(const Counter& counter, const CounterSample& sample);

}  // namespace tern::daemon
