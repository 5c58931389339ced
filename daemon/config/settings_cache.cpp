// The settings of the caches: size, TTL bounds, the failure cache, serve-stale and prefetch.
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/settings_parse.hpp"

#include <yaml-cpp/yaml.h>

#include <array>

namespace tern::daemon {
namespace {

void apply_cache_size(const Setting& self, const YAML::Node& value, const SettingSource& source,
                      Config& config) {
  const std::string& text = scalar_text(self, value, source);
  config.cache_size = checked_number(self, value, source, text, parse_size(text));
}

std::string dump_cache_size(const Config& config) { return format_size(config.cache_size); }

constexpr std::array rows{
    Setting{
        .name = "cache-size", .kind = ValueKind::size, .default_text = "64m",
        .min = std::uint64_t{1} << 20, .max = std::uint64_t{1} << 40,
        .help = "Memory for all caches together: bytes, or with a k, m or g suffix (1024-based).",
        .doc = "The memory budget of all caches together (records, negative answers and "
               "messages), in bytes, with an optional suffix k, m, g or t, 1024-based as in "
               "Unbound: 64m is 67108864 bytes. Each entry is charged the heap it really holds "
               "(its allocations as the allocator rounds them, its key and its index nodes), so "
               "the budget bounds the caches' memory. When the budget is spent, the least "
               "recently used entries make room.",
        .reload = Reload::restart,
        .apply = apply_cache_size, .dump = dump_cache_size},
    Setting{
        .name = "cache-min-ttl", .kind = ValueKind::integer, .default_text = "0",
        .min = 0, .max = 2147483647,
        .help = "Seconds: shorter TTLs are raised to this when cached (at most cache-max-ttl).",
        .doc = "The shortest time, in seconds, that ternd keeps a record (Unbound's "
               "cache-min-ttl): a record with a smaller TTL is cached, and answered, with this "
               "TTL instead. 0 keeps the TTLs the authoritative servers gave. Raising it "
               "lowers the load on the authorities at the price of serving changed data for "
               "longer than their owners asked; it must not be above cache-max-ttl. The largest "
               "value is 2147483647, the largest TTL (RFC 2181, section 8).",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::cache_min_ttl>,
        .dump = dump_integer<&Config::cache_min_ttl>},
    Setting{
        .name = "cache-max-ttl", .kind = ValueKind::integer, .default_text = "86400",
        .min = 0, .max = 2147483647,
        .help = "Seconds: longer TTLs are lowered to this when cached.",
        .doc = "The longest time, in seconds, that ternd keeps a record (Unbound's "
               "cache-max-ttl): a record with a larger TTL is cached, and answered, with this "
               "TTL instead, so that a change at the authority reaches clients within a day by "
               "default even when the record's own TTL is weeks. It must not be below "
               "cache-min-ttl.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::cache_max_ttl>,
        .dump = dump_integer<&Config::cache_max_ttl>},
    Setting{
        .name = "cache-min-negative-ttl", .kind = ValueKind::integer, .default_text = "0",
        .min = 0, .max = 2147483647,
        .help = "Seconds: NXDOMAIN and NODATA are kept at least this long.",
        .doc = "The shortest time, in seconds, that ternd keeps a negative answer (NXDOMAIN or "
               "NODATA), whose lifetime is otherwise the smaller of the SOA record's TTL and "
               "its MINIMUM field (RFC 2308, section 5). 0 keeps the zone's value. It must not "
               "be above cache-max-negative-ttl.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::cache_min_negative_ttl>,
        .dump = dump_integer<&Config::cache_min_negative_ttl>},
    Setting{
        .name = "cache-max-negative-ttl", .kind = ValueKind::integer, .default_text = "3600",
        .min = 0, .max = 2147483647,
        .help = "Seconds: NXDOMAIN and NODATA are kept at most this long.",
        .doc = "The longest time, in seconds, that ternd keeps a negative answer (NXDOMAIN or "
               "NODATA; Unbound's cache-max-negative-ttl). RFC 2308, section 5 suggests at "
               "most one to three hours, so that a name created after a failed lookup becomes "
               "visible soon. It must not be below cache-min-negative-ttl.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::cache_max_negative_ttl>,
        .dump = dump_integer<&Config::cache_max_negative_ttl>},
    Setting{
        .name = "cache-min-failure-ttl", .kind = ValueKind::integer, .default_text = "1",
        .min = 1, .max = 3600,
        .help = "Seconds a resolution failure is first remembered (RFC 9520).",
        .doc = "How long, in seconds, ternd remembers a resolution failure the first time it "
               "happens (RFC 9520; BIND's servfail-ttl): a question whose resolution ended in "
               "SERVFAIL (servers unreachable or silent, lame or cyclic delegations, a budget "
               "exhausted), and a zone whose servers all failed zone-wide (unreachable, REFUSED, "
               "lame, a cyclic delegation; see ternd(8)), are answered SERVFAIL from "
               "memory, with Extended DNS Error 13 (Cached Error) and no upstream query, for "
               "that long. Each further failure of the same question or zone doubles the time, "
               "up to cache-max-failure-ttl; a success forgets it. RFC 9520 asks for at least "
               "1 second. It must not be above cache-max-failure-ttl.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::cache_min_failure_ttl>,
        .dump = dump_integer<&Config::cache_min_failure_ttl>},
    Setting{
        .name = "cache-max-failure-ttl", .kind = ValueKind::integer, .default_text = "60",
        .min = 0, .max = 3600,
        .help = "Seconds: the longest a resolution failure is remembered; 0 = never.",
        .doc = "The longest time, in seconds, that ternd remembers a resolution failure after "
               "repeated failures have doubled it from cache-min-failure-ttl (RFC 9520 section "
               "3.2 suggests at most 5 minutes). The default, 60, is lower on purpose: network "
               "errors mark a whole zone, and after an outage of the resolver's own uplink a "
               "zone stays failed for up to this long once the network is back (BIND caps its "
               "servfail-ttl at 30 s). 0 turns the failure cache off, which RFC 9520 "
               "does not allow: every client query for a broken name then walks to its "
               "servers again. `ternctl cache flush` forgets failures like other entries.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::cache_max_failure_ttl>,
        .dump = dump_integer<&Config::cache_max_failure_ttl>},
    Setting{
        .name = "serve-stale", .kind = ValueKind::boolean, .default_text = "no",
        .help = "Answer with expired data when it cannot be refreshed (RFC 8767).",
        .doc = "Whether ternd may answer with expired cached data when refreshing it fails or "
               "takes too long (RFC 8767; Unbound's serve-expired). This keeps names working "
               "while their authoritative servers are unreachable, at the price of answers "
               "that may be out of date; see serve-stale-max and serve-stale-client-timeout. "
               "A stale entry is rechecked (walked afresh) at most every 30 s (RFC 8767, "
               "section 5), past the failure cache's memory of its zone, so the stale answer "
               "ends at most 30 s after the authority is back, whatever "
               "cache-max-failure-ttl is.",
        .reload = Reload::applies,
        .apply = apply_bool<&Config::serve_stale>, .dump = dump_bool<&Config::serve_stale>},
    Setting{
        .name = "serve-stale-max", .kind = ValueKind::integer, .default_text = "86400",
        .min = 0, .max = 2147483647,
        .help = "Seconds after expiry during which stale data may still be served.",
        .doc = "How long, in seconds, after its TTL ran out a cached answer may still be "
               "served stale (Unbound's serve-expired-ttl); it is reclaimed after that. RFC "
               "8767, section 5 suggests one to three days. Only used with serve-stale.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::serve_stale_max>,
        .dump = dump_integer<&Config::serve_stale_max>},
    Setting{
        .name = "serve-stale-client-timeout", .kind = ValueKind::integer,
        .default_text = "1800", .min = 0, .max = 60000,
        .help = "Milliseconds to try a refresh before answering stale; 0 = stale at once.",
        .doc = "How long, in milliseconds, a client whose answer has expired waits for the "
               "refresh before ternd answers it with the stale data (the client response timer "
               "of RFC 8767, section 5, which suggests 1.8 seconds; Unbound's "
               "serve-expired-client-timeout). 0 answers stale at once and refreshes in the "
               "background. Only used with serve-stale.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::serve_stale_client_timeout_ms>,
        .dump = dump_integer<&Config::serve_stale_client_timeout_ms>},
    Setting{
        .name = "prefetch", .kind = ValueKind::boolean, .default_text = "no",
        .help = "Refresh popular entries before they expire.",
        .doc = "Whether a cache hit in the last 10% of its entry's TTL also starts a refresh "
               "of the entry in the background (Unbound's prefetch), so that names asked for "
               "often do not drop out of the cache. It costs about 10% more queries to "
               "authoritative servers.",
        .reload = Reload::applies,
        .apply = apply_bool<&Config::prefetch>, .dump = dump_bool<&Config::prefetch>},
    Setting{
        .name = "cache-save-file", .kind = ValueKind::path, .default_text = R"("")",
        .help = "File the answer cache is saved to at a clean stop and loaded from at start.",
        .doc = "A file that ternd writes the answer cache to when it stops cleanly (SIGTERM, "
               "ternctl stop) and reads back when it starts, so that a restarted ternd answers "
               "its hot names from the cache at once. Each entry keeps the time it had left: "
               "its expiry is stored by the wall clock, so the time ternd was stopped counts, "
               "and entries that expired meanwhile are skipped. The file is written beside the "
               "path and renamed into place, by ternd's user (username) after it left root, so "
               "that user must be able to write the directory; with chroot the path is inside "
               "it. A missing file at start is not an error (the first start); a damaged one "
               "loads the entries that are whole and pass the wire check, and the log line says "
               "how many were skipped. The same format is written and read by ternctl cache "
               "dump --binary and ternctl cache load. Only the answer cache is kept (not the "
               "record cache or remembered failures). A relative path is relative to the "
               "directory of the configuration file. Empty (the default) keeps nothing.",
        .reload = Reload::restart,
        .apply = apply_optional_path<&Config::cache_save_file>,
        .dump = dump_optional_path<&Config::cache_save_file>},
};

}  // namespace

std::span<const Setting> cache_rows() { return rows; }

}  // namespace tern::daemon
