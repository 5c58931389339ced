// The counters table: every counter appears in `ternctl stats` and in the /metrics exposition
// with the same value, the table is consistent, the existing names stay, and the man pages
// hold the lists generated from it.
#include "daemon/observe/counters_doc.hpp"
#include "daemon/observe/counters_render.hpp"
#include "daemon/observe/counters_table.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace tern;
using namespace tern::daemon;

namespace {

/// Two workers' counters with distinct values, four caches, and the process facts.
struct Sources {
  DaemonStats worker0, worker1;
  resolver::ResolverStats resolver0, resolver1;
  CounterSources sources;

  Sources() {
    worker0.queries_udp = 5;
    worker1.queries_tcp = 3;
    worker1.queries_tls = 4;
    worker0.responses_by_rcode[3] = 2;
    worker1.responses_by_rcode[16] = 1;
    worker0.cache_hits = 7;
    worker1.malformed[static_cast<std::size_t>(dns::WireError::too_many_pointers)] = 2;
    worker0.local_dropped = 9;
    worker1.tls_resumed = 6;
    worker0.observe_latency(std::chrono::microseconds(700));
    worker1.observe_latency(std::chrono::microseconds(7000000));
    resolver0.upstream_queries = 10;
    resolver1.upstream_queries = 11;
    resolver1.badcookie_retries = 3;
    resolver0.answers_secure = 4;
    resolver1.answers_secure = 2;
    resolver1.answers_bogus = 5;
    resolver0.bogus_signature_expired = 3;
    sources.daemon = {&worker0, &worker1};
    sources.resolver = {&resolver0, &resolver1};
    for (std::size_t i = 0; i < counted_caches.size(); ++i) {
      cache::CacheStats stats{10 + i, 1000 + i, 20 + i, 30 + i, 5 + i};
      sources.caches.push_back({std::string(counted_caches[i]), stats, {1, i, 4}});
    }
    sources.failure_hits = 8;
    sources.resolutions_in_flight = 12;
    sources.start_time = 1765000000;
    sources.version = "1.2.3";
  }
};

/// `ternctl stats` as key -> value.
std::map<std::string, std::string> parse_stats(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    INFO(line);
    const auto eq = line.find('=');
    REQUIRE(eq != std::string::npos);
    CHECK(out.emplace(line.substr(0, eq), line.substr(eq + 1)).second);  // no key twice
  }
  return out;
}

/// The exposition's series as "name{labels}" -> value text, and the families with a TYPE line.
struct Scrape {
  std::map<std::string, std::string> series;
  std::map<std::string, std::string> types;
};

Scrape parse_exposition(const std::string& text) {
  Scrape out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    INFO(line);
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string name, type;
      words >> name >> type;
      CHECK(out.types.emplace(name, type).second);
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0) continue;
    const auto space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    std::string series = line.substr(0, space);
    if (series.find('{') == std::string::npos) series += "{}";
    CHECK(out.series.emplace(series, line.substr(space + 1)).second);  // no series twice
  }
  return out;
}

std::string labels_of(const MetricFamily& family, const Counter& counter, const CounterSample& sample) {
  return family.label.empty() ? "" : std::string(family.label) + "=\"" + std::string(label_value(counter, sample)) + "\"";
}

/// What one sample of `counter` must be in the exposition: series name -> value text.
std::map<std::string, std::string> expected_series(const MetricFamily& family, const Counter& counter,
                                                   const CounterSample& sample) {
  const std::string name(family.name);
  const std::string labels = labels_of(family, counter, sample);
  if (family.kind == MetricKind::histogram) {
    if (sample.label == "sum") return {{name + "_sum{}", micros_as_seconds(std::to_string(sample.values[0]))}};
    if (sample.label == "count") return {{name + "_count{}", std::to_string(sample.values[0])}};
    return {{name + "_bucket{le=\"" + micros_as_seconds(sample.label) + "\"}", std::to_string(sample.values[0])}};
  }
  if (family.kind == MetricKind::info) return {{name + "{" + labels + "}", "1"}};
  if (family.index_label.empty()) return {{name + "{" + labels + "}", std::to_string(sample.values.at(0))}};
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < sample.values.size(); ++i)
    out[name + "{" + labels + "," + std::string(family.index_label) + "=\"" + std::to_string(i) + "\"}"] =
        std::to_string(sample.values[i]);
  return out;
}

