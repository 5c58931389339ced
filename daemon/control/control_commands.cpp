#include "daemon/control/control_commands.hpp"

#include "daemon/control/control_cache_file.hpp"
#include "daemon/control/control_failures.hpp"
#include "daemon/control/control_infra.hpp"
#include "daemon/control/control_trace.hpp"
#include "daemon/observe/counters_render.hpp"
#include "daemon/observe/query_log.hpp"  // security_word
#include "daemon/process/worker.hpp"
#include "resolver/dns/message.hpp"
#include "resolver/log.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <optional>
#include <tuple>

namespace tern::daemon {

namespace {

using std::chrono::seconds;

// ---- snapshots: taken under a shard lock (a shared_ptr copy), formatted after ----

/// What a cached entry is, as `cache show` names it.
enum class EntryKind { rrset, answer, nxdomain, nodata };

std::string_view kind_name(EntryKind kind) {
  switch (kind) {
    case EntryKind::rrset: return "rrset";
    case EntryKind::answer: return "answer";
    case EntryKind::nxdomain: return "NXDOMAIN";
    case EntryKind::nodata: return "NODATA";
  }
  return "?";
}

/// One entry of either cache, with what the formatters need; holds the immutable value alive.
struct Entry {
  dns::Name owner;
  std::uint16_t type = 0;  ///< 0: an NXDOMAIN that covers every type of the name
  EntryKind kind = EntryKind::rrset;
  std::shared_ptr<const cache::RRset> rrset;         ///< set for kind rrset
  std::shared_ptr<const cache::CachedAnswer> answer;  ///< set for the other kinds
  cache::TimePoint expiry;
};

/// Which entries a command is about.
struct Selector {
  dns::Name name;
  std::optional<std::uint16_t> type;  ///< nullopt: every type
  bool below = false;                 ///< also every name below `name` (flush-zone)
  bool all = false;                   ///< everything (flush-all, dump)

