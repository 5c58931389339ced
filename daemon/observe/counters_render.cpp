#include "daemon/observe/counters_render.hpp"

#include <cstdio>

namespace tern::daemon {

namespace {

void stats_line(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  out += '=';
  out += value;
  out += '\n';
}

/// A sample's values as stats shows them: one number, or per shard comma-separated.
std::string joined(const std::vector<std::uint64_t>& values) {
  std::string text;
  for (std::uint64_t v : values) text += (text.empty() ? "" : ",") + std::to_string(v);
  return text;
}

/// A histogram's lines: key.le-BOUNDus (cumulative, key.le-inf last), key.sum-us, key.count.
void histogram_stats(std::string& out, const Counter& counter, const std::vector<CounterSample>& samples) {
  const std::string key(counter.key);
  for (const CounterSample& sample : samples) {
    const std::string value = joined(sample.values);
    if (sample.label == "sum") {
      stats_line(out, key + ".sum-us", value);
    } else if (sample.label == "count") {
      stats_line(out, key + ".count", value);
    } else {
      stats_line(out, key + ".le-" + (sample.label == "+Inf" ? std::string("inf") : sample.label + "us"), value);
    }
  }
}

/// Label values are escaped as the text format asks (backslash, quote, newline).
std::string escaped(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

/// Writes one family at a time: HELP and TYPE once, then its series.
class Exposition {
 public:
  void family(const MetricFamily& f) {
    const std::string_view type = f.kind == MetricKind::counter     ? "counter"
                                  : f.kind == MetricKind::histogram ? "histogram"
                                                                    : "gauge";
    out_ += "# HELP " + std::string(f.name) + " " + std::string(f.help) + "\n";
    out_ += "# TYPE " + std::string(f.name) + " " + std::string(type) + "\n";
  }
  /// `labels` is "" or `key="value",...`, already escaped.
  void series(std::string_view name, const std::string& labels, const std::string& value) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += " " + value + "\n";
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string label_pair(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + escaped(value) + "\"";
}

void histogram_series(Exposition& e, const MetricFamily& f, const std::vector<CounterSample>& samples) {
  const std::string name(f.name);
  for (const CounterSample& sample : samples) {
    const std::uint64_t value = sample.values.front();
    if (sample.label == "sum") {
      e.series(name + "_sum", "", micros_as_seconds(std::to_string(value)));
    } else if (sample.label == "count") {
      e.series(name + "_count", "", std::to_string(value));
    } else {
      e.series(name + "_bucket", label_pair("le", micros_as_seconds(sample.label)), std::to_string(value));
    }
  }
}

void counter_series(Exposition& e, const MetricFamily& f, const Counter& counter,
                    const std::vector<CounterSample>& samples) {
  for (const CounterSample& sample : samples) {
    const std::string label = f.label.empty() ? "" : label_pair(f.label, label_value(counter, sample));
    if (f.kind == MetricKind::info) {
      e.series(f.name, label, "1");
    } else if (f.index_label.empty()) {
      e.series(f.name, label, std::to_string(sample.values.front()));
    } else {
      for (std::size_t i = 0; i < sample.values.size(); ++i)
        e.series(f.name, label + "," + label_pair(f.index_label, std::to_string(i)), std::to_string(sample.values[i]));
    }
  }
}

}  // namespace

std::string micros_as_seconds(std::string_view bound_us) {
  if (bound_us == "+Inf") return "+Inf";
  const unsigned long long micros = std::stoull(std::string(bound_us));
  char text[32];
  std::snprintf(text, sizeof text, "%llu.%06llu", micros / 1000000, micros % 1000000);
  return text;
}

std::string render_stats(const CounterSources& sources) {
  std::string out;
  for (const Counter& counter : counters()) {
    const MetricFamily& family = find_family(counter.family);
    const std::vector<CounterSample> samples = counter.read(sources);
    if (family.kind == MetricKind::histogram) {
      histogram_stats(out, counter, samples);
      continue;
    }
    for (const CounterSample& sample : samples) {
      stats_line(out, stats_key(counter, sample),
                 family.kind == MetricKind::info ? sample.label : joined(sample.values));
    }
  }
  return out;
}

std::string render_exposition(const CounterSources& sources) {
  Exposition e;
  for (const MetricFamily& family : metric_families()) {
    e.family(family);
    for (const Counter& counter : counters()) {
      if (counter.family != family.name || counter.role != CounterRole::series) continue;
      const std::vector<CounterSample> samples = counter.read(sources);
      if (family.kind == MetricKind::histogram) {
        histogram_series(e, family, samples);
      } else {
        counter_series(e, family, counter, samples);
      }
    }
  }
  return e.take();
}

}  // namespace tern::daemon
