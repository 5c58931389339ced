// The reload column of the settings table: every row says what a reload does; a reload names
// exactly the restart-only settings whose value changed, and keeps them at the running value.
#include "daemon/config/config_loader.hpp"
#include "daemon/config/config_reload.hpp"
#include "daemon/config/settings_table.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

using namespace tern::daemon;

namespace {

/// A value other than the default for every restart-only setting, as --set text.
const std::map<std::string, std::string> restart_only_changes = {
    {"listen", "127.0.0.2@5300"},
    {"root-hints", std::string(TERN_SOURCE_ROOT) + "/man/ternd.8"},  // any readable file
    {"threads", "3"},
    {"udp-batch-size", "7"},
    {"so-rcvbuf", "1m"},
    {"so-sndbuf", "2m"},
    {"outgoing-address", "127.0.0.9"},
    {"proxy-protocol-from", "127.0.0.3"},
    {"cache-size", "2m"},
    {"cache-save-file", "/tmp/tern-reload-test.cache"},
    {"redis-server", "127.0.0.1@6380"},
    {"redis-timeout", "20"},
    {"redis-key-secret", "0123456789abcdef0123"},
    {"redis-breaker-failures", "5"},
    {"redis-breaker-backoff", "500"},
    {"trust-anchor-auto-file", "/tmp/tern-reload-test.autokey"},
    {"control-socket", "/tmp/tern-reload-test.ctl"},
    {"tls-listen", "127.0.0.1@8853"},
    {"https-listen", "127.0.0.1@8443"},
    {"username", "nobody"},
    {"chroot", "/"},
    {"pidfile", "/tmp/tern-reload-test.pid"},
    {"metrics-listen", "127.0.0.1@9999"},
    {"dnstap-socket", "/tmp/tern-reload-test.tap"},
    {"dnstap-address", "127.0.0.1@6000"},  // not with dnstap-socket: changed on its own below
    {"dnstap-log-client-query", "yes"},
    {"dnstap-log-client-response", "yes"},
    {"dnstap-log-resolver-query", "yes"},
    {"dnstap-log-resolver-response", "yes"},
    {"dnstap-send-identity", "yes"},
    {"dnstap-identity", "ns9"},
    {"dnstap-send-version", "yes"},
    {"dnstap-version", "v9"},
    {"http-listen", "127.0.0.1@9998"},
    {"http-access-control", "192.0.2.0/24 allow"},
};

/// Restart-only settings that cannot be set together with the others (one dnstap collector).
const std::vector<std::string> changed_alone = {"dnstap-address"};

/// Reloadable settings changed alongside (tls-listen needs the certificate and key set).
const std::vector<std::string> reloadable_changes = {
    "ip-ratelimit=100", "verbosity=3", "tls-certificate=/tmp/cert.pem", "tls-private-key=/tmp/key.pem"};

std::vector<std::string> overrides_changing_everything() {
  std::vector<std::string> overrides = reloadable_changes;
  for (const auto& [name, value] : restart_only_changes)
    if (std::find(changed_alone.begin(), changed_alone.end(), name) == changed_alone.end())
      overrides.push_back(name + "=" + value);
  return overrides;
}

std::vector<std::string> restart_rows_in_table_order() {
  std::vector<std::string> names;
  for (const Setting& setting : settings_table())
    if (setting.reload == Reload::restart) names.emplace_back(setting.name);
  return names;
}

std::vector<std::string> as_strings(const std::vector<std::string_view>& names) {
  return {names.begin(), names.end()};
}

}  // namespace

TEST_CASE("reload column: every setting says whether a reload applies it", "[config][reload]") {
  for (const Setting& setting : settings_table()) {
    INFO(setting.name);
    CHECK(setting.reload != Reload::unspecified);
  }
  // The test's list of changes covers exactly the restart-only rows.
  std::vector<std::string> listed;
  for (const auto& entry : restart_only_changes) listed.push_back(entry.first);
  std::vector<std::string> rows = restart_rows_in_table_order();
  std::sort(rows.begin(), rows.end());
  CHECK(listed == rows);
}

TEST_CASE("reload: only the restart-only settings that changed are named", "[config][reload]") {
  const Config running = load_config("", {});
  CHECK(restart_settings_changed(running, load_config("", {})).empty());
  CHECK(restart_settings_changed(running, load_config("", {"ip-ratelimit=100", "verbosity=3"})).empty());

  Config fresh = load_config("", {"verbosity=3", "listen=[127.0.0.1@53, ::1@5300]", "access-control=10.9.0.0/16 deny",
                                  "cache-size=2m", "metrics-listen=127.0.0.1@9999"});
  CHECK(as_strings(restart_settings_changed(running, fresh)) ==
        std::vector<std::string>{"listen", "cache-size", "metrics-listen"});

  // A change back to the running value is no change.
  CHECK(restart_settings_changed(running, load_config("", {"listen=[127.0.0.1@53, ::1@53]"})).empty());
}

TEST_CASE("reload: every restart-only setting is named, then kept at its running value", "[config][reload]") {
  const Config running = load_config("", {});
  const Config fresh = load_config("", overrides_changing_everything());
  std::vector<std::string> rows = restart_rows_in_table_order();
  for (const std::string& alone : changed_alone) std::erase(rows, alone);
  CHECK(as_strings(restart_settings_changed(running, fresh)) == rows);
  for (const std::string& alone : changed_alone) {
    const Config changed = load_config("", {alone + "=" + restart_only_changes.at(alone)});
    CHECK(as_strings(restart_settings_changed(running, changed)) == std::vector<std::string>{alone});
    CHECK(restart_settings_changed(running, keep_restart_settings(running, changed)).empty());
  }

  const Config applied = keep_restart_settings(running, fresh);
  CHECK(restart_settings_changed(running, applied).empty());
  CHECK(dump_config(applied) != dump_config(running));  // the reloadable changes stay
  CHECK(applied.ip_ratelimit == 100);
  CHECK(applied.verbosity == 3);
  CHECK(applied.tls_certificate == "/tmp/cert.pem");
  CHECK(applied.listen == running.listen);
}

TEST_CASE("reload: compared with what runs, threads: auto is the number of cores", "[config][reload]") {
  // ternd resolves automatic values at start and at each reload (resolve_automatic): on four
  // cores, `threads: 4` after `threads: auto` is no change, `threads: 3` is.
  const Config running = resolve_automatic(load_config("", {}), 4);
  CHECK(running.threads == 4);
  CHECK(restart_settings_changed(running, resolve_automatic(load_config("", {"threads=4"}), 4)).empty());
  CHECK(as_strings(restart_settings_changed(running, resolve_automatic(load_config("", {"threads=3"}), 4))) ==
        std::vector<std::string>{"threads"});
  CHECK(resolve_automatic(load_config("", {"threads=2"}), 4).threads == 2);
}

TEST_CASE("reload: the summary names every setting that changed", "[config][reload]") {
  const Config running = load_config("", {});
  CHECK(settings_changed(running, load_config("", {})).empty());
  CHECK(as_strings(settings_changed(running, load_config("", {"ip-ratelimit=100", "verbosity=3"}))) ==
        std::vector<std::string>{"ip-ratelimit", "verbosity"});
}