  bool matches(const dns::Name& owner, std::uint16_t entry_type) const {
    if (all) return true;
    if (below ? !owner.is_subdomain_of(name) : owner != name) return false;
    // Type 0 is a name's NXDOMAIN (the answer cache's key layout): it answers every type.
    return !type || entry_type == *type || entry_type == 0;
  }
};

EntryKind answer_kind(std::uint16_t question_type, const cache::CachedAnswer& a) {
  if (a.rcode == dns::rcode::nxdomain) return EntryKind::nxdomain;
  const cache::AnswerSections sections = a.records();
  if (sections.answer.empty() || sections.answer.back().type != question_type) return EntryKind::nodata;
  return EntryKind::answer;
}

/// A sort key in DNS canonical order (RFC 4034 §6.1): labels compared from the right.
std::string canonical_key(const dns::Name& name) {
  std::vector<std::string_view> labels;
  const std::string& wire = name.wire();
  for (std::size_t pos = 0; wire[pos] != 0; pos += 1 + static_cast<unsigned char>(wire[pos])) {
    labels.emplace_back(wire.data() + pos + 1, static_cast<unsigned char>(wire[pos]));
  }
  std::string key;
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
    key.append(*it);
    key += '\0';
  }
  return key;
}

std::vector<Entry> collect(ControlContext& context, const Selector& selector) {
  std::vector<Entry> out;
  context.rrsets.entries().for_each([&](const cache::RRsetKey& key, const auto& item) {
    if (selector.matches(key.owner, key.type)) {
      out.push_back({key.owner, key.type, EntryKind::rrset, item.value, nullptr, item.expiry});
    }
  });
  context.answers.entries().for_each([&](const cache::AnswerKey& key, const auto& item) {
    const dns::Question& q = key.question;
    if (selector.matches(q.name, q.type)) {
      out.push_back({q.name, q.type, EntryKind::answer, nullptr, item.value, item.expiry});
    }
  });
  for (Entry& e : out) {
    if (e.answer) e.kind = answer_kind(e.type, *e.answer);
  }
  std::vector<std::tuple<std::string, bool, std::uint16_t, std::size_t>> order;
  for (std::size_t i = 0; i < out.size(); ++i) {
    order.emplace_back(canonical_key(out[i].owner), out[i].answer != nullptr, out[i].type, i);
  }
  std::sort(order.begin(), order.end());
  std::vector<Entry> sorted;
  sorted.reserve(out.size());
  for (const auto& o : order) sorted.push_back(std::move(out[std::get<3>(o)]));
  return sorted;
}

// ---- time ----

std::uint32_t original_ttl(const Entry& e) { return e.rrset ? e.rrset->ttl : e.answer->ttl; }

/// The DNSSEC state the entry was stored with (RFC 4035 section 4.3), as the query log names it.
std::string_view security_of(const Entry& e) {
  return security_word(e.rrset ? e.rrset->security : e.answer->security);
}

cache::TimePoint inserted(const Entry& e) {
  return e.rrset ? e.rrset->inserted : e.answer->inserted;
}

/// Whole seconds since the entry was stored, on the caches' clock.
std::uint32_t age_of(const Entry& e, cache::TimePoint now) {
  auto age = std::chrono::duration_cast<seconds>(now - inserted(e)).count();
  return age <= 0 ? 0 : static_cast<std::uint32_t>(std::min<decltype(age)>(age, UINT32_MAX));
}

std::uint32_t remaining(std::uint32_t ttl, std::uint32_t age) { return age >= ttl ? 0 : ttl - age; }

std::string iso_utc(std::chrono::system_clock::time_point t) {
  std::time_t seconds_since_epoch = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds_since_epoch, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

/// When the entry was stored, by the wall clock: recorded for RRsets; for answers, the wall
/// clock now minus the entry's age on the caches' clock.
std::string inserted_wall(const Entry& e, cache::TimePoint now) {
  if (e.rrset) return iso_utc(e.rrset->inserted_wall);
  auto age = std::chrono::duration_cast<std::chrono::system_clock::duration>(now - inserted(e));
  return iso_utc(std::chrono::system_clock::now() - age);
}

std::string type_text(std::uint16_t type) { return type == 0 ? "*" : dns::type_to_text(type); }

/// The entry's records with their remaining TTLs: an answer's records keep their own TTLs
/// (a CNAME chain's links may differ), an RRset's share one.
std::vector<std::string> record_lines(const Entry& e, std::uint32_t age) {
  std::vector<std::string> lines;
  auto add = [&](const std::vector<dns::Record>& records) {
    for (const dns::Record& rr : records) {
      lines.push_back(dns::record_to_text(rr, remaining(rr.ttl, age)));
    }
  };
  if (e.rrset) {
    add(e.rrset->records);
  } else {
    const cache::AnswerSections sections = e.answer->records();
    add(sections.answer);
    add(sections.authority);
  }
  return lines;
}

// ---- arguments ----

/// An unknown command or a wrong number of arguments: the message and the command list.
ControlReply usage(const std::string& message) {
  return {ControlStatus::usage, message + "\n" + std::string(control_commands_help())};
}

/// A bad argument of a known command: what is wrong with it, nothing more.
ControlReply bad_argument(const std::string& message) { return {ControlStatus::usage, message + "\n"}; }

std::optional<dns::Name> parse_name(const std::string& text, std::string& error) {
  auto name = dns::Name::from_text(text);
  if (!name) error = "'" + text + "' is not a valid domain name";
  return name;
}

std::optional<std::uint16_t> parse_type(const std::string& text, std::string& error) {
  auto type = dns::type_from_text(text);
  if (!type) error = "'" + text + "' is not a record type (A, AAAA, NS, TYPE65 ...)";
  return type;
}

/// The selector of "NAME [TYPE]" at words[2..]; nullopt with `error` set when one is bad.
std::optional<Selector> name_selector(const std::vector<std::string>& words, std::string& error) {
  auto name = parse_name(words[2], error);
  if (!name) return std::nullopt;
  Selector selector{*name, std::nullopt};
  if (words.size() > 3) {
    selector.type = parse_type(words[3], error);
    if (!selector.type) return std::nullopt;
  }
  return selector;
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

// ---- cache commands ----

/// One `cache show` block: the header line, the key: value lines, the records.
std::string show_entry(const Entry& e, cache::TimePoint now) {
  std::uint32_t age = age_of(e, now);
  bool expired = e.expiry <= now;
  std::string out = e.owner.to_text() + " " + type_text(e.type) + " " +
                    std::string(kind_name(e.kind)) + "\n";
  out += "  rank: " + (e.rrset ? std::string(cache::to_string(e.rrset->trust)) : "-") + "\n";
  out += "  dnssec: " + std::string(security_of(e)) + "\n";
  out += "  original-ttl: " + std::to_string(original_ttl(e)) + "\n";
  out += "  remaining-ttl: " + std::to_string(expired ? 0 : remaining(original_ttl(e), age));
  if (expired) {
    auto ago = std::chrono::duration_cast<seconds>(now - e.expiry).count();
    out += " (expired " + std::to_string(ago) + " s ago)";
  }
  out += "\n";
  out += "  source: " + (e.rrset && !e.rrset->source.empty() ? e.rrset->source : "-") + "\n";
  out += "  inserted: " + inserted_wall(e, now) + "\n";
  for (const std::string& line : record_lines(e, age)) out += "  " + line + "\n";
  return out;
}

ControlReply cache_show(ControlContext& context, const Selector& selector,
                        const std::string& what) {
  std::vector<Entry> entries = collect(context, selector);
  cache::TimePoint now = context.clock.now();
  // The remembered failures that answer the name (control_failures.hpp), after the data.
  std::string failures = show_failures(context.answers.failures(), selector.name, selector.type, now);
  if (entries.empty() && failures.empty()) return {ControlStatus::ok, "no cached entries at " + what + "\n"};
  std::string out;
  for (const Entry& e : entries) {
    if (!out.empty()) out += "\n";
    out += show_entry(e, now);
  }
  if (!failures.empty()) out += (out.empty() ? "" : "\n") + failures;
  return {ControlStatus::ok, std::move(out)};
}

/// Whether a remembered failure goes with a flush: a question's like an answer; a zone's
/// when the flushed name is in that zone (flushing a name makes it resolve afresh) or, for
/// flush-zone, when the zone is at or below the flushed one.
bool failure_matches(const Selector& selector, const cache::FailureKey& key) {
  if (!key.zone) return selector.matches(key.name, key.type);
  if (selector.all) return true;
  return selector.name.is_subdomain_of(key.name) || (selector.below && key.name.is_subdomain_of(selector.name));
}

/// How long a flush waits for Redis (a large Redis is read in batches: l2_limits).
constexpr std::chrono::seconds second_level_flush_wait{30};

/// Removes what `selector` matches from the RRset and answer caches and the remembered
/// failures (never the infra cache: what was learnt about servers is not data about names).
ControlReply cache_flush(ControlContext& context, const Selector& selector,
                         const std::string& where) {
  std::size_t rrsets = context.rrsets.entries().erase_if(
      [&](const cache::RRsetKey& key, const auto&) {
        return selector.matches(key.owner, key.type);
      });
  std::size_t answers = context.answers.entries().erase_if(
      [&](const cache::AnswerKey& key, const auto&) {
        return selector.matches(key.question.name, key.question.type);
      });
  std::size_t failures = context.answers.failures().entries().erase_if(
      [&](const cache::FailureKey& key, const auto&) { return failure_matches(selector, key); });
  std::string out = "flushed " + plural(rrsets, "rrset") + ", " + plural(answers, "answer") + " and " +
                    plural(failures, "failure") + where + "\n";
  if (!context.flush_second_level) return {ControlStatus::ok, std::move(out)};
  // The fleet's Redis too, or the next miss would bring the flushed data straight back.
  std::future<std::string> redis =
      context.flush_second_level(selector.name, selector.type, selector.below, selector.all);
  if (redis.wait_for(second_level_flush_wait) != std::future_status::ready)
    return {ControlStatus::failed, out + "redis: no reply within " +
                                       std::to_string(second_level_flush_wait.count()) + " s\n"};
  std::string said = redis.get();
  const bool failed = said.find("failed") != std::string::npos;
  return {failed ? ControlStatus::failed : ControlStatus::ok, out + said};
}

/// The live entries of one cache, zone-file style; answers as a comment line each (the
/// records of a positive one follow it). Returns how many entries were written.
std::size_t dump_entries(const std::vector<Entry>& entries, bool answers, cache::TimePoint now,
                         std::string& out) {
  std::size_t written = 0;
  for (const Entry& e : entries) {
    if ((e.answer != nullptr) != answers) continue;
    std::uint32_t age = age_of(e, now);
    std::uint32_t left = remaining(original_ttl(e), age);
    if (e.expiry <= now || left == 0) continue;  // expired: only serve-stale may still use it
    ++written;
    if (answers) {
      std::string kind = e.kind == EntryKind::answer ? "ANSWER" : std::string(kind_name(e.kind));
      out += "; " + kind + " " + e.owner.to_text() + " " + type_text(e.type) +
             " remaining=" + std::to_string(left) + " dnssec=" + std::string(security_of(e)) + "\n";
      if (e.kind != EntryKind::answer) continue;  // a negative answer is its comment line
    } else {
      out += "; RRSET " + e.owner.to_text() + " " + type_text(e.type) + " dnssec=" + std::string(security_of(e)) + "\n";
    }
    for (const std::string& line : record_lines(e, age)) out += line + "\n";
  }
  return written;
}

ControlReply cache_dump(ControlContext& context) {
  Selector everything{dns::Name(), std::nullopt, false, true};
  std::vector<Entry> entries = collect(context, everything);
  cache::TimePoint now = context.clock.now();
  std::string out = "; tern cache dump at " + iso_utc(std::chrono::system_clock::now()) +
                    "; TTLs are the remaining ones\n; rrset cache\n";
  std::size_t rrsets = dump_entries(entries, false, now, out);
  out += "; answer cache\n";
  std::size_t answers = dump_entries(entries, true, now, out);
  std::size_t failures = 0;
  std::string failure_lines = dump_failures(context.answers.failures(), now, failures);
  if (failures > 0) out += "; failure cache (RFC 9520): answered SERVFAIL without a query\n" + failure_lines;
  out += "; end of dump: " + plural(rrsets, "rrset") + ", " + plural(answers, "answer") + "\n";
  return {ControlStatus::ok, std::move(out)};
}

ControlReply cache_command(const std::vector<std::string>& words, ControlContext& context) {
  const std::string& sub = words[1];
  if (sub == "flush-all") {
    return cache_flush(context, Selector{dns::Name(), std::nullopt, false, true}, "");
  }
  if (sub == "dump" && words.size() == 2) return cache_dump(context);
  if (sub == "dump") {
    if (words.size() != 4 || words[2] != "--binary") return bad_argument("usage: cache dump [--binary FILE]");
    return cache_dump_binary(context.answers, words[3]);
  }
  if (sub == "load") return cache_load(context.answers, words[2]);
  std::string error;
  auto selector = name_selector(words, error);
  if (!selector) return bad_argument(error);
  std::string what = selector->name.to_text();
  if (sub == "flush-zone") {
    selector->below = true;
    return cache_flush(context, *selector, " at or below " + what);
  }
  if (selector->type) what += " " + dns::type_to_text(*selector->type);
  if (sub == "show") return cache_show(context, *selector, what);
  return cache_flush(context, *selector, " at " + what);  // "flush": check_command vetted it
}

// ---- stats ----

ControlReply stats(ControlContext& context) {
  return {ControlStatus::ok, render_stats(counter_sources(context))};
}

ControlReply signal_command(ControlContext& context, int signal, std::string_view what) {
  if (!context.raise_signal) return {ControlStatus::failed, "not supported here\n"};
  context.raise_signal(signal);
  return {ControlStatus::ok, std::string(what) + "\n"};
}

// ---- status, verbosity ----

std::string byte_text(std::uint64_t bytes) {
  constexpr std::uint64_t mib = 1024 * 1024;
  if (bytes >= 10 * mib) return std::to_string(bytes / mib) + " MiB";
  if (bytes >= 10 * 1024) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " B";
}

ControlReply verbosity_command(const std::vector<std::string>& words) {
  if (words.size() == 1) {
    const auto level = static_cast<log::Level>(log::threshold.load());
    return {ControlStatus::ok, "verbosity " + std::to_string(log::verbosity_of(level)) + " (" +
                                   std::string(log::level_name(level)) + ")\n"};
  }
  int verbosity = -1;
  const std::string& text = words[1];
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), verbosity);
  if (error != std::errc() || end != text.data() + text.size() || verbosity < 0 || verbosity > 5)
    return bad_argument("verbosity is a number from 0 to 5, not '" + text + "'");
  const log::Level level = log::level_for_verbosity(verbosity);
  log::threshold = static_cast<int>(level);
  log::notice("verbosity set to {} ({}) by ternctl", verbosity, log::level_name(level));
  return {ControlStatus::ok, "verbosity " + std::to_string(verbosity) + " (" + std::string(log::level_name(level)) +
                                 "), until the next reload or restart\n"};
}

ControlReply reload_command(ControlContext& context) {
  if (context.reload) return context.reload();
  return signal_command(context, SIGHUP, "reloading");
}

ControlReply reopen_logs(ControlContext& context) {
  if (!context.reopen_logs) return {ControlStatus::failed, "not supported here\n"};
  std::string error = context.reopen_logs();
  if (!error.empty()) return {ControlStatus::failed, error + "\n"};
  return {ControlStatus::ok, "logs reopened\n"};
}

}  // namespace

