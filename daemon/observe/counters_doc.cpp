#include "daemon/observe/counters_doc.hpp"

#include "daemon/config/roff_text.hpp"
#include "daemon/observe/counters_table.hpp"

namespace tern::daemon {

namespace {

/// Sources for documentation: no worker (per-worker keys list no values), the caches by name,
/// every counter 0; what the readers give for them are the label values to document.
CounterSources doc_sources() {
  CounterSources sources;
  for (std::string_view name : counted_caches) sources.caches.push_back({std::string(name), {}, {}});
  return sources;
}

std::string_view kind_text(MetricKind kind) {
  switch (kind) {
    case MetricKind::counter: return "counter";
    case MetricKind::gauge: return "gauge";
    case MetricKind::histogram: return "histogram";
    case MetricKind::info: return "gauge, always 1";
  }
  return "?";
}

/// A stats key in bold, its "{}" as the label's name in italics: queries.\fItransport\fR.
/// Names start with \% so that roff never hyphenates them (they are copied as typed).
std::string key_tag(const Counter& counter, const MetricFamily& family) {
  std::string_view key = counter.key;
  const auto at = key.find("{}");
  if (at == std::string_view::npos) return "\\fB\\%" + roff_text(key) + "\\fR";
  return "\\fB\\%" + roff_text(key.substr(0, at)) + "\\fI" + roff_text(family.label) + "\\fB" +
         roff_text(key.substr(at + 2)) + "\\fR";
}

/// The values a key's label takes, as the readers give them ("" for none, or a fixed one).
std::string label_values(const Counter& counter) {
  std::string values;
  for (const CounterSample& sample : counter.read(doc_sources())) {
    if (sample.label == "sum" || sample.label == "count") continue;  // a histogram's own lines
    values += (values.empty() ? "" : ", ") + (sample.label == "+Inf" ? std::string("inf") : sample.label);
  }
  return values;
}

/// The tag line of one counter: the stats key(s).
std::string counter_tag(const Counter& counter, const MetricFamily& family) {
  if (family.kind != MetricKind::histogram) return key_tag(counter, family);
  const std::string key = roff_text(counter.key);
  return "\\fB\\%" + key + ".le\\-\\fIBOUND\\fBus\\fR, \\fB\\%" + key + ".sum\\-us\\fR, \\fB\\%" + key +
         ".count\\fR";
}

/// Where the counter is in the exposition.
std::string metric_text(const Counter& counter, const MetricFamily& family) {
  const std::string name = "\\fB\\%" + roff_text(family.name) + "\\fR";
  if (counter.role == CounterRole::total) return "the sum of the series of " + name;
  if (family.kind == MetricKind::histogram) return "the histogram " + name;
  std::string labels;
  if (!family.label.empty()) {
    labels = counter.label_value.empty() ? roff_text(family.label)
                                         : roff_text(family.label) + "=\"" + roff_text(counter.label_value) + "\"";
  }
  if (!family.index_label.empty()) labels += "," + roff_text(family.index_label);
  return name + (labels.empty() ? "" : "{" + labels + "}") + " (" + std::string(kind_text(family.kind)) + ")";
}

}  // namespace

std::string counters_man_section() {
  std::string out =
      ".\\\" Generated from daemon/observe/counters_table.cpp by gen_counters_doc: edit the table and\n"
      ".\\\" run man/update-counters.sh, not this section.\n";
  for (const Counter& counter : counters()) {
    const MetricFamily& family = find_family(counter.family);
    out += ".TP\n" + counter_tag(counter, family) + "\n" + roff_paragraph(counter.help);
    const bool histogram = family.kind == MetricKind::histogram;
    const bool templated = counter.key.find("{}") != std::string_view::npos;
    if (const std::string values = label_values(counter); !values.empty() && (templated || histogram)) {
      const std::string_view what = histogram ? "BOUND" : family.label;
      out += "Values of \\fI" + roff_text(what) + "\\fR: " + roff_text(values) + ".\n";
    }
    out += "Metric: " + metric_text(counter, family) + ".\n";
  }
  return out;
}

std::string metrics_man_section() {
  std::string out =
      ".\\\" Generated from daemon/observe/counters_table.cpp by gen_counters_doc: edit the table and\n"
      ".\\\" run man/update-counters.sh, not this section.\n";
  for (const MetricFamily& family : metric_families()) {
    std::string labels = roff_text(family.label);
    if (!family.index_label.empty()) labels += "," + roff_text(family.index_label);
    out += ".TP\n\\fB\\%" + roff_text(family.name) + "\\fR" + (labels.empty() ? "" : "{\\fI" + labels + "\\fR}") + " (" +
           std::string(kind_text(family.kind)) + ")\n" + roff_paragraph(family.help);
  }
  return out;
}

}  // namespace tern::daemon
