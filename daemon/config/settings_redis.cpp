// The settings of the second-level cache: a Redis shared by a fleet of ternd (daemon/l2/),
// with Unbound's cachedb in mind (redis-server-host/port, redis-timeout), as one address.
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/redis_address.hpp"
#include "daemon/config/settings_parse.hpp"

#include <yaml-cpp/yaml.h>

#include <array>

namespace tern::daemon {
namespace {

void apply_redis_server(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config) {
  const std::string text = value.IsNull() ? std::string() : scalar_text(self, value, source);
  if (!text.empty()) {
    RedisAddress address;
    if (std::string error = parse_redis_address(text, address); !error.empty())
      throw_setting_error(self, source, value, error);
  }
  config.redis_server = text;
}

std::string dump_redis_server(const Config& config) { return yaml_quote(config.redis_server); }

void apply_redis_key_secret(const Setting& self, const YAML::Node& value, const SettingSource& source,
                            Config& config) {
  const std::string text = value.IsNull() ? std::string() : scalar_text(self, value, source);
  if (text.size() > 1024) throw_setting_error(self, source, value, "longer than 1024 characters");
  config.redis_key_secret = text;
}

std::string dump_redis_key_secret(const Config& config) { return yaml_quote(config.redis_key_secret); }

constexpr std::array rows{
    Setting{
        .name = "redis-server", .kind = ValueKind::choice, .default_text = R"("")",
        .values = "ADDRESS@PORT, ADDRESS (port 6379), a unix socket path, or \"\"",
        .help = "The fleet's shared second-level cache (Redis): ADDRESS@PORT or a socket path; \"\" = none.",
        .doc = "A Redis server that ternd uses as a second-level cache shared by a fleet of "
               "resolvers (Unbound's cachedb): an IPv4 or IPv6 address with @PORT (6379 when left "
               "out), or the path of a unix socket, beginning with /. Empty (the default) means no "
               "second-level cache. On a miss in its own cache ternd looks in Redis before "
               "walking, and what a walk learns goes into its own cache and into Redis, so a "
               "member of the fleet answers what another has resolved without asking an "
               "authority. Stored per question: the answer in wire form, when it was stored and "
               "when it expires; the key expires with the answer's TTL (plus serve-stale-max when "
               "serve-stale is on). Keys are a keyed hash (redis-key-secret) of the name, type, "
               "class and DO bit, so they reveal nothing. Never stored: SERVFAIL, remembered "
               "failures, bogus answers. A value read back is checked like a packet from the "
               "network (the wire check, then the question must be the one asked, the rcode "
               "NOERROR or NXDOMAIN, the times possible) or dropped and counted (l2.dropped). "
               "Each worker keeps one connection, driven by its own event loop: Redis never "
               "blocks a worker, a lookup waits at most redis-timeout, and the circuit breaker "
               "(redis-breaker-failures, redis-breaker-backoff) stops asking a Redis that fails. "
               "Redis down or slow costs time, never an answer: ternd walks as without it. Hits "
               "in ternd's own cache never ask Redis. ternctl cache flush, flush-zone and "
               "flush-all reach Redis too. Use a Redis database for the fleet alone, with "
               "maxmemory and an LRU eviction policy, reachable by the fleet only: the checks stop "
               "corrupt and misplaced values, but whoever can write to it can replace an answer "
               "under its own key (the values hold their question), so guard it as the resolvers.",
        .reload = Reload::restart,
        .apply = apply_redis_server, .dump = dump_redis_server},
    Setting{
        .name = "redis-timeout", .kind = ValueKind::integer, .default_text = "50",
        .min = 1, .max = 10000,
        .help = "Milliseconds one Redis lookup may take before it counts as a miss (and a failure).",
        .doc = "How long, in milliseconds, a Redis lookup may take. A lookup without a reply by "
               "then is a miss for the question (ternd walks), counted in l2.timeouts, and a "
               "failure for the circuit breaker; the connection is closed and made afresh at the "
               "next lookup, so that replies late behind a stalled server do not pile up. Redis "
               "on the same network answers in well under a millisecond; the default leaves room "
               "for a loaded machine and still bounds what a slow Redis adds to a miss.",
        .reload = Reload::restart,
        .apply = apply_integer<&Config::redis_timeout_ms>,
        .dump = dump_integer<&Config::redis_timeout_ms>},
    Setting{
        .name = "redis-key-secret", .kind = ValueKind::choice, .default_text = R"("")",
        .values = "a text of 16 to 1024 characters, or \"\"",
        .help = "The secret keying the Redis key hash; the same on every member of the fleet.",
        .doc = "The secret that keys the hash (SipHash-2-4) naming each value in Redis. Every "
               "member of a fleet must have the same one, or they do not find each other's "
               "values; it must be at least 16 characters when redis-server is set (for example "
               "the output of openssl rand -hex 16). Without it nobody reading Redis can tell "
               "which names are cached, nor compute the key a question is looked up under. Keep "
               "it out of world-readable files.",
        .reload = Reload::restart,
        .apply = apply_redis_key_secret, .dump = dump_redis_key_secret},
    Setting{
        .name = "redis-breaker-failures", .kind = ValueKind::integer, .default_text = "3",
        .min = 1, .max = 1000,
        .help = "Redis errors or timeouts in a row that open the circuit breaker.",
        .doc = "How many Redis commands in a row may fail (an error, a closed connection, a "
               "timeout) before a worker's circuit breaker opens: then Redis is skipped (every "
               "lookup a miss, nothing stored, counted in l2.skipped) for redis-breaker-backoff, "
               "after which one lookup probes it. A probe that succeeds closes the breaker; one "
               "that fails opens it again for twice as long, up to 30 seconds. So a Redis that "
               "is down or slow costs at most redis-timeout on this many lookups per worker, "
               "then one probe per back-off.",
        .reload = Reload::restart,
        .apply = apply_integer<&Config::redis_breaker_failures>,
        .dump = dump_integer<&Config::redis_breaker_failures>},
    Setting{
        .name = "redis-breaker-backoff", .kind = ValueKind::integer, .default_text = "1000",
        .min = 10, .max = 30000,
        .help = "Milliseconds Redis is skipped once the breaker opens (doubles per failed probe).",
        .doc = "How long, in milliseconds, a worker skips Redis when its circuit breaker opens, "
               "before it probes Redis with one lookup. Each failed probe doubles the period, up "
               "to 30 seconds; a probe that succeeds brings it back to this value.",
        .reload = Reload::restart,
        .apply = apply_integer<&Config::redis_breaker_backoff_ms>,
        .dump = dump_integer<&Config::redis_breaker_backoff_ms>},
};

}  // namespace

std::span<const Setting> redis_rows() { return rows; }

}  // namespace tern::daemon