ControlContext make_control_context(SharedState& shared,
                                    const std::vector<std::unique_ptr<Worker>>& workers) {
  ControlContext context{shared.rrsets, shared.answers, shared.infra, shared.clock, {}, {}, {}, {}, {}};
  context.inflight = &shared.inflight;
  context.started = shared.started;
  for (const auto& w : workers) {
    context.daemon_stats.push_back(&w->stats());
    context.resolver_stats.push_back(&w->resolver_stats());
    context.sockets.push_back(&w->socket_budget());
  }
  context.raise_signal = [](int signal) { ::kill(::getpid(), signal); };
  if (!workers.empty()) {
    Worker* first = workers.front().get();
    context.trace = [first](const dns::Question& q) { return first->trace(q); };
    if (first->has_second_level())
      context.flush_second_level = [first](const dns::Name& name, std::optional<std::uint16_t> type, bool below,
                                           bool all) {
        return first->flush_second_level(L2FlushRequest{name, type, below, all});
      };
  }
  return context;
}

std::string status_text(const ControlContext& context) {
  const auto now = std::chrono::system_clock::now();
  const auto uptime = std::chrono::duration_cast<seconds>(now - context.started).count();
  const ProcessFacts& facts = context.facts;
  std::string out = "version: " TERN_VERSION "\n";
  out += "pid: " + std::to_string(::getpid()) + "\n";
  out += "uptime: " + std::to_string(std::max<long long>(uptime, 0)) + " s (since " + iso_utc(context.started) + ")\n";
  out += "threads: " + std::to_string(facts.threads) + "\n";
  out += "config-file: " + (facts.config_file.empty() ? std::string("(none: defaults)") : facts.config_file) + "\n";
  for (const std::string& listener : facts.listeners) out += "listen: " + listener + "\n";
  const auto level = static_cast<log::Level>(log::threshold.load());
  out += "verbosity: " + std::to_string(log::verbosity_of(level)) + " (" + std::string(log::level_name(level)) + ")\n";
  const CounterSources sources = counter_sources(context);
  std::uint64_t bytes = 0;
  for (const CacheSnapshot& c : sources.caches) {
    out += "cache " + c.name + ": " + std::to_string(c.stats.entries) + (c.stats.entries == 1 ? " entry, " : " entries, ") + byte_text(c.stats.bytes) + "\n";
    bytes += c.stats.bytes;
  }
  out += "cache-fill: " + byte_text(bytes) + " of " + byte_text(facts.cache_size);
  if (facts.cache_size > 0) out += " (" + std::to_string(bytes * 100 / facts.cache_size) + "%)";
  out += "\n";
  out += "resolutions-in-flight: " + std::to_string(sources.resolutions_in_flight) + "\n";
  return out;
}