/// The stats lines one sample of `counter` must give: key -> value text.
std::map<std::string, std::string> expected_stats(const MetricFamily& family, const Counter& counter,
                                                  const CounterSample& sample) {
  const std::string key(counter.key);
  if (family.kind == MetricKind::histogram) {
    const std::string value = std::to_string(sample.values[0]);
    if (sample.label == "sum") return {{key + ".sum-us", value}};
    if (sample.label == "count") return {{key + ".count", value}};
    return {{key + ".le-" + (sample.label == "+Inf" ? std::string("inf") : sample.label + "us"), value}};
  }
  if (family.kind == MetricKind::info) return {{stats_key(counter, sample), sample.label}};
  std::string value;
  for (std::uint64_t v : sample.values) value += (value.empty() ? "" : ",") + std::to_string(v);
  return {{stats_key(counter, sample), value}};
}

/// The sum of every series of a family (a total's metric).
std::uint64_t family_sum(const Scrape& scrape, std::string_view family) {
  std::uint64_t total = 0;
  for (const auto& [series, value] : scrape.series)
    if (series.compare(0, family.size() + 1, std::string(family) + "{") == 0) total += std::stoull(value);
  return total;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// What a page holds between `.\" BEGIN GENERATED what` and its END marker.
std::string generated_section(const std::string& page, const std::string& what) {
  const std::string content = file_text(std::string(TERN_SOURCE_ROOT) + "/man/" + page);
  const std::string begin = ".\\\" BEGIN GENERATED " + what + "\n", end = ".\\\" END GENERATED " + what + "\n";
  const auto first = content.find(begin), last = content.find(end);
  REQUIRE(first != std::string::npos);
  REQUIRE(last != std::string::npos);
  return content.substr(first + begin.size(), last - first - begin.size());
}

}  // namespace

TEST_CASE("counters: every counter of the table is in ternctl stats and in the metrics, with one value",
          "[counters][metrics]") {
  Sources s;
  const auto stats = parse_stats(render_stats(s.sources));
  const Scrape scrape = parse_exposition(render_exposition(s.sources));
  std::size_t stats_lines = 0, series = 0;
  for (const Counter& counter : counters()) {
    INFO("counter " << counter.key);
    const MetricFamily& family = find_family(counter.family);
    CHECK(scrape.types.count(std::string(family.name)));
    const std::vector<CounterSample> samples = counter.read(s.sources);
    CHECK_FALSE(samples.empty());
    for (const CounterSample& sample : samples) {
      for (const auto& [key, value] : expected_stats(family, counter, sample)) {
        INFO("stats key " << key);
        REQUIRE(stats.count(key));
        CHECK(stats.at(key) == value);
        ++stats_lines;
      }
      if (counter.role == CounterRole::total) {
        CHECK(family_sum(scrape, family.name) == sample.values.at(0));
        continue;
      }
      for (const auto& [name, value] : expected_series(family, counter, sample)) {
        INFO("series " << name);
        REQUIRE(scrape.series.count(name));
        CHECK(scrape.series.at(name) == value);
        ++series;
      }
    }
  }
  // Nothing in either output that the table does not declare.
  CHECK(stats.size() == stats_lines);
  CHECK(scrape.series.size() == series);
}

