#include "daemon/control/status_sampler.hpp"

#include "daemon/control/status_limits.hpp"
#include "daemon/observe/counters_table.hpp"
#include "resolver/address_key.hpp"

#include <asio/ip/address.hpp>

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace tern::daemon {

namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;

/// The counters the page shows (and the test compares with `ternctl stats`), by stats key.
constexpr std::string_view shown_counters[] = {"queries.total", "cache.hits",          "cache.misses",
                                               "upstream.queries", "query-duration.count", "query-duration.sum-us"};

/// The stats keys above, read as `ternctl stats` reads them: through the counters table, from
/// the workers' own counters only (no cache walk, no /proc read for figures the page omits).
std::map<std::string, std::uint64_t> read_totals(const ControlContext& context) {
  CounterSources sources;
  sources.daemon = context.daemon_stats;
  sources.resolver = context.resolver_stats;
  std::map<std::string, std::uint64_t> out;
  for (const Counter& counter : counters()) {
    if (counter.key == "query-duration") {
      for (const CounterSample& s : counter.read(sources)) {
        if (s.label == "sum") out["query-duration.sum-us"] = s.values.at(0);
        if (s.label == "count") out["query-duration.count"] = s.values.at(0);
      }
      continue;
    }
    if (std::find(std::begin(shown_counters), std::end(shown_counters), counter.key) == std::end(shown_counters))
      continue;
    for (const CounterSample& s : counter.read(sources)) out[stats_key(counter, s)] = s.values.empty() ? 0 : s.values[0];
  }
  return out;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

std::int64_t unix_ms() {
  return duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// "A 127.0.0.1" from "db.shop.lab. 300 IN A 127.0.0.1": the record without owner, TTL, class.
std::string record_data(const dns::Record& rr) {
  std::istringstream words(dns::record_to_text(rr, rr.ttl));
  std::string owner, ttl, word, out;
  words >> owner >> ttl;
  while (words >> word) out += (out.empty() ? "" : " ") + word;
  if (out.starts_with("IN ")) out = out.substr(3);
  return out;
}

std::string answer_data(const cache::CachedAnswer& answer) {
  if (answer.rcode == dns::rcode::nxdomain) return "NXDOMAIN";
  if (answer.rcode != dns::rcode::noerror) return dns::rcode_to_text(answer.rcode);
  std::vector<std::string> items;
  for (const dns::Record& rr : answer.records().answer) items.push_back(record_data(rr));
  if (items.empty()) return "NODATA";
  std::sort(items.begin(), items.end());  // one RRset in another order is the same answer
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  if (out.size() > status_limits::max_answer_text) out.resize(status_limits::max_answer_text);
  return out;
}

std::string pin_json(const std::string& name, const std::string& type, const PinView& v) {
  return "{\"name\":" + json_string(name) + ",\"type\":" + json_string(type) + ",\"state\":\"" + v.state +
         "\",\"remaining\":" + std::to_string(v.remaining) + ",\"ttl\":" + std::to_string(v.ttl) +
         ",\"data\":" + json_string(v.data) + ",\"source\":" + json_string(v.source) + "}";
}

/// The kinds of change between two looks at one pinned entry, in the order they happened;
/// `known_data` and `known_source` are the last ones seen before `now` ("" when never).
std::vector<std::string> changes(const PinView& before, const PinView& now, const std::string& known_data,
                                 const std::string& known_source) {
  std::vector<std::string> out;
  const bool had = before.state == "cached", has = now.state == "cached";
  if (had && !has) out.emplace_back("let-go");
  if (!had && has && known_data.empty()) out.emplace_back("cached");
  if (!now.data.empty() && !known_data.empty() && now.data != known_data) out.emplace_back("answer");
  if (!now.source.empty() && !known_source.empty() && now.source != known_source) out.emplace_back("authority");
  // The same data with a TTL that went up: fetched again (prefetch, or let go and re-asked).
  if (has && now.data == known_data && (!had || now.remaining > before.remaining)) out.emplace_back("refresh");
  return out;
}

}  // namespace

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
      out += escaped;
    } else if (u >= 0x80) {
      // DNS data is octets, not UTF-8: shown escaped so the page always gets valid JSON.
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

bool StatusSampler::pin(const std::string& name, const std::string& type, std::string& error, bool take) {
  auto parsed_name = dns::Name::from_text(name);
  if (!parsed_name || name.empty()) {
    error = "'" + name + "' is not a valid domain name";
    return false;
  }
  auto parsed_type = dns::type_from_text(type);
  if (!parsed_type) {
    error = "'" + type + "' is not a record type (A, AAAA, NS, TYPE65 ...)";
    return false;
  }
  if (!take) return true;
  dns::Question question{*parsed_name, *parsed_type, dns::class_in};
  for (const Pin& p : pins_)
    if (p.question == question) return true;
  if (pins_.size() == status_limits::max_pins) pins_.pop_front();
  pins_.push_back({question, parsed_name->to_text(), dns::type_to_text(*parsed_type), std::nullopt});
  return true;
}

PinView StatusSampler::look(const dns::Question& question) {
  PinView view{"absent", 0, 0, "", ""};
  const cache::TimePoint now = context_.clock.now();
  // peek, not find: looking must not keep the entry at the head of the LRU.
  auto item = context_.answers.entries().peek(cache::AnswerKey{question});
  if (!item.value) {
    dns::Question nxdomain = question;
    nxdomain.type = cache::nxdomain_key_type;
    item = context_.answers.entries().peek(cache::AnswerKey{nxdomain});
  }
  if (item.value) {
    const cache::CachedAnswer& a = *item.value;
    const auto age = duration_cast<seconds>(now - a.inserted).count();
    view.ttl = a.ttl;
    view.remaining = item.expiry <= now || age >= a.ttl ? 0 : a.ttl - static_cast<std::uint32_t>(std::max<long long>(age, 0));
    view.state = item.expiry <= now ? "expired" : "cached";
    view.data = answer_data(a);
  }
  auto rrset = context_.rrsets.entries().peek(cache::RRsetKey{question.name, question.type, dns::class_in});
  if (rrset.value) view.source = rrset.value->source;
  return view;
}

std::string StatusSampler::authorities_json() {
  struct Row {
    std::string address;
    std::uint64_t queries;
    std::uint32_t srtt_us;
  };
  std::vector<Row> rows;
  const cache::TimePoint now = context_.clock.now();
  context_.infra.entries().for_each([&](const cache::InfraKey& k, const auto& item) {
    if (item.value && item.expiry > now) rows.push_back({k.address, item.value->queries, item.value->srtt_us});
  });
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.queries > b.queries; });
  if (rows.size() > status_limits::max_authorities) rows.resize(status_limits::max_authorities);
  std::map<std::string, std::uint64_t> seen;
  std::string out = "[";
  for (const Row& r : rows) {
    const std::string address = resolver::address_key_text(r.address);
    auto before = authority_queries_.find(address);
    const std::uint64_t delta =
        before == authority_queries_.end() || before->second > r.queries ? 0 : r.queries - before->second;
    seen[address] = r.queries;
    if (out.size() > 1) out += ",";
    out += "{\"address\":" + json_string(address) + ",\"queries\":" + std::to_string(r.queries) +
           ",\"new\":" + std::to_string(delta) + ",\"srtt_ms\":" + number(r.srtt_us / 1000.0) + "}";
  }
  authority_queries_ = std::move(seen);
  return out + "]";
}

