// The settings of operations: verbosity, privileges, logging, metrics and the query log.
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/settings_parse.hpp"

#include <yaml-cpp/yaml.h>

#include <array>
#include <cctype>
#include <filesystem>
#include <system_error>

namespace tern::daemon {
namespace {

void apply_username(const Setting& self, const YAML::Node& value, const SettingSource& source,
                    Config& config) {
  const std::string text = value.IsNull() ? std::string() : scalar_text(self, value, source);
  // POSIX portable user names; whether the user exists is checked at start, where it matters.
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      throw_setting_error(self, source, value, "'" + text + "' is not a user name");
    }
  }
  config.username = text;
}

std::string dump_username(const Config& config) { return yaml_quote(config.username); }

void apply_chroot(const Setting& self, const YAML::Node& value, const SettingSource& source,
                  Config& config) {
  apply_optional_path<&Config::chroot>(self, value, source, config);
  std::error_code ec;
  if (!config.chroot.empty() && !std::filesystem::is_directory(config.chroot, ec)) {
    throw_setting_error(self, source, value, "'" + config.chroot + "' is not a directory");
  }
}

void apply_query_log(const Setting& self, const YAML::Node& value, const SettingSource& source,
                     Config& config) {
  const std::string text = value.IsNull() ? std::string() : scalar_text(self, value, source);
  if (text == "stderr") {
    config.query_log = text;
    return;
  }
  apply_optional_path<&Config::query_log>(self, value, source, config);
  std::error_code ec;
  if (!config.query_log.empty() && std::filesystem::is_directory(config.query_log, ec)) {
    throw_setting_error(self, source, value, "'" + config.query_log + "' is a directory");
  }
}

void apply_log_destination(const Setting& self, const YAML::Node& value,
                           const SettingSource& source, Config& config) {
  const std::string& text = scalar_text(self, value, source);
  if (text == "auto") {
    config.log_destination = LogDestination::automatic;
  } else if (text == "stderr") {
    config.log_destination = LogDestination::stderr_stream;
  } else if (text == "syslog") {
    config.log_destination = LogDestination::syslog;
  } else {
    throw_setting_error(self, source, value, "'" + text + "' is not one of " + allowed_values(self));
  }
}

std::string dump_log_destination(const Config& config) {
  switch (config.log_destination) {
    case LogDestination::automatic: return "auto";
    case LogDestination::stderr_stream: return "stderr";
    case LogDestination::syslog: return "syslog";
  }
  return "auto";
}

void apply_metrics_listen(const Setting& self, const YAML::Node& value,
                          const SettingSource& source, Config& config) {
  std::vector<ListenEndpoint> endpoints;
  if (!(value.IsScalar() && value.Scalar().empty())) {
    for (const YAML::Node& item : list_items(self, value, source)) {
      // No default port here: 53 would clash with the DNS listeners.
      std::string error;
      auto endpoint = parse_listen_endpoint(item.Scalar(), error, std::nullopt);
      if (!endpoint) throw_setting_error(self, source, item, error);
      endpoints.push_back(*endpoint);
    }
  }
  config.metrics_listen = std::move(endpoints);
}

std::string dump_metrics_listen(const Config& config) {
  if (config.metrics_listen.empty()) return R"("")";
  std::vector<std::string> items;
  for (const ListenEndpoint& endpoint : config.metrics_listen) items.push_back(format_listen_endpoint(endpoint));
  return block_list(items);
}

