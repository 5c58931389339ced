#include "daemon/config/access_control.hpp"
#include "daemon/config/command_line.hpp"
#include "daemon/config/config_loader.hpp"
#include "daemon/config/settings_table.hpp"
#include "tests/unit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace tern::daemon;
namespace fs = std::filesystem;

namespace {

using tern::test::TempDir;

Config load_text(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  TempDir dir;
  return load_config(dir.write("ternd.yaml", yaml), overrides);
}

/// The error loading `yaml` (then `overrides`) raises; fails the test when it loads.
ConfigError load_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  TempDir dir;
  std::string path = dir.write("ternd.yaml", yaml);
  try {
    load_config(path, overrides);
  } catch (const ConfigError& e) {
    CHECK(e.file() == (e.line() == 0 && e.file() == "--set" ? "--set" : path));
    return e;
  }
  FAIL("expected a ConfigError for:\n" << yaml);
  throw std::logic_error("unreachable");
}

/// Checks that `yaml` fails at `line` with `message` ("setting: why").
void check_error(const std::string& yaml, int line, const std::string& message) {
  INFO(yaml);
  ConfigError e = load_error(yaml);
  CHECK(e.line() == line);
  CHECK(e.message() == message);
}

void check_set_error(const std::string& override_text, const std::string& message) {
  ConfigError e = load_error("", {override_text});
  CHECK(e.file() == "--set");
  CHECK(e.line() == 0);
  CHECK(e.message() == override_text + ": " + message);
  CHECK(format_config_error(e) == "--set " + override_text + ": " + message);
}

void check_same(const Config& a, const Config& b) {
  CHECK(a.listen == b.listen);
  CHECK(a.root_hints == b.root_hints);
  CHECK(a.threads == b.threads);
  CHECK(a.outgoing_address == b.outgoing_address);
  CHECK(a.query_loopback == b.query_loopback);
  CHECK(a.do_ip4 == b.do_ip4);
  CHECK(a.do_ip6 == b.do_ip6);
  CHECK(a.qname_minimisation == b.qname_minimisation);
  CHECK(a.edns_buffer_size == b.edns_buffer_size);
  CHECK(a.access_control == b.access_control);
  CHECK(a.cache_size == b.cache_size);
  CHECK(a.cache_min_ttl == b.cache_min_ttl);
  CHECK(a.cache_max_ttl == b.cache_max_ttl);
  CHECK(a.cache_min_negative_ttl == b.cache_min_negative_ttl);
  CHECK(a.cache_max_negative_ttl == b.cache_max_negative_ttl);
  CHECK(a.serve_stale == b.serve_stale);
  CHECK(a.serve_stale_max == b.serve_stale_max);
  CHECK(a.serve_stale_client_timeout_ms == b.serve_stale_client_timeout_ms);
  CHECK(a.prefetch == b.prefetch);
  CHECK(a.tls_early_data == b.tls_early_data);
  CHECK(a.control_socket == b.control_socket);
  CHECK(a.tcp_idle_timeout_ms == b.tcp_idle_timeout_ms);
  CHECK(a.tcp_max_connections == b.tcp_max_connections);
  CHECK(a.verbosity == b.verbosity);
  CHECK(a.username == b.username);
  CHECK(a.chroot == b.chroot);
  CHECK(a.pidfile == b.pidfile);
  CHECK(a.log_destination == b.log_destination);
  CHECK(a.log_rate_limit == b.log_rate_limit);
  CHECK(a.metrics_listen == b.metrics_listen);
  CHECK(a.http_listen == b.http_listen);
  CHECK(a.http_access_control == b.http_access_control);
  CHECK(a.query_log == b.query_log);
  CHECK(a.local_zone == b.local_zone);
  CHECK(a.local_data == b.local_data);
  CHECK(a.forward_zone == b.forward_zone);
  CHECK(a.stub_zone == b.stub_zone);
  CHECK(a.rpz == b.rpz);
  CHECK(a.tls_ca_file == b.tls_ca_file);
  CHECK(a.hide_identity == b.hide_identity);
  CHECK(a.identity == b.identity);
  CHECK(a.hide_version == b.hide_version);
  CHECK(a.version == b.version);
  CHECK(a.nsid == b.nsid);
  CHECK(a.dnssec == b.dnssec);
  CHECK(a.trust_anchor_file == b.trust_anchor_file);
  CHECK(a.trust_anchor_auto_file == b.trust_anchor_auto_file);
  CHECK(a.domain_insecure == b.domain_insecure);
  CHECK(a.aggressive_nsec == b.aggressive_nsec);
  CHECK(a.dnssec_log_bogus == b.dnssec_log_bogus);
}

ListenEndpoint endpoint(const char* address, std::uint16_t port) {
  return ListenEndpoint{asio::ip::make_address(address), port};
}

AclRule acl(const char* text) {
  std::string error;
  return *parse_acl_rule(text, error);
}

/// A self-signed CA certificate (EC P-256, valid until 2126) for tls-ca-file.
constexpr const char* test_ca_pem = R"(-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIUY8sqAMq8deMGHcnxjNHK40BeETcwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMY2EudGVybi50ZXN0MCAXDTI2MTEyNTAwMTQzNFoYDzIxMjYx
MTAxMDAxNDM0WjAXMRUwEwYDVQQDDAxjYS50ZXJuLnRlc3QwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAARTYSJzeqZfB1Etux0MiiHM8bxACk/6uMxSZZLGlpCGWvr/
uQiNjN1cdcqAtR0xPuGYe08OTSeSqo3aJt59z/syo1MwUTAdBgNVHQ4EFgQUUjSL
iNThkWsLphgmCRiAW/Y0LTMwHwYDVR0jBBgwFoAUUjSLiNThkWsLphgmCRiAW/Y0
LTMwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiAhbObV46lYjQcy
AF2v4vcRe/a5m+F4zhjVNkmA0H0eSQIhAILP32EhsV5G9dwNK79KBKGAY5IkyG1G
2iqd1Jyd4X8n
-----END CERTIFICATE-----
)";

}  // namespace