ControlReply execute_control(const std::vector<std::string>& words, ControlContext& context,
                             const ControlPeer& peer) {
  if (auto error = check_command(words)) return usage(*error);
  if (words[0] == "cache") return cache_command(words, context);
  if (words[0] == "stats") return stats(context);
  if (words[0] == "infra") return infra_command(words, context);
  if (words[0] == "trace") {
    std::string error;
    auto name = parse_name(words[1], error);
    std::optional<std::uint16_t> type = dns::rrtype::A;
    if (name && words.size() > 2) type = parse_type(words[2], error);
    if (!name || !type) return bad_argument(error);
    return trace_command(dns::Question{*name, *type, dns::class_in}, context);
  }
  if (words[0] == "reload") return reload_command(context);
  if (words[0] == "log-reopen") return reopen_logs(context);
  if (words[0] == "status") return {ControlStatus::ok, status_text(context)};
  if (words[0] == "verbosity") return verbosity_command(words);
  if (words[0] == "rpz") {
    if (words.size() > 1 && words[1] != "reload") return bad_argument("'" + words[1] + "': the only argument is reload");
    if (!context.rpz_status) return {ControlStatus::ok, "no rpz zone configured\n"};
    return {ControlStatus::ok, words.size() > 1 ? context.rpz_reload() : context.rpz_status()};
  }
  if (words[0] == "stop") {
    log::notice("stop asked by ternctl (pid {}, uid {})", peer.pid, peer.uid);
    return signal_command(context, SIGTERM, "stopping");
  }
  // A row of the command table without its branch here: the unit test runs every row.
  return {ControlStatus::failed, "command '" + words[0] + "' is not implemented by this ternd\n"};
}

namespace {

/// One cache's counters, read once.
template <class Cache>
CacheSnapshot snapshot(std::string_view name, const Cache& cache) {
  return CacheSnapshot{std::string(name), cache.stats(), cache.shard_contention()};
}

}  // namespace

CounterSources counter_sources(const ControlContext& context) {
  CounterSources sources;
  sources.daemon = context.daemon_stats;
  sources.resolver = context.resolver_stats;
  sources.caches = {snapshot(counted_caches[0], context.rrsets.entries()),
                    snapshot(counted_caches[1], context.answers.entries()),
                    snapshot(counted_caches[2], context.infra.entries()),
                    snapshot(counted_caches[3], context.answers.failures().entries())};
  sources.failure_hits = context.answers.failures().hits();
  sources.resolutions_in_flight = context.inflight ? context.inflight->size() : 0;
  sources.sockets = context.sockets;
  sources.process = read_process_gauges();
  sources.start_time = std::chrono::duration_cast<seconds>(context.started.time_since_epoch()).count();
  sources.version = TERN_VERSION;
  return sources;
}

}  // namespace tern::daemon