constexpr std::array rows{
    Setting{
        .name = "verbosity", .kind = ValueKind::integer, .default_text = "1",
        .min = 0, .max = 5,
        .help = "Log level: 0 errors, 1 +warnings and operations, 2 +info, 3..5 debug.",
        .doc = "How much ternd logs: 0 errors only; 1 also warnings and operational events "
               "(start, reload, stop); 2 also informational messages; 3 to 5 ever more "
               "detailed debugging. Each -v on the command line adds one.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::verbosity>, .dump = dump_integer<&Config::verbosity>},
    Setting{
        .name = "username", .kind = ValueKind::choice, .default_text = R"("tern")",
        .values = "a user name, or \"\"",
        .help = "User to run as once the ports are bound; \"\" = keep the starting user.",
        .doc = "The user ternd runs as once it has bound its ports, opened its control socket, "
               "pid file and logs: started as root, it sets its groups, group and user to those "
               "of this user (setgroups, setgid, setuid) before it answers a query. If ternd "
               "starts as root and the user does not exist, it refuses to start: it never keeps "
               "running as root unless username is \"\". The control socket and the pid file are "
               "handed to the user so that it can remove them at exit where their directory lets "
               "it (systemd's RuntimeDirectory does; a socket left behind is removed at the next "
               "start); root reaches the socket regardless of its owner. Started by another user, ternd cannot change user and "
               "runs on as the one it is (a warning says so when that is not this user).",
        .reload = Reload::restart,
        .apply = apply_username, .dump = dump_username},
    Setting{
        .name = "chroot", .kind = ValueKind::path, .default_text = R"("")",
        .help = "Directory to chroot into after start-up; \"\" = none.",
        .doc = "A directory ternd changes its root to after it has opened everything it needs "
               "and before it changes user. A reload then reads the configuration file (and "
               "root-hints) at the same path inside the chroot, with the chroot prefix removed "
               "when the path starts with it; the query log is reopened inside it too. Empty "
               "means no chroot.",
        .reload = Reload::restart,
        .apply = apply_chroot, .dump = dump_optional_path<&Config::chroot>},
    Setting{
        .name = "pidfile", .kind = ValueKind::path, .default_text = R"("")",
        .help = "File to write the daemon's pid to; \"\" = none.",
        .doc = "A file ternd writes its process id to, once detached, before it changes user; "
               "it is handed to username and removed at exit when the directory allows it. "
               "Empty means no pid file (systemd tracks the process itself).",
        .reload = Reload::restart,
        .apply = apply_optional_path<&Config::pidfile>,
        .dump = dump_optional_path<&Config::pidfile>},
    Setting{
        .name = "log-destination", .kind = ValueKind::choice, .default_text = "auto",
        .values = "auto, stderr, syslog",
        .help = "Where log lines go: auto = stderr with -d, syslog once detached.",
        .doc = "Where log lines go. stderr: one line each, ISO 8601 UTC timestamp and level "
               "first. syslog: facility daemon, the level as priority. auto: stderr when ternd "
               "runs in the foreground (-d, as under systemd, whose journal reads stderr), "
               "syslog when it detaches (stderr is then /dev/null, so stderr there loses the "
               "lines).",
        .reload = Reload::applies,
        .apply = apply_log_destination, .dump = dump_log_destination},
    Setting{
        .name = "log-rate-limit", .kind = ValueKind::integer, .default_text = "20",
        .min = 0, .max = 100000,
        .help = "Log lines per second per kind of message; 0 = no limit.",
        .doc = "How many lines of one kind (one message text, whatever its values) ternd logs "
               "per second, with bursts of as many again; lines beyond are counted, not written, "
               "and a line says how many were suppressed once the kind may log again (or within "
               "a second). This keeps an attack that triggers a message per packet from flooding "
               "the log. 0 means no limit.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::log_rate_limit>,
        .dump = dump_integer<&Config::log_rate_limit>},
    Setting{
        .name = "metrics-listen", .kind = ValueKind::endpoint_list, .default_text = R"("")",
        .help = "Prometheus metrics endpoint(s), ADDRESS@PORT; \"\" = off.",
        .doc = "The addresses on which ternd serves its counters in the Prometheus text format "
               "over HTTP/1.1 (GET /metrics), each written ADDRESS@PORT, e.g. 127.0.0.1@9153 (or 127.0.0.1:9153, [::1]:9153: the port is required). "
               "Empty (the default) means no metrics endpoint. The endpoint has no access "
               "control of its own: keep it on a loopback address unless a firewall guards it. "
               "The counters are the ones ternctl stats prints.",
        .reload = Reload::restart,
        .apply = apply_metrics_listen, .dump = dump_metrics_listen},
    Setting{
        .name = "query-log", .kind = ValueKind::path, .default_text = R"("")",
        .values = "a path, stderr, or \"\"",
        .help = "NDJSON line per answered query to this file or stderr; \"\" = off.",
        .doc = "Writes one JSON object per line (NDJSON) for every query answered: time (ISO "
               "8601 UTC), client, name, type, rcode, cache (hit, miss, stale, prefetch, local, or failure: "
               "a SERVFAIL the failure cache answered without a query), dnssec (the DNSSEC verdict: "
               "secure, insecure, bogus or indeterminate), ttl "
               "(remaining TTL of the answer), upstream (queries sent to authorities for it) and "
               "latency_us. A path is opened for appending (created mode 0640) before ternd "
               "changes user; \"stderr\" writes to the error stream. The file is reopened on "
               "SIGHUP and on ternctl log-reopen, for rotation: the directory must then be "
               "writable by username for a new file to be created. Empty (the default) means "
               "no query log, at the cost of one test per query.",
        .reload = Reload::applies,
        .apply = apply_query_log, .dump = dump_optional_path<&Config::query_log>},
};

}  // namespace

std::span<const Setting> operations_rows() { return rows; }

}  // namespace tern::daemon