TEST_CASE("counters: the values come from the right sources", "[counters]") {
  Sources s;
  const auto stats = parse_stats(render_stats(s.sources));
  CHECK(stats.at("version") == "1.2.3");
  CHECK(stats.at("process.start-time") == "1765000000");
  CHECK(stats.at("workers") == "2");
  CHECK(stats.at("queries.udp") == "5");
  CHECK(stats.at("queries.tcp") == "3");
  CHECK(stats.at("queries.tls") == "4");
  CHECK(stats.at("queries.total") == "12");
  CHECK(stats.at("worker.0.queries") == "5");
  CHECK(stats.at("worker.1.queries") == "7");
  CHECK(stats.at("responses.nxdomain") == "2");
  CHECK(stats.at("responses.badvers") == "1");
  CHECK(stats.at("cache.hits") == "7");
  CHECK(stats.at("malformed.too-many-pointers") == "2");
  CHECK_FALSE(stats.count("malformed.none"));
  CHECK(stats.at("local.dropped") == "9");
  CHECK(stats.at("tls.resumed") == "6");
  CHECK(stats.at("upstream.queries") == "21");
  CHECK(stats.at("upstream.badcookie-retries") == "3");
  CHECK(stats.at("answers.secure") == "6");
  CHECK(stats.at("answers.bogus") == "5");
  CHECK(stats.at("bogus.signature-expired") == "3");
  CHECK(stats.at("resolver.in-flight") == "12");
  CHECK(stats.at("cache.infra.entries") == "12");
  CHECK(stats.at("cache.failure.bytes") == "1003");
  CHECK(stats.at("cache.answer.evictions") == "21");
  CHECK(stats.at("cache.rrset.expired") == "30");
  CHECK(stats.at("cache.rrset.contention") == "5");
  CHECK(stats.at("cache.contention") == "26");
  CHECK(stats.at("cache.rrset.shards") == "3");
  CHECK(stats.at("cache.shards") == "12");
  CHECK(stats.at("cache.infra.contention-by-shard") == "1,2,4");
  CHECK(stats.at("cache.failure.hits") == "8");
  CHECK(stats.at("query-duration.le-500us") == "0");
  CHECK(stats.at("query-duration.le-1000us") == "1");
  CHECK(stats.at("query-duration.le-5000000us") == "1");
  CHECK(stats.at("query-duration.le-inf") == "2");
  CHECK(stats.at("query-duration.count") == "2");
  CHECK(stats.at("query-duration.sum-us") == "7000700");

  const std::string metrics = render_exposition(s.sources);
  const Scrape scrape = parse_exposition(metrics);
  CHECK(scrape.series.at("ternd_build_info{version=\"1.2.3\"}") == "1");
  CHECK(scrape.types.at("ternd_build_info") == "gauge");
  CHECK(scrape.series.at("process_start_time_seconds{}") == "1765000000");
  CHECK(scrape.series.at("ternd_queries_total{transport=\"tls\"}") == "4");
  CHECK(scrape.series.at("ternd_dropped_total{reason=\"local\"}") == "9");
  CHECK(scrape.series.at("ternd_resolutions_in_flight{}") == "12");
  CHECK(scrape.series.at("ternd_dnssec_answers_total{security=\"secure\"}") == "6");
  CHECK(scrape.series.at("ternd_dnssec_bogus_total{reason=\"signature-expired\"}") == "3");
  CHECK(scrape.types.at("ternd_resolutions_in_flight") == "gauge");
  CHECK(scrape.series.at("ternd_cache_shard_contention_total{cache=\"infra\",shard=\"2\"}") == "4");
  CHECK(scrape.series.at("ternd_query_duration_seconds_bucket{le=\"0.001000\"}") == "1");
  CHECK(scrape.series.at("ternd_query_duration_seconds_sum{}") == "7.000700");
  // Prometheus derives ratios from the counters: no since-start hit ratio.
  CHECK(metrics.find("ternd_cache_hit_ratio") == std::string::npos);
}

TEST_CASE("counters: the table is consistent", "[counters]") {
  std::set<std::string_view> family_names, keys, used;
  for (const MetricFamily& family : metric_families()) {
    INFO(family.name);
    CHECK(family_names.insert(family.name).second);
    const bool total_suffix = family.name.size() > 6 && family.name.substr(family.name.size() - 6) == "_total";
    CHECK(total_suffix == (family.kind == MetricKind::counter));  // the text format's rule
    CHECK_FALSE(family.help.empty());
    if (!family.index_label.empty()) CHECK_FALSE(family.label.empty());
    if (family.kind == MetricKind::info) CHECK_FALSE(family.label.empty());
  }
  for (const Counter& counter : counters()) {
    INFO(counter.key);
    CHECK(keys.insert(counter.key).second);
    CHECK_FALSE(counter.help.empty());
    CHECK(counter.read != nullptr);
    const MetricFamily& family = find_family(counter.family);
    const bool templated = counter.key.find("{}") != std::string_view::npos;
    if (counter.role == CounterRole::series) {
      used.insert(family.name);
      // A labelled family's series say which they are: by the reader's labels or a fixed one.
      if (!family.label.empty() && family.kind != MetricKind::info) CHECK(templated != !counter.label_value.empty());
      if (family.label.empty()) CHECK((!templated && counter.label_value.empty()));
    }
  }
  CHECK(used == family_names);  // every family has series
  CHECK_THROWS_AS(find_family("ternd_no_such_metric"), std::logic_error);
}