TEST_CASE("config: defaults come from the table", "[config]") {
  Config config = default_config();
  CHECK(config.listen == std::vector{endpoint("127.0.0.1", 53), endpoint("::1", 53)});
  CHECK(config.root_hints.empty());
  CHECK(config.threads == 0);
  CHECK(config.outgoing_address.empty());
  CHECK_FALSE(config.query_loopback);
  CHECK(config.do_ip4);
  CHECK(config.do_ip6);
  CHECK(config.qname_minimisation == QnameMinimisation::relaxed);
  CHECK(config.edns_buffer_size == 1232);
  CHECK(config.access_control == default_access_control());
  CHECK(config.cache_size == 64ull << 20);
  CHECK(config.cache_min_ttl == 0);
  CHECK(config.cache_max_ttl == 86400);
  CHECK(config.cache_min_negative_ttl == 0);
  CHECK(config.cache_max_negative_ttl == 3600);
  CHECK_FALSE(config.serve_stale);
  CHECK(config.serve_stale_max == 86400);
  CHECK(config.serve_stale_client_timeout_ms == 1800);
  CHECK_FALSE(config.prefetch);
  CHECK_FALSE(config.tls_early_data);  // 0-RTT is replayable: off unless asked for
  CHECK(config.control_socket == "/run/tern/ternd.ctl");
  CHECK(config.tcp_idle_timeout_ms == 10000);
  CHECK(config.tcp_max_connections == 1024);
  CHECK(config.verbosity == 1);
  check_same(load_config("", {}), config);
}

TEST_CASE("config: empty and comment-only files mean all defaults", "[config]") {
  check_same(load_text(""), default_config());
  check_same(load_text("# nothing set\n\n"), default_config());
  check_same(load_text("---\n"), default_config());
}

