#include "daemon/control/control_failures.hpp"

#include "resolver/dns/message.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <tuple>
#include <vector>

namespace tern::daemon {

namespace {

/// One remembered failure, its value held alive while it is formatted.
struct FailureItem {
  cache::FailureKey key;
  std::shared_ptr<const cache::FailureEntry> entry;
};

/// Whole seconds from `now` until `until`, rounded up; 0 once past.
std::uint32_t seconds_left(cache::TimePoint until, cache::TimePoint now) {
  if (until <= now) return 0;
  return static_cast<std::uint32_t>(std::chrono::ceil<std::chrono::seconds>(until - now).count());
}

/// What the next failure of the key would be remembered for: twice this one, within the bound
/// (FailureCache::record), as long as the entry is kept.
std::uint32_t next_backoff(const cache::FailureEntry& entry, const cache::FailureBounds& bounds) {
  return std::max(std::min<std::uint32_t>(entry.ttl * 2, bounds.max_ttl), bounds.first());
}

/// The text of a failure's owner, labels compared from the right for a stable order.
std::string order_key(const dns::Name& name) {
  std::string text = name.to_text();
  std::vector<std::string> labels;
  std::size_t start = 0;
  for (std::size_t dot; (dot = text.find('.', start)) != std::string::npos; start = dot + 1)
    labels.push_back(text.substr(start, dot - start));
  std::string key;
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) key += *it + '\0';
  return key;
}

template <class Keep>
std::vector<FailureItem> collect(cache::FailureCache& failures, Keep keep) {
  std::vector<FailureItem> items;
  failures.entries().for_each([&](const cache::FailureKey& key, const auto& item) {
    if (item.value && keep(key)) items.push_back({key, item.value});
  });
  std::sort(items.begin(), items.end(), [](const FailureItem& a, const FailureItem& b) {
    return std::tuple(order_key(a.key.name), !a.key.zone, a.key.type) <
           std::tuple(order_key(b.key.name), !b.key.zone, b.key.type);
  });
  return items;
}

std::string header(const cache::FailureKey& key) {
  if (key.zone) return key.name.to_text() + " * zone-failure";
  return key.name.to_text() + " " + dns::type_to_text(key.type) + " failure";
}

std::string reason(const cache::FailureEntry& entry) {
  return (entry.why.empty() ? std::string("-") : entry.why) + " (EDE " + std::to_string(entry.ede) + ")";
}

}  // namespace

std::string show_failures(cache::FailureCache& failures, const dns::Name& name, std::optional<std::uint16_t> type,
                          cache::TimePoint now) {
  const cache::FailureBounds bounds = failures.bounds();
  auto concerns = [&](const cache::FailureKey& key) {
    if (key.zone) return name.is_subdomain_of(key.name);
    return key.name == name && (!type || key.type == *type);
  };
  std::string out;
  for (const FailureItem& f : collect(failures, concerns)) {
    if (!out.empty()) out += "\n";
    const std::uint32_t left = seconds_left(f.entry->until, now);
    out += header(f.key) + "\n";
    out += std::string("  scope: ") +
           (f.key.zone ? "zone (every name at or below it fails without a query)" : "question") + "\n";
    out += "  reason: " + reason(*f.entry) + "\n";
    out += "  remaining: " + std::to_string(left) + " s of " + std::to_string(f.entry->ttl) +
           (left == 0 ? " (over: the next query asks again)" : "") + "\n";
    out += "  failures: " + std::to_string(f.entry->failures) + " in a row\n";
    out += "  next-backoff: " + std::to_string(next_backoff(*f.entry, bounds)) + " s\n";
  }
  return out;
}

std::string dump_failures(cache::FailureCache& failures, cache::TimePoint now, std::size_t& written) {
  written = 0;
  std::string out;
  for (const FailureItem& f : collect(failures, [](const cache::FailureKey&) { return true; })) {
    const std::uint32_t left = seconds_left(f.entry->until, now);
    if (left == 0) continue;  // no longer answered from here: only the backoff remembers it
    ++written;
    out += std::string("; ") + (f.key.zone ? "ZONE-FAILURE " + f.key.name.to_text() + " *"
                                           : "FAILURE " + f.key.name.to_text() + " " + dns::type_to_text(f.key.type)) +
           " remaining=" + std::to_string(left) + " failures=" + std::to_string(f.entry->failures) +
           " reason=" + reason(*f.entry) + "\n";
  }
  return out;
}

}  // namespace tern::daemon