TEST_CASE("counters: the stats keys and metric names ternd had keep their names", "[counters]") {
  Sources s;
  const auto stats = parse_stats(render_stats(s.sources));
  for (const char* key :
       {"workers", "queries.udp", "queries.tcp", "queries.total", "responses.noerror", "responses.rcode15",
        "cache.hits", "cache.misses", "malformed.short-header", "malformed.trailing-data", "dropped.unreadable",
        "dropped.responses", "acl.refused", "acl.dropped", "ratelimit.dropped", "ratelimit.slipped", "local.answers",
        "local.dropped", "udp.truncated", "udp.receive-calls", "answers.stale", "prefetch.started", "tcp.accepted",
        "tcp.rejected", "tcp.idle-closed", "tcp.bad-frames", "tls.accepted", "tls.rejected", "tls.handshake-failures",
        "tls.handshake-timeouts", "tls.resumed", "tls.early-data-accepted", "upstream.queries", "upstream.shared",
        "upstream.timeouts", "upstream.unreachable", "upstream.tcp-fallbacks", "upstream.mismatched",
        "upstream.malformed", "upstream.scrubbed", "upstream.caps-fallbacks", "upstream.badcookie-retries",
        "resolver.coalesced", "resolver.limit-hits", "cache.rrset.entries", "cache.answer.bytes",
        "cache.infra.evictions", "cache.failure.expired", "cache.rrset.contention", "cache.answer.shards",
        "cache.infra.contention-by-shard", "cache.failure.hits", "cache.shards", "cache.contention"}) {
    INFO(key);
    CHECK(stats.count(key));
  }
  const Scrape scrape = parse_exposition(render_exposition(s.sources));
  for (const char* family :
       {"ternd_queries_total", "ternd_responses_total", "ternd_cache_results_total", "ternd_udp_receive_calls_total",
        "ternd_dropped_total", "ternd_ratelimit_slipped_total", "ternd_acl_refused_total",
        "ternd_upstream_queries_total", "ternd_upstream_shared_total", "ternd_upstream_timeouts_total",
        "ternd_upstream_unreachable_total", "ternd_upstream_tcp_fallbacks_total",
        "ternd_upstream_spoof_near_misses_total", "ternd_upstream_malformed_total", "ternd_cache_entries",
        "ternd_cache_bytes", "ternd_cache_evictions_total", "ternd_cache_expired_total",
        "ternd_cache_failure_hits_total", "ternd_query_duration_seconds", "ternd_worker_queries_total"}) {
    INFO(family);
    CHECK(scrape.types.count(family));
  }
  for (const char* series : {"ternd_dropped_total{reason=\"unreadable\"}", "ternd_dropped_total{reason=\"response\"}",
                             "ternd_dropped_total{reason=\"acl\"}", "ternd_dropped_total{reason=\"ratelimit\"}",
                             "ternd_cache_results_total{result=\"stale\"}",
                             "ternd_cache_results_total{result=\"prefetch\"}"}) {
    INFO(series);
    CHECK(scrape.series.count(series));
  }
}

TEST_CASE("counters: label values are escaped in the exposition", "[counters][metrics]") {
  Sources s;
  s.sources.version = "1.0 \"x\\y\"\n";
  CHECK(render_exposition(s.sources).find("ternd_build_info{version=\"1.0 \\\"x\\\\y\\\"\\n\"} 1\n") !=
        std::string::npos);
}

TEST_CASE("counters: the man pages hold the counter lists generated from the table", "[counters]") {
  INFO("run man/update-counters.sh to regenerate the sections");
  const std::string statistics = generated_section("ternctl.8", "COUNTERS");
  CHECK(statistics == counters_man_section());
  CHECK(generated_section("ternd.8", "METRICS") == metrics_man_section());
  // Every key and family is in them (roff writes '-' as "\-").
  auto roff = [](std::string_view text) {
    std::string out;
    for (char c : text) out += c == '-' ? std::string("\\-") : std::string(1, c);
    return out;
  };
  for (const Counter& counter : counters()) {
    INFO(counter.key);
    CHECK(statistics.find(roff(counter.key.substr(0, counter.key.find("{}")))) != std::string::npos);
    CHECK(statistics.find(std::string(counter.family)) != std::string::npos);
  }
  for (const MetricFamily& family : metric_families()) CHECK(metrics_man_section().find(family.name) != std::string::npos);
}