TEST_CASE("config: every setting's happy path", "[config]") {
  TempDir dir;
  dir.write("hints.zone", ". 3600 IN NS a.root.lab.\n");
  Config config = load_config(dir.write("ternd.yaml", R"(
listen:
  - 127.0.0.1@5353
  - ::1
  - "192.0.2.1@853"
root-hints: hints.zone
threads: 4
outgoing-address: [192.0.2.10, 2001:db8::10]
query-loopback: yes
do-ip4: on
do-ip6: false
qname-minimisation: strict
edns-buffer-size: 4096
max-resolutions-per-worker: 100
resolution-jostle-timeout: 0
max-upstream-sockets-per-worker: 300
access-control:
  - 192.0.2.0/24 allow
  - 10.0.0.0/8 deny
cache-size: 1g
cache-min-ttl: 60
cache-max-ttl: 3600
cache-min-negative-ttl: 5
cache-max-negative-ttl: 900
serve-stale: yes
serve-stale-max: 259200
serve-stale-client-timeout: 0
prefetch: on
control-socket: /tmp/tern.ctl
tcp-idle-timeout: 100
tcp-max-connections: 100000
verbosity: 5
)"), {});
  CHECK(config.listen == std::vector{endpoint("127.0.0.1", 5353), endpoint("::1", 53),
                                     endpoint("192.0.2.1", 853)});
  CHECK(config.root_hints == (dir.path() / "hints.zone").string());
  CHECK(config.threads == 4);
  CHECK(config.outgoing_address == std::vector{asio::ip::make_address("192.0.2.10"),
                                               asio::ip::make_address("2001:db8::10")});
  CHECK(config.query_loopback);
  CHECK(config.do_ip4);
  CHECK_FALSE(config.do_ip6);
  CHECK(config.qname_minimisation == QnameMinimisation::strict);
  CHECK(config.edns_buffer_size == 4096);
  CHECK(config.max_resolutions_per_worker == 100);
  CHECK(config.resolution_jostle_timeout_ms == 0);
  CHECK(config.max_upstream_sockets_per_worker == 300);
  CHECK(config.access_control ==
        merge_acl_rules(default_access_control(), {acl("192.0.2.0/24 allow"), acl("10.0.0.0/8 deny")}));
  CHECK(config.cache_size == 1ull << 30);
  CHECK(config.cache_min_ttl == 60);
  CHECK(config.cache_max_ttl == 3600);
  CHECK(config.cache_min_negative_ttl == 5);
  CHECK(config.cache_max_negative_ttl == 900);
  CHECK(config.serve_stale);
  CHECK(config.serve_stale_max == 259200);
  CHECK(config.serve_stale_client_timeout_ms == 0);
  CHECK(config.prefetch);
  CHECK(config.control_socket == "/tmp/tern.ctl");
  CHECK(config.tcp_idle_timeout_ms == 100);
  CHECK(config.tcp_max_connections == 100000);
  CHECK(config.verbosity == 5);
}

TEST_CASE("config: a single scalar is a one-element list", "[config]") {
  Config config = load_text("listen: ::1@5353\noutgoing-address: 192.0.2.1\n"
                            "access-control: 0.0.0.0/0 allow\n");
  CHECK(config.listen == std::vector{endpoint("::1", 5353)});
  CHECK(config.outgoing_address == std::vector{asio::ip::make_address("192.0.2.1")});
  CHECK(config.access_control.size() == default_access_control().size());
  CHECK(decide_access(config.access_control, asio::ip::make_address("8.8.8.8")) ==
        AclAction::allow);
}

TEST_CASE("config: booleans", "[config]") {
  for (auto [text, value] : {std::pair{"yes", true}, {"no", false}, {"true", true},
                             {"false", false}, {"on", true}, {"off", false}, {"Yes", true},
                             {"OFF", false}}) {
    INFO(text);
    CHECK(load_text(std::string("query-loopback: ") + text).query_loopback == value);
  }
  check_error("query-loopback: 1\n", 1,
              "query-loopback: '1' is not a boolean (yes/no, true/false, on/off)");
}

TEST_CASE("config: qname-minimisation words", "[config]") {
  using Q = QnameMinimisation;
  for (auto [text, value] : {std::pair{"off", Q::off}, {"relaxed", Q::relaxed},
                             {"strict", Q::strict}, {"yes", Q::relaxed}, {"no", Q::off}}) {
    INFO(text);
    CHECK(load_text(std::string("qname-minimisation: ") + text).qname_minimisation == value);
  }
  check_error("qname-minimisation: lax\n", 1,
              "qname-minimisation: 'lax' is not one of off, relaxed, strict");
}

TEST_CASE("config: cache-size suffixes are 1024-based", "[config]") {
  for (auto [text, bytes] : {std::pair{"64m", 64ull << 20}, {"1048576", 1ull << 20},
                             {"1024k", 1ull << 20}, {"2G", 2ull << 30}, {"64mb", 64ull << 20},
                             {"1t", 1ull << 40}, {"1536K", 1536ull << 10}}) {
    INFO(text);
    CHECK(load_text(std::string("cache-size: ") + text).cache_size == bytes);
  }
  check_error("cache-size: 512k\n", 1, "cache-size: 512k is out of range (1m..1t)");
  check_error("cache-size: 1048575\n", 1, "cache-size: 1048575 is out of range (1m..1t)");
  check_error("cache-size: 2t\n", 1, "cache-size: 2t is out of range (1m..1t)");
  check_error("cache-size: 0.5g\n", 1, "cache-size: '0.5g' is not a size (1m..1t)");
  check_error("cache-size: 64x\n", 1, "cache-size: '64x' is not a size (1m..1t)");
  check_error("cache-size: 99999999999999999999\n", 1,
              "cache-size: '99999999999999999999' is not a size (1m..1t)");
}

TEST_CASE("config: integer ranges", "[config]") {
  CHECK(load_text("threads: auto").threads == 0);
  CHECK(load_text("threads: 0").threads == 0);
  CHECK(load_text("threads: 256").threads == 256);
  CHECK(load_text("threads: \"8\"").threads == 8);
  CHECK(load_text("edns-buffer-size: 512").edns_buffer_size == 512);
  CHECK(load_text("verbosity: 0").verbosity == 0);
  check_error("threads: 257\n", 1, "threads: 257 is out of range (0..256, or auto)");
  check_error("threads: many\n", 1, "threads: 'many' is not a number (0..256, or auto)");
  check_error("threads: 0x10\n", 1, "threads: '0x10' is not a number (0..256, or auto)");
  check_error("edns-buffer-size: 511\n", 1, "edns-buffer-size: 511 is out of range (512..4096)");
  check_error("edns-buffer-size: 4097\n", 1, "edns-buffer-size: 4097 is out of range (512..4096)");
  check_error("tcp-idle-timeout: 99\n", 1, "tcp-idle-timeout: 99 is out of range (100..600000)");
  check_error("tcp-max-connections: 0\n", 1,
              "tcp-max-connections: 0 is out of range (1..100000)");
  check_error("verbosity: 6\n", 1, "verbosity: 6 is out of range (0..5)");
  check_error("verbosity: -1\n", 1, "verbosity: -1 is out of range (0..5)");
  check_error("verbosity: 1.5\n", 1, "verbosity: '1.5' is not a number (0..5)");
}

TEST_CASE("config: cache TTL and serve-stale ranges", "[config]") {
  CHECK(load_text("cache-max-ttl: 2147483647").cache_max_ttl == 2147483647u);
  CHECK(load_text("cache-min-ttl: 0\ncache-max-ttl: 0").cache_max_ttl == 0);
  CHECK(load_text("serve-stale-client-timeout: 60000").serve_stale_client_timeout_ms == 60000);
  CHECK(load_text("serve-stale-max: 0").serve_stale_max == 0);
  check_error("cache-max-ttl: 2147483648\n", 1,
              "cache-max-ttl: 2147483648 is out of range (0..2147483647)");
  check_error("cache-min-ttl: -1\n", 1, "cache-min-ttl: -1 is out of range (0..2147483647)");
  check_error("cache-max-negative-ttl: 1h\n", 1,
              "cache-max-negative-ttl: '1h' is not a number (0..2147483647)");
  check_error("serve-stale-client-timeout: 60001\n", 1,
              "serve-stale-client-timeout: 60001 is out of range (0..60000)");
  check_error("serve-stale-max: 4294967296\n", 1,
              "serve-stale-max: 4294967296 is out of range (0..2147483647)");
  check_error("serve-stale: sometimes\n", 1,
              "serve-stale: 'sometimes' is not a boolean (yes/no, true/false, on/off)");
  check_error("prefetch: 1\n", 1, "prefetch: '1' is not a boolean (yes/no, true/false, on/off)");
  check_error("serve-expired: yes\n", 1,
              "unknown setting 'serve-expired' (did you mean 'serve-stale'?)");
  check_error("control-interface: 127.0.0.1\n", 1,
              "unknown setting 'control-interface' (did you mean 'control-socket'?)");
}

TEST_CASE("config: the minimum TTLs may not exceed the maximum ones", "[config]") {
  // Blamed on whichever of the two was set last; a default counts as set first.
  check_error("cache-min-ttl: 600\nthreads: 1\ncache-max-ttl: 300\n", 3,
              "cache-max-ttl: cache-min-ttl (600) is above cache-max-ttl (300)");
  check_error("cache-max-ttl: 300\ncache-min-ttl: 600\n", 2,
              "cache-min-ttl: cache-min-ttl (600) is above cache-max-ttl (300)");
  check_error("\ncache-min-ttl: 90000\n", 2,
              "cache-min-ttl: cache-min-ttl (90000) is above cache-max-ttl (86400)");
  check_error("cache-min-negative-ttl: 7200\n", 1,
              "cache-min-negative-ttl: cache-min-negative-ttl (7200) is above "
              "cache-max-negative-ttl (3600)");
  check_error("cache-max-negative-ttl: 10\ncache-min-negative-ttl: 11\n", 2,
              "cache-min-negative-ttl: cache-min-negative-ttl (11) is above "
              "cache-max-negative-ttl (10)");
  // The final values are compared, not each step: raising both, minimum first, is fine.
  Config raised = load_text("cache-min-ttl: 100000\ncache-max-ttl: 200000\n"
                            "cache-min-negative-ttl: 7200\ncache-max-negative-ttl: 10800\n");
  CHECK(raised.cache_min_ttl == 100000);
  CHECK(raised.cache_max_negative_ttl == 10800);
  CHECK(load_text("cache-min-ttl: 300\ncache-max-ttl: 300\n").cache_min_ttl == 300);
  ConfigError e = load_error("cache-min-ttl: 60\n", {"threads=2", "cache-max-ttl=30"});
  CHECK(format_config_error(e) ==
        "--set cache-max-ttl=30: cache-min-ttl (60) is above cache-max-ttl (30)");
  CHECK(load_text("cache-min-ttl: 600\ncache-max-ttl: 300\n", {"cache-min-ttl=0"})
            .cache_min_ttl == 0);
}

TEST_CASE("config: control-socket", "[config]") {
  TempDir dir;
  std::string yaml = dir.write("ternd.yaml", "control-socket: run/ternd.ctl\n");
  CHECK(load_config(yaml, {}).control_socket == (dir.path() / "run/ternd.ctl").string());
  CHECK(load_text("control-socket: \"\"").control_socket.empty());
  CHECK(load_config("", {"control-socket="}).control_socket.empty());
  CHECK(load_config("", {"control-socket=/tmp/x/../ctl.sock"}).control_socket == "/tmp/ctl.sock");
  check_error("control-socket: " + dir.path().string() + "\n", 1,
              "control-socket: '" + dir.path().string() + "' is a directory");
  check_error("control-socket: /run/tern/\n", 1,
              "control-socket: '/run/tern/' names a directory, not a socket");
  std::string long_path = "/tmp/" + std::string(103, 'x');
  check_error("control-socket: " + long_path + "\n", 1,
              "control-socket: '" + long_path +
                  "' is longer than 107 octets (a unix socket's limit)");
  CHECK(load_text("control-socket: " + long_path.substr(0, 107)).control_socket.size() == 107);
  check_error("control-socket: [a, b]\n", 1, "control-socket: expected a file path, got a list");
}

TEST_CASE("config: operations settings", "[config]") {
  TempDir dir;
  const Config defaults = default_config();
  CHECK(defaults.username == "tern");
  CHECK(defaults.chroot.empty());
  CHECK(defaults.pidfile.empty());
  CHECK(defaults.metrics_listen.empty());
  CHECK(defaults.query_log.empty());
  CHECK(defaults.log_destination == LogDestination::automatic);
  CHECK(load_text("username: \"\"").username.empty());
  CHECK(load_text("username: unbound").username == "unbound");
  check_error("username: \"a b\"\n", 1, "username: 'a b' is not a user name");
  check_error("username: [a]\n", 1, "username: expected a word, got a list");
  std::string yaml = dir.write("ternd.yaml", "pidfile: run/ternd.pid\nquery-log: q.log\n");
  CHECK(load_config(yaml, {}).pidfile == (dir.path() / "run/ternd.pid").string());
  CHECK(load_config(yaml, {}).query_log == (dir.path() / "q.log").string());
  CHECK(load_text("query-log: stderr").query_log == "stderr");
  check_error("query-log: " + dir.path().string() + "\n", 1,
              "query-log: '" + dir.path().string() + "' is a directory");
  CHECK(load_text("chroot: " + dir.path().string()).chroot == dir.path().string());
  check_error("chroot: /nonexistent-tern-dir\n", 1, "chroot: '/nonexistent-tern-dir' is not a directory");
  CHECK(load_text("log-destination: syslog").log_destination == LogDestination::syslog);
  check_error("log-destination: journal\n", 1,
              "log-destination: 'journal' is not one of auto, stderr, syslog");
  check_error("log-rate-limit: -1\n", 1, "log-rate-limit: -1 is out of range (0..100000)");
  CHECK(load_text("metrics-listen: 127.0.0.1@9153").metrics_listen ==
        std::vector<ListenEndpoint>{endpoint("127.0.0.1", 9153)});
  check_error("metrics-listen: 127.0.0.1\n", 1,
              "metrics-listen: '127.0.0.1' needs a port: ADDRESS@PORT, e.g. 127.0.0.1@9153");
  check_error("metrics-listen: [127.0.0.1@0]\n", 1, "metrics-listen: bad port '0' (1..65535)");
}

TEST_CASE("config: every ADDRESS@PORT setting also reads IPV4:PORT and [IPV6]:PORT", "[config][endpoint]") {
  // The colon form is what Prometheus and most tools write (issue 17): read, never misread.
  CHECK(load_text("metrics-listen: 127.0.0.1:9153").metrics_listen ==
        std::vector<ListenEndpoint>{endpoint("127.0.0.1", 9153)});
  CHECK(load_text("metrics-listen: \"[::1]:9153\"").metrics_listen ==
        std::vector<ListenEndpoint>{endpoint("::1", 9153)});
  CHECK(load_text("listen: [\"127.0.0.1:5353\", \"[::1]:5353\", 10.0.0.1]").listen ==
        std::vector<ListenEndpoint>{endpoint("127.0.0.1", 5353), endpoint("::1", 5353), endpoint("10.0.0.1", 53)});
  CHECK(load_text("tls-listen: 127.0.0.1:8853\ntls-certificate: a.pem\ntls-private-key: /a.key\n").tls_listen ==
        std::vector<ListenEndpoint>{endpoint("127.0.0.1", 8853)});
  Config zones = load_text("forward-zone: [{name: a., servers: [\"192.0.2.1:5300\", 192.0.2.2]},"
                           " {name: b., servers: [\"192.0.2.3:8853\", 192.0.2.4], forward-tls: yes,"
                           " forward-tls-name: dns.example}]\n");
  REQUIRE(zones.forward_zone.size() == 2);
  CHECK(zones.forward_zone[0].servers == std::vector<ZoneServer>{{asio::ip::make_address("192.0.2.1"), 5300},
                                                                  {asio::ip::make_address("192.0.2.2"), 53}});
  CHECK(zones.forward_zone[1].servers == std::vector<ZoneServer>{{asio::ip::make_address("192.0.2.3"), 8853},
                                                                  {asio::ip::make_address("192.0.2.4"), 853}});
  // An IPv6 address without brackets is all colons: "::1:9153" is one address, with no port.
  check_error("metrics-listen: \"::1:9153\"\n", 1,
              "metrics-listen: '::1:9153' needs a port: ADDRESS@PORT or [ADDRESS]:PORT, e.g. ::1@9153");
  CHECK(load_text("listen: \"::1:53\"").listen == std::vector<ListenEndpoint>{endpoint("::1:53", 53)});
  check_error("listen: \"127.0.0.1:99999\"\n", 1, "listen: bad port '99999' (1..65535)");
  check_error("listen: \"[::1]53\"\n", 1, "listen: '[::1]53' is not an IP address (expected ADDRESS[@PORT])");
  check_error("listen: \"localhost:53\"\n", 1, "listen: 'localhost' is not an IP address (expected ADDRESS[@PORT])");
}

TEST_CASE("config: root-hints must name a readable file", "[config]") {
  TempDir dir;
  std::string hints = dir.write("hints.zone", "");
  CHECK(load_text("root-hints: " + hints).root_hints == hints);
  CHECK(load_text("root-hints: \"\"").root_hints.empty());
  check_error("threads: 2\nroot-hints: /nonexistent/hints.zone\n", 2,
              "root-hints: cannot read '/nonexistent/hints.zone': No such file or directory");
  check_error("\nroot-hints: " + dir.path().string() + "\n", 2,
              "root-hints: '" + dir.path().string() + "' is a directory");
}

TEST_CASE("config: listen values", "[config]") {
  check_error("listen:\n  - 127.0.0.1\n  - ::1@5353\n  - 127.0.0.1@99999\n", 4,
              "listen: bad port '99999' (1..65535)");
  check_error("listen: [::1, ::1@0]\n", 1, "listen: bad port '0' (1..65535)");
  check_error("listen: localhost\n", 1,
              "listen: 'localhost' is not an IP address (expected ADDRESS[@PORT])");
  check_error("listen: 224.0.0.1\n", 1, "listen: '224.0.0.1' is a multicast address");
  check_error("listen: []\n", 1, "listen: at least one address is needed");
  check_error("listen:\n  - ::1\n  - ::1@53\n", 3, "listen: '::1@53' is listed twice");
  check_error("outgoing-address:\n\n  - 192.0.2.1@53\n", 3,
              "outgoing-address: '192.0.2.1@53' is not an IP address");
}

TEST_CASE("config: access-control errors point at the rule", "[config]") {
  check_error("access-control:\n  - 10.0.0.0/8 allow\n  - 10.0.0.0/8 permit\n", 3,
              "access-control: unknown action 'permit' (allow, refuse or deny)");
  check_error("access-control: [10.0.0.0/40 allow]\n", 1,
              "access-control: bad prefix length '40' (0..32)");
}

TEST_CASE("config: wrong types and missing values", "[config]") {
  check_error("threads: [1, 2]\n", 1, "threads: expected an integer, got a list");
  check_error("verbosity:\n  level: 2\n", 2, "verbosity: expected an integer, got a mapping");
  check_error("cache-size: 64m\nthreads:\nverbosity: 2\n", 2, "threads: missing value");
  check_error("listen:\n  a: b\n", 2, "listen: expected a list of ADDRESS[@PORT], got a mapping");
  check_error("listen:\n  - [::1]\n", 2, "listen: list items must be single values, got a list");
  check_error("listen:\n", 1, "listen: missing value");
}

TEST_CASE("config: unknown settings, with a suggestion", "[config]") {
  check_error("threads: 2\nthread: 3\n", 2, "unknown setting 'thread' (did you mean 'threads'?)");
  check_error("\n\nqname_minimisation: off\n", 3,
              "unknown setting 'qname_minimisation' (did you mean 'qname-minimisation'?)");
  check_error("cache: 1g\n", 1, "unknown setting 'cache' (did you mean 'cache-size'?)");
  check_error("interface: ::1\n", 1, "unknown setting 'interface' (did you mean 'listen'?)");
  check_error("server:\n  verbosity: 1\n", 1,
              "unknown setting 'server' (tern's settings are at the top level, not under it)");
  check_error("foo: 1\n", 1, "unknown setting 'foo'");
}

TEST_CASE("config: structure errors", "[config]") {
  check_error("threads: 2\nthreads: 3\n", 2, "'threads' is set twice (first on line 1)");
  check_error("- threads\n", 1, "the top level must be a mapping of settings (name: value)");
  check_error("\njust text\n", 2, "the top level must be a mapping of settings (name: value)");
  check_error("[a, b]: 1\n", 1, "a setting name must be a word");
  check_error("threads: 1\n---\nthreads: 2\n", 3,
              "a second YAML document: the configuration is one mapping of settings");
}

TEST_CASE("config: YAML syntax errors carry the parser's line", "[config]") {
  check_error("threads: 1\nlisten: [::1\n", 3, "end of sequence flow not found");
  check_error("verbosity: 1\n  threads: 2\n", 2, "illegal map value");
  check_error("root-hints: \"\\q\"\n", 1, "unknown escape character: q");
}

TEST_CASE("config: unreadable files", "[config]") {
  try {
    load_config("/nonexistent/ternd.yaml", {});
    FAIL("loaded a missing file");
  } catch (const ConfigError& e) {
    CHECK(e.line() == 0);
    CHECK(format_config_error(e) ==
          "/nonexistent/ternd.yaml: cannot open: No such file or directory");
  }
  TempDir dir;
  CHECK_THROWS_WITH(load_config(dir.path().string(), {}),
                    dir.path().string() + ": cannot read: Is a directory");
  CHECK_THROWS_WITH(load_config("/dev/zero", {}),
                    "/dev/zero: larger than 16 MiB: not a configuration file");
}

TEST_CASE("config: do-ip4 and do-ip6 cannot both be off", "[config]") {
  check_error("do-ip6: no\nthreads: 1\ndo-ip4: no\n", 3,
              "do-ip4: do-ip4 and do-ip6 are both off; at least one must stay on");
  check_error("do-ip4: no\ndo-ip6: no\n", 2,
              "do-ip6: do-ip4 and do-ip6 are both off; at least one must stay on");
  ConfigError e = load_error("do-ip4: no\n", {"threads=1", "do-ip6=no"});
  CHECK(format_config_error(e) ==
        "--set do-ip6=no: do-ip4 and do-ip6 are both off; at least one must stay on");
  CHECK_FALSE(load_text("do-ip4: no\ndo-ip6: no\n", {"do-ip4=yes"}).do_ip6);
}

TEST_CASE("config: tls-listen defaults to port 853 and needs a certificate and key", "[config][tls]") {
  CHECK(load_text("").tls_listen.empty());
  check_error("tls-certificate: /etc/tern/dot.pem\ntls-listen: 127.0.0.1\n", 2,
              "tls-listen: tls-listen needs tls-certificate and tls-private-key");
  check_error("tls-listen: 127.0.0.1\ntls-private-key: /etc/tern/dot.key\n", 1,
              "tls-listen: tls-listen needs tls-certificate and tls-private-key");
  Config config = load_text("tls-listen: [127.0.0.1, \"::1@8853\"]\ntls-certificate: dot.pem\n"
                            "tls-private-key: /etc/tern/dot.key\n");
  CHECK(config.tls_listen == std::vector{endpoint("127.0.0.1", 853), endpoint("::1", 8853)});
  CHECK(fs::path(config.tls_certificate).is_absolute());  // relative to the config file's directory
  CHECK(fs::path(config.tls_certificate).filename() == "dot.pem");
  CHECK(config.tls_private_key == "/etc/tern/dot.key");
  CHECK_FALSE(config.tls_early_data);
  CHECK(load_text("tls-early-data: yes\n").tls_early_data);
  check_error("tls-early-data: 0-rtt\n", 1, "tls-early-data: '0-rtt' is not a boolean (yes/no, true/false, on/off)");
}

TEST_CASE("config: --set overrides apply after the file, in order", "[config]") {
  Config config = load_text("threads: 2\nverbosity: 3\n",
                            {"threads=4", "listen=[127.0.0.1@5353, ::1@5353]", "threads=auto",
                             "access-control=192.0.2.0/24 allow", "qname-minimisation=no"});
  CHECK(config.threads == 0);
  CHECK(config.verbosity == 3);
  CHECK(config.listen == std::vector{endpoint("127.0.0.1", 5353), endpoint("::1", 5353)});
  CHECK(decide_access(config.access_control, asio::ip::make_address("192.0.2.9")) ==
        AclAction::allow);
  CHECK(config.qname_minimisation == QnameMinimisation::off);
  CHECK(load_config("", {"listen=::1@5353"}).listen == std::vector{endpoint("::1", 5353)});
  CHECK(load_config("", {"root-hints="}).root_hints.empty());
}

TEST_CASE("config: --set errors", "[config]") {
  check_set_error("threads=abc", "'abc' is not a number (0..256, or auto)");
  check_set_error("threads", "expected KEY=VALUE");
  check_set_error("=3", "expected KEY=VALUE");
  check_set_error("treads=3", "unknown setting 'treads' (did you mean 'threads'?)");
  check_set_error("listen=[::1", "end of sequence flow not found");
  check_set_error("listen=[::1, nowhere]", "'nowhere' is not an IP address (expected ADDRESS[@PORT])");
  check_set_error("verbosity={a: 1}", "expected an integer, got a mapping");
  check_set_error("root-hints=/nonexistent",
                  "cannot read '/nonexistent': No such file or directory");
  // A file error still wins over a later override: the file is validated first.
  ConfigError e = load_error("threads: 1000\n", {"threads=2"});
  CHECK(e.line() == 1);
}

TEST_CASE("config: error formats", "[config]") {
  ConfigError located("/etc/tern/ternd.yaml", 7, "threads: 300 is out of range");
  CHECK(format_config_error(located) == "/etc/tern/ternd.yaml:7: threads: 300 is out of range");
  CHECK(std::string(located.what()) == format_config_error(located));
  CHECK(format_config_error(ConfigError("x.yaml", 0, "cannot open: Permission denied")) ==
        "x.yaml: cannot open: Permission denied");
  CHECK(format_config_error(ConfigError("--set", 0, "threads=x: bad")) == "--set threads=x: bad");
}

TEST_CASE("config: --dump-config re-loads to an equal config", "[config]") {
  TempDir dir;
  std::string hints = dir.write("hints \"odd\" name.zone", "");
  std::string ca = dir.write("ca \"odd\".pem", test_ca_pem);
  std::vector<std::string> overrides{
      "listen=[192.0.2.1@5353, \"2001:db8::1\"]", "root-hints=" + hints, "threads=3",
      "outgoing-address=[192.0.2.9, 2001:db8::9]", "query-loopback=yes", "do-ip4=no",
      "qname-minimisation=strict", "edns-buffer-size=1400",
      "access-control=[0.0.0.0/0 allow, 192.0.2.0/24 deny, ::ffff:10.0.0.0/104 refuse]",
      "cache-size=1000000000", "cache-min-ttl=10", "cache-max-ttl=7200",
      "cache-min-negative-ttl=3", "cache-max-negative-ttl=60", "serve-stale=yes",
      "serve-stale-max=100", "serve-stale-client-timeout=0", "prefetch=yes", "tls-early-data=yes",
      "control-socket=/tmp/ctl \"odd\".sock", "tcp-idle-timeout=2500", "tcp-max-connections=7",
      "verbosity=4", "username=nobody", "chroot=/tmp", "pidfile=/tmp/t \"odd\".pid",
      "log-destination=syslog", "log-rate-limit=0", "metrics-listen=[127.0.0.1@9153, \"::1@9154\"]",
      "query-log=/tmp/q.log", "local-zone=[\"10.in-addr.arpa. nodefault\", \"home.example static\"]",
      "local-data=[\"printer.home.example. 300 IN A 192.168.1.2\", 'txt.home.example. TXT \"a b\"']",
      "forward-zone=[{name: corp., servers: [127.0.0.1@5353, \"::1\"], forward-first: yes}, "
      "{name: dot.example, servers: 192.0.2.53, forward-tls: yes, forward-tls-name: dns.example}]",
      "stub-zone=[{name: 10.in-addr.arpa, servers: [10.0.0.53]}]", "tls-ca-file=" + ca,
      "hide-identity=no", "identity=ns1 \"odd\"", "hide-version=no", "version=v 1", "nsid=0001ff",
      "dnssec=no", "trust-anchor-file=['" + dir.write("root \"odd\".key", "") + "', '" + ca + "']",
      "trust-anchor-auto-file=/tmp/auto \"odd\".key", "domain-insecure=[Broken.Example, test.]",
      "aggressive-nsec=no", "dnssec-log-bogus=yes"};
  for (const Config& config : {default_config(), load_config("", overrides)}) {
    std::string dump = dump_config(config);
    INFO(dump);
    check_same(load_text(dump), config);
    for (const Setting& setting : settings_table()) {
      CHECK(dump.find("\n" + std::string(setting.name) + ":") != std::string::npos);
      CHECK(dump.find("# " + std::string(setting.help) + "\n") != std::string::npos);
    }
  }
  CHECK(dump_config(default_config()).find("\ncache-size: 64m\n") != std::string::npos);
  CHECK(dump_config(default_config()).find("\nthreads: auto\n") != std::string::npos);
}

TEST_CASE("config: the settings table is complete and consistent", "[config]") {
  std::set<std::string_view> names;
  for (const Setting& setting : settings_table()) {
    INFO(setting.name);
    CHECK(names.insert(setting.name).second);
    CHECK(find_setting(setting.name) == &setting);
    CHECK_FALSE(setting.help.empty());
    CHECK(setting.help.size() <= 90);  // one line of --dump-config
    CHECK_FALSE(setting.doc.empty());
    CHECK_FALSE(setting.default_text.empty());
  }
  CHECK(names == std::set<std::string_view>{
                     "listen", "root-hints", "threads", "udp-batch-size", "so-rcvbuf", "so-sndbuf", "outgoing-address", "query-loopback",
                     "do-ip4", "do-ip6", "qname-minimisation", "use-caps-for-id", "cookies",
                     "cookie-secret-rotation", "edns-buffer-size",
                     "max-resolutions-per-worker", "resolution-jostle-timeout", "max-upstream-sockets-per-worker",
                     "access-control", "cache-size", "cache-min-ttl", "cache-max-ttl",
                     "cache-min-negative-ttl", "cache-max-negative-ttl",
                     "cache-min-failure-ttl", "cache-max-failure-ttl", "serve-stale",
                     "serve-stale-max", "serve-stale-client-timeout", "prefetch", "redis-server", "redis-timeout", "redis-key-secret",
      "redis-breaker-failures", "redis-breaker-backoff",
                     "control-socket", "tcp-idle-timeout",
                     "tcp-max-connections", "verbosity", "username", "chroot", "pidfile",
                     "log-destination", "log-rate-limit", "metrics-listen", "http-listen", "http-access-control", "query-log",
                     "local-zone", "local-data", "forward-zone", "stub-zone", "tls-ca-file", "rpz",
                     "tcp-max-connections-per-client", "tls-listen",
                     "tls-certificate", "tls-private-key", "tls-handshake-timeout",
                     "tls-max-connections", "tls-max-connections-per-client",
                     "tls-ticket-key-rotation", "tls-early-data", "https-listen", "https-endpoint", "https-max-streams", "ip-ratelimit", "ip-ratelimit-slip",
                     "include", "hide-identity", "identity", "hide-version", "version", "nsid",
                     "dnssec", "trust-anchor-file", "trust-anchor-auto-file", "domain-insecure",
                     "aggressive-nsec", "dnssec-log-bogus",
                     "dnstap-socket", "dnstap-address", "dnstap-log-client-query", "dnstap-log-client-response",
                     "dnstap-log-resolver-query", "dnstap-log-resolver-response", "dnstap-send-identity",
                     "dnstap-identity", "dnstap-send-version", "dnstap-version",
                     "proxy-protocol-from", "cache-save-file"});
  CHECK(find_setting("nope") == nullptr);
  std::string_view doc = find_setting("access-control")->doc;
  for (const AclRule& rule : default_access_control()) {
    std::string prefix = format_acl_rule(rule);
    prefix = prefix.substr(0, prefix.find(' '));
    INFO(prefix);
    CHECK(doc.find(prefix) != std::string_view::npos);  // the page lists every built-in rule
  }
}

namespace {

/// The text between `.\" BEGIN GENERATED <label>` and its END marker in man/<page>.
std::string generated_section(const std::string& page_name, const std::string& label) {
  std::ifstream page(std::string(TERN_SOURCE_ROOT) + "/man/" + page_name);
  REQUIRE(page);
  std::stringstream text;
  text << page.rdbuf();
  std::string content = text.str();
  const std::string begin = ".\\\" BEGIN GENERATED " + label + "\n";
  const std::string end = ".\\\" END GENERATED " + label + "\n";
  auto first = content.find(begin);
  auto last = content.find(end);
  REQUIRE(first != std::string::npos);
  REQUIRE(last != std::string::npos);
  return content.substr(first + begin.size(), last - first - begin.size());
}

}  // namespace

TEST_CASE("config: the man pages hold the sections generated from the settings table", "[config]") {
  INFO("run man/update-settings.sh to regenerate the sections");
  CHECK(generated_section("ternd.yaml.5", "SETTINGS") == settings_man_section());
  CHECK(generated_section("ternd.yaml.5", "RESTART-ONLY SETTINGS") == restart_settings_man_list());
  CHECK(generated_section("ternd.8", "RESTART-ONLY SETTINGS") == restart_settings_man_list());
}

namespace {

/// Runs parse_command_line on `args` (after "ternd"), capturing what it prints.
struct Parsed {
  CommandLine command;
  std::string out;
  std::string err;
};

Parsed parse(std::vector<const char*> args) {
  args.insert(args.begin(), "ternd");
  std::ostringstream out;
  std::ostringstream err;
  CommandLine command =
      parse_command_line(static_cast<int>(args.size()), args.data(), out, err);
  return {std::move(command), out.str(), err.str()};
}

}  // namespace

TEST_CASE("command line: options", "[config][command_line]") {
  Parsed none = parse({});
  CHECK_FALSE(none.command.exit_code);
  CHECK(none.command.config_path == "/etc/tern/ternd.yaml");
  CHECK_FALSE(none.command.config_path_given);
  CHECK_FALSE(none.command.foreground);
  CHECK(none.command.verbose == 0);

  Parsed all = parse({"-c", "/tmp/x.yaml", "-d", "-vvv", "-v", "--set", "threads=2", "--set",
                      "listen=[::1@5353]", "--check-config"});
  CHECK_FALSE(all.command.exit_code);
  CHECK(all.command.config_path == "/tmp/x.yaml");
  CHECK(all.command.config_path_given);
  CHECK(all.command.foreground);
  CHECK(all.command.verbose == 4);
  CHECK(all.command.check_config);
  CHECK(all.command.overrides == std::vector<std::string>{"threads=2", "listen=[::1@5353]"});
  CHECK(parse({"--config=/tmp/y.yaml", "--foreground", "--dump-config"}).command.dump_config);
}

TEST_CASE("command line: help, version and usage errors", "[config][command_line]") {
  Parsed help = parse({"--help"});
  CHECK(help.command.exit_code == 0);
  CHECK(help.out.find("SIGHUP") != std::string::npos);
  CHECK(help.out.find("SIGTERM") != std::string::npos);
  CHECK(help.out.find("--check-config") != std::string::npos);
  Parsed version = parse({"--version"});
  CHECK(version.command.exit_code == 0);
  CHECK(version.out.rfind("ternd ", 0) == 0);
  for (std::vector<const char*> bad : {std::vector<const char*>{"--frobnicate"}, {"-c"},
                                       {"--check-config", "--dump-config"}, {"stray"},
                                       {"--set", "a=1", "b=2"}}) {
    Parsed usage = parse(bad);
    INFO(bad[0]);
    CHECK(usage.command.exit_code == 2);
    CHECK(usage.err.rfind("ternd: ", 0) == 0);
    CHECK(usage.err.find("Usage: ternd") != std::string::npos);
  }
}

TEST_CASE("command line: config modes", "[config][command_line]") {
  TempDir dir;
  CommandLine command;
  command.config_path = (dir.path() / "absent.yaml").string();  // a missing default: defaults
  command.verbose = 2;
  command.overrides = {"threads=3"};
  Config config = config_from_command_line(command);
  CHECK(config.threads == 3);
  CHECK(config.verbosity == 3);
  command.verbose = 9;
  CHECK(config_from_command_line(command).verbosity == 5);

  std::ostringstream out;
  std::ostringstream err;
  CHECK_FALSE(run_config_only_modes(command, out, err));
  command.check_config = true;
  CHECK(run_config_only_modes(command, out, err) == 0);
  CHECK(out.str() == "config OK\n");

  command.config_path_given = true;  // -c names a file that must exist
  CHECK(run_config_only_modes(command, out, err) == 2);
  CHECK(err.str() == command.config_path + ": cannot open: No such file or directory\n");

  command.config_path = dir.write("ternd.yaml", "verbosity: 2\nthreads: 300\n");
  err.str("");
  CHECK(run_config_only_modes(command, out, err) == 2);
  CHECK(err.str() == command.config_path + ":2: threads: 300 is out of range (0..256, or auto)\n");

  // --check-config also runs what start-up checks beyond the file, with start-up's message.
  command.config_path = dir.write("ternd.yaml", "threads: 2\n");
  out.str("");
  err.str("");
  auto refuse = [](const Config& c) -> std::string {  // given the loaded config (--set threads=3)
    throw std::runtime_error("threads " + std::to_string(c.threads) + " refused");
  };
  CHECK(run_config_only_modes(command, out, err, refuse) == 2);
  CHECK(err.str() == "threads 3 refused\n");
  CHECK(out.str().empty());
  err.str("");
  CHECK(run_config_only_modes(command, out, err, [](const Config&) { return std::string("a warning"); }) == 0);
  CHECK(err.str() == "a warning\n");
  CHECK(out.str() == "config OK\n");

  command = CommandLine{};
  command.config_path = dir.write("ternd.yaml", "threads: 7\n");
  command.config_path_given = true;
  command.dump_config = true;
  out.str("");
  CHECK(run_config_only_modes(command, out, err) == 0);
  CHECK(out.str() == dump_config(load_config(command.config_path, {})));
  CHECK(out.str().find("\nthreads: 7\n") != std::string::npos);
}

TEST_CASE("config: local-zone, local-data, forward-zone, stub-zone", "[config][local-zones][routing]") {
  Config config = load_text(R"(
local-zone:
  - "10.in-addr.arpa. nodefault"
  - Home.Example static
local-data:
  - "printer.home.example. 300 IN A 192.168.1.20"
forward-zone:
  - name: corp
    servers: [127.0.0.1@5353, "::1"]
    forward-first: yes
  - name: dot.example.
    servers: 192.0.2.53
    forward-tls: yes
    forward-tls-name: DNS.example.
stub-zone:
  - name: 10.in-addr.arpa.
    servers: [10.0.0.53@54]
)");
  CHECK(config.local_zone == std::vector<LocalZoneRule>{{"10.in-addr.arpa.", LocalZoneType::nodefault},
                                                        {"home.example.", LocalZoneType::static_zone}});
  CHECK(config.local_data == std::vector<std::string>{"printer.home.example. 300 IN A 192.168.1.20"});
  REQUIRE(config.forward_zone.size() == 2);
  CHECK(config.forward_zone[0].name == "corp.");
  CHECK(config.forward_zone[0].servers ==
        std::vector<ZoneServer>{{asio::ip::make_address("127.0.0.1"), 5353}, {asio::ip::make_address("::1"), 53}});
  CHECK(config.forward_zone[0].first);
  CHECK_FALSE(config.forward_zone[0].tls);
  // DNS over TLS defaults to port 853; the TLS name is a host name, without the final dot.
  CHECK(config.forward_zone[1].servers == std::vector<ZoneServer>{{asio::ip::make_address("192.0.2.53"), 853}});
  CHECK(config.forward_zone[1].tls);
  CHECK(config.forward_zone[1].tls_name == "dns.example");
  REQUIRE(config.stub_zone.size() == 1);
  CHECK(config.stub_zone[0].servers == std::vector<ZoneServer>{{asio::ip::make_address("10.0.0.53"), 54}});
}

TEST_CASE("config: routing and local-zone errors name their line", "[config][local-zones][routing]") {
  check_error("local-zone:\n  - \"home.example static\"\n  - \"x.example. nowhere\"\n", 3,
              "local-zone: 'nowhere' is not a zone type (static, deny, refuse, transparent, nodefault, "
              "always_nxdomain)");
  check_error("local-zone: [\"a..b static\"]\n", 1, "local-zone: 'a..b' is not a domain name");
  check_error("local-data:\n  - \"ok.example. A 192.0.2.1\"\n  - \"bad.example. A 999.1.1.1\"\n", 3,
              "local-data: 'bad.example. A 999.1.1.1' is not a resource record (\"NAME [TTL] [IN] TYPE DATA\")");
  check_error("forward-zone:\n  - name: corp.\n    servers: [127.0.0.1@99999]\n", 3,
              "forward-zone: servers: bad port '99999' (1..65535)");
  check_error("forward-zone:\n  - name: corp.\n    servers: 127.0.0.1\n    forward-tls: yes\n", 2,
              "forward-zone: corp.: forward-tls needs forward-tls-name, the name the servers' certificate "
              "must carry");
  check_error("stub-zone:\n  - name: corp.\n    servers: 127.0.0.1\n    forward-first: yes\n", 4,
              "stub-zone: unknown key 'forward-first' (name, servers)");
  check_error("stub-zone:\n  - name: corp.\n", 2, "stub-zone: corp.: no servers");
  check_error("stub-zone:\n  - name: corp.\n    servers:\n      - 127.0.0.1@5353\n      - 127.0.0.1@5354\n", 5,
              "stub-zone: servers: 127.0.0.1 is listed twice");
  check_error("forward-zone:\n  - name: corp.\n    servers: 127.0.0.1\nstub-zone:\n  - name: corp\n"
              "    servers: 127.0.0.2\n",
              4, "stub-zone: corp. is both a forward zone and a stub zone");
}

TEST_CASE("config: tls-ca-file must hold a PEM certificate", "[config][routing]") {
  TempDir dir;
  dir.write("ca.pem", test_ca_pem);
  dir.write("empty.pem", "");
  Config config = load_config(dir.write("ternd.yaml", "tls-ca-file: ca.pem\n"), {});
  CHECK(config.tls_ca_file == (dir.path() / "ca.pem").string());
  ConfigError e = load_error("tls-ca-file: " + (dir.path() / "empty.pem").string() + "\n");
  CHECK(e.line() == 1);
  CHECK(e.message() == "tls-ca-file: '" + (dir.path() / "empty.pem").string() + "' holds no PEM certificate");
}
