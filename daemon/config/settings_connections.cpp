// The settings of client connections: the control socket, TCP bounds and DNS over TLS.
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/settings_parse.hpp"

#include <yaml-cpp/yaml.h>

#include <array>
#include <filesystem>
#include <system_error>

namespace tern::daemon {
namespace {

/// RFC 7858 §3.1: DNS over TLS uses port 853 unless told otherwise; an empty list turns it off.
void apply_tls_listen(const Setting& self, const YAML::Node& value, const SettingSource& source,
                      Config& config) {
  config.tls_listen = endpoint_list(self, value, source, 853);
}

std::string dump_tls_listen(const Config& config) { return dump_endpoints(config.tls_listen); }

/// A TLS file path, made absolute so that a reload after a change of directory reads the same
/// file. Existence and permissions are checked when the file is loaded (start and reload).
template <std::string Config::*Member>
void apply_tls_file(const Setting& self, const YAML::Node& value, const SettingSource& source,
                    Config& config) {
  const std::string& text = scalar_text(self, value, source);
  if (text.empty()) {
    config.*Member = std::string();
    return;
  }
  namespace fs = std::filesystem;
  config.*Member = (fs::path(source.base_dir) / text).lexically_normal().string();
}

template <std::string Config::*Member>
std::string dump_tls_file(const Config& config) { return yaml_quote(config.*Member); }

/// sockaddr_un::sun_path holds 108 octets on Linux, the terminating NUL included.
constexpr std::size_t max_socket_path = 107;

void apply_control_socket(const Setting& self, const YAML::Node& value,
                          const SettingSource& source, Config& config) {
  const std::string& text = scalar_text(self, value, source);
  if (text.empty()) {
    config.control_socket.clear();
    return;
  }
  namespace fs = std::filesystem;
  // Absolute, so that ternctl and a reload after a change of directory find the same socket.
  fs::path path = (fs::path(source.base_dir) / text).lexically_normal();
  if (!path.has_filename()) {
    throw_setting_error(self, source, value, "'" + text + "' names a directory, not a socket");
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw_setting_error(self, source, value, "'" + path.string() + "' is a directory");
  }
  if (path.string().size() > max_socket_path) {
    throw_setting_error(self, source, value,
                        "'" + path.string() + "' is longer than " +
                            std::to_string(max_socket_path) + " octets (a unix socket's limit)");
  }
  config.control_socket = path.string();
}

std::string dump_control_socket(const Config& config) { return yaml_quote(config.control_socket); }

constexpr std::array rows{
    Setting{
        .name = "control-socket", .kind = ValueKind::path,
        .default_text = "/run/tern/ternd.ctl",
        .help = "Unix socket that ternctl talks to; empty = no control socket.",
        .doc = "The path of the unix stream socket on which ternd takes commands from "
               "ternctl(8) (Unbound's control-interface, without TLS: the socket is mode 0600, "
               "so only root can use it). ternd creates the directory if it is missing and "
               "removes a leftover socket that no daemon answers on. Empty means no control "
               "socket. A relative path is relative to the directory of the configuration file "
               "(to the working directory in --set); the path may be at most 107 octets long.",
        .reload = Reload::restart,
        .apply = apply_control_socket, .dump = dump_control_socket},
    Setting{
        .name = "tcp-idle-timeout", .kind = ValueKind::integer, .default_text = "10000",
        .min = 100, .max = 600000,
        .help = "Milliseconds before an idle client TCP connection is closed.",
        .doc = "How long, in milliseconds, a client TCP or DNS-over-TLS connection may stay "
               "idle, with no query in progress, before ternd closes it (RFC 7766, section "
               "6.2.3; RFC 7858, section 3.4). Under connection pressure the timeout shrinks, "
               "so that idle connections, the idlest first, make room for clients that have a "
               "query: with more than half of tcp-max-connections (tls-max-connections for DNS "
               "over TLS) open it is a tenth of this value (at least 200 ms), with more than 80 % "
               "open it is 200 ms (Unbound's thresholds); never longer than this value. A client "
               "that sends the edns-tcp-keepalive option (RFC 7828) in a query over TCP or TLS "
               "is told the timeout in force in the answer, in units of 100 ms; over UDP the "
               "option is ignored. Connections closed at a shortened timeout are counted in "
               "tcp.pressure-closed.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::tcp_idle_timeout_ms>,
        .dump = dump_integer<&Config::tcp_idle_timeout_ms>},
    Setting{
        .name = "tcp-max-connections", .kind = ValueKind::integer, .default_text = "1024",
        .min = 1, .max = 100000,
        .help = "Client TCP connections open at once, all threads together.",
        .doc = "The largest number of client TCP connections ternd keeps open at once, all "
               "threads together; it bounds the memory and descriptors that clients can hold. "
               "So that a flood of idle connections from a few addresses, reconnecting as soon "
               "as one is closed, cannot lock everyone else out: above half of it the idle "
               "timeout shrinks (see tcp-idle-timeout), and when every slot is taken a new "
               "connection from an address that holds at least two fewer connections than the "
               "address holding the most is admitted in place of that address's idlest "
               "connection, which is closed (counted in tcp.evicted; a connection with a query "
               "in progress goes only when that address has no idle one). An address with no "
               "connection thus gets in while any other holds two or more.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::tcp_max_connections>,
        .dump = dump_integer<&Config::tcp_max_connections>},
    Setting{
        .name = "tcp-max-connections-per-client", .kind = ValueKind::integer, .default_text = "64",
        .min = 1, .max = 100000,
        .help = "Client TCP connections open at once from one client address.",
        .doc = "The largest number of client TCP connections ternd keeps open at once from one "
               "client address, all threads together, so that one client cannot take all of "
               "tcp-max-connections. A connection over the bound is closed at once.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::tcp_max_connections_per_client>,
        .dump = dump_integer<&Config::tcp_max_connections_per_client>},
    Setting{
        .name = "tls-listen", .kind = ValueKind::endpoint_list, .default_text = "[]",
        .help = "Addresses to answer DNS over TLS (RFC 7858) on, as ADDRESS[@PORT]; empty = off.",
        .doc = "The addresses ternd answers DNS over TLS (RFC 7858) on, each written "
               "ADDRESS[@PORT], the port 853 when none is given. Empty (the default) means no "
               "DNS over TLS. When set, tls-certificate and tls-private-key must be set too. "
               "Connections carry pipelined queries answered as they finish, like TCP, and "
               "close after tcp-idle-timeout without a query. ternd speaks TLS 1.2 (ECDHE key "
               "exchange with AEAD ciphers only) and TLS 1.3, without compression or "
               "renegotiation, and selects the ALPN protocol \"dot\" when the client offers it. "
               "TLS 1.3 early data (0-RTT) is refused unless tls-early-data is on. Responses to "
               "queries that carry an EDNS padding option are padded to a multiple of 468 "
               "octets (RFC 7830, RFC 8467).",
        .reload = Reload::restart,
        .apply = apply_tls_listen, .dump = dump_tls_listen},
    Setting{
        .name = "tls-certificate", .kind = ValueKind::path, .default_text = R"("")",
        .help = "PEM file with the DNS-over-TLS certificate chain, leaf first.",
        .doc = "A PEM file with the certificate ternd presents to DNS-over-TLS clients, "
               "followed by any intermediate certificates. Read at start and again on every "
               "reload (SIGHUP or ternctl reload): a new certificate is used by new handshakes "
               "while open connections go on; a certificate or key that cannot be used keeps "
               "the old pair and the reason is logged. A relative path is relative to the "
               "directory of the configuration file.",
        .reload = Reload::applies,
        .apply = apply_tls_file<&Config::tls_certificate>,
        .dump = dump_tls_file<&Config::tls_certificate>},
    Setting{
        .name = "tls-private-key", .kind = ValueKind::path, .default_text = R"("")",
        .help = "PEM file with the private key of tls-certificate; must not be world-readable.",
        .doc = "A PEM file with the private key that matches tls-certificate. ternd refuses "
               "to start (and a reload keeps the old key) when the file is readable by others "
               "than its owner and group (mode o+r), saying so. A relative path is relative "
               "to the directory of the configuration file.",
        .reload = Reload::applies,
        .apply = apply_tls_file<&Config::tls_private_key>,
        .dump = dump_tls_file<&Config::tls_private_key>},
    Setting{
        .name = "tls-handshake-timeout", .kind = ValueKind::integer, .default_text = "5000",
        .min = 100, .max = 60000,
        .help = "Milliseconds a DNS-over-TLS client has to finish the TLS handshake.",
        .doc = "How long, in milliseconds, a DNS-over-TLS client has from the accepted "
               "connection to the end of the TLS handshake; a client that stalls is "
               "disconnected, so that slow handshakes cannot hold connection slots.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::tls_handshake_timeout_ms>,
        .dump = dump_integer<&Config::tls_handshake_timeout_ms>},
    Setting{
        .name = "tls-max-connections", .kind = ValueKind::integer, .default_text = "1024",
        .min = 1, .max = 100000,
        .help = "DNS-over-TLS connections open at once, all threads together.",
        .doc = "The largest number of DNS-over-TLS connections ternd keeps open at once, all "
               "threads together, handshakes included. Counted apart from tcp-max-connections, "
               "with the same shortened idle timeout above half of it and the same eviction "
               "when full (counted in tls.evicted).",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::tls_max_connections>,
        .dump = dump_integer<&Config::tls_max_connections>},
    Setting{
        .name = "tls-max-connections-per-client", .kind = ValueKind::integer, .default_text = "64",
        .min = 1, .max = 100000,
        .help = "DNS-over-TLS connections open at once from one client address.",
        .doc = "The largest number of DNS-over-TLS connections ternd keeps open at once from "
               "one client address; a connection over the bound is closed before the handshake.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::tls_max_connections_per_client>,
        .dump = dump_integer<&Config::tls_max_connections_per_client>},
    Setting{
        .name = "tls-ticket-key-rotation", .kind = ValueKind::integer, .default_text = "3600",
        .min = 1, .max = 86400,
        .help = "Seconds between new TLS session-ticket keys; the previous key is still accepted.",
        .doc = "Session resumption (RFC 5077, RFC 8446 section 2.2) lets a returning client "
               "skip the certificate exchange. ternd encrypts its session tickets with a "
               "random key made in memory, replaced by a new one every this many seconds (checked "
               "once a second); "
               "tickets made with the previous key are still accepted (and replaced), so a "
               "ticket lives at most twice this long and a stolen key opens little. Keys are "
               "never written to disk and a restart forgets them.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::tls_ticket_key_rotation>,
        .dump = dump_integer<&Config::tls_ticket_key_rotation>},
    Setting{
        .name = "tls-early-data", .kind = ValueKind::boolean, .default_text = "no",
        .help = "Accept DNS queries sent as TLS 1.3 early data (0-RTT) by resuming clients; replayable.",
        .doc = "TLS 1.3 early data (0-RTT, RFC 8446 section 2.3) lets a client that resumes a "
               "session send its queries with its very first packet, before the handshake. With "
               "this on, ternd takes up to 16 KiB of such data, reads it as DNS queries exactly "
               "like queries sent after the handshake (anything else gets the same FORMERR or "
               "close) and starts resolving them at once; the answers are sent when the "
               "handshake is complete, never before (no 0.5-RTT data). What it saves: the client "
               "need not wait for the handshake to send, and a query not yet in the cache is "
               "resolved while the handshake finishes, so its answer comes up to a round trip "
               "sooner (a cached answer comes no sooner). The caveat: early "
               "data is not protected against replay. Anyone who records a client's first "
               "packets can send them again, and ternd resolves the queries again (the answers "
               "wait for a handshake the attacker cannot finish). For a resolver's queries, which change "
               "nothing, that costs only the extra load, and lets the attacker observe by the "
               "timing whether the names were in the cache; never enable early data in front "
               "of anything that changes state. Session tickets stay stateless (OpenSSL's "
               "single-use-ticket replay check is off), so any thread and a reloaded "
               "certificate still resume them. Only tickets issued while this is on allow early "
               "data. Off (the default): early data is refused and the client sends its "
               "queries after the handshake. On DNS over HTTPS (https-listen) the same holds for "
               "GET requests; a POST in early data is answered 425 Too Early (RFC 8470), so "
               "the client sends it again after the handshake, where no replay can reach it.",
        .reload = Reload::applies,
        .apply = apply_bool<&Config::tls_early_data>, .dump = dump_bool<&Config::tls_early_data>},
};

}  // namespace

std::span<const Setting> connection_rows() { return rows; }

}  // namespace tern::daemon