std::vector<StatusEvent> StatusSampler::sample() {
  std::vector<StatusEvent> events;
  const auto now = std::chrono::steady_clock::now();
  const std::int64_t t = unix_ms();
  std::string pins = "[";
  for (Pin& p : pins_) {
    const PinView view = look(p.question);
    if (p.last) {
      PinView from = *p.last;  // what the name was, as last known
      from.data = p.known_data;
      from.source = p.known_source;
      for (const std::string& kind : changes(*p.last, view, p.known_data, p.known_source)) {
        events.push_back({"change", "{\"t\":" + std::to_string(t) + ",\"kind\":\"" + kind + "\",\"name\":" +
                                        json_string(p.name_text) + ",\"type\":" + json_string(p.type_text) +
                                        ",\"from\":" + pin_json(p.name_text, p.type_text, from) +
                                        ",\"to\":" + pin_json(p.name_text, p.type_text, view) + "}"});
      }
    }
    p.last = view;
    if (!view.data.empty()) p.known_data = view.data;
    if (!view.source.empty()) p.known_source = view.source;
    if (pins.size() > 1) pins += ",";
    pins += pin_json(p.name_text, p.type_text, view);
  }
  pins += "]";

  std::map<std::string, std::uint64_t> totals = read_totals(context_);
  const double dt = first_ ? 0 : std::chrono::duration<double>(now - last_time_).count();
  auto delta = [&](const std::string& key) -> double {
    const std::uint64_t a = totals_[key], b = totals[key];
    return b >= a ? static_cast<double>(b - a) : 0.0;
  };
  std::string rates;
  if (dt > 0) {
    const double hits = delta("cache.hits"), misses = delta("cache.misses"), answered = delta("query-duration.count");
    rates = ",\"qps\":" + number(delta("queries.total") / dt) +
            ",\"hit_ratio\":" + (hits + misses > 0 ? number(hits / (hits + misses)) : std::string("null")) +
            ",\"latency_ms\":" + (answered > 0 ? number(delta("query-duration.sum-us") / answered / 1000.0) : std::string("null")) +
            ",\"upstream_qps\":" + number(delta("upstream.queries") / dt);
  }
  std::string totals_json = "{";
  for (const auto& [key, value] : totals) {
    if (totals_json.size() > 1) totals_json += ",";
    totals_json += json_string(key) + ":" + std::to_string(value);
  }
  totals_json += "}";
  events.push_back({"sample", "{\"t\":" + std::to_string(t) + rates + ",\"totals\":" + totals_json +
                                  ",\"authorities\":" + authorities_json() + ",\"pins\":" + pins + "}"});
  totals_ = std::move(totals);
  last_time_ = now;
  first_ = false;
  return events;
}

}  // namespace tern::daemon
