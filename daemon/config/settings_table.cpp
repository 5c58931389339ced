#include "daemon/config/settings_table.hpp"

#include "daemon/config/access_control.hpp"
#include "daemon/config/config_values.hpp"
#include "daemon/config/zone_settings.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <type_traits>

namespace tern::daemon {
namespace {

// ---- reading YAML values ----

std::string_view node_kind(const YAML::Node& value) {
  if (value.IsSequence()) return "a list";
  if (value.IsMap()) return "a mapping";
  return "nothing";
}

/// The scalar text of `value`; a list, a mapping or no value at all is a type error.
const std::string& scalar_text(const Setting& self, const YAML::Node& value,
                               const SettingSource& source) {
  if (value.IsNull()) throw_setting_error(self, source, value, "missing value");
  if (!value.IsScalar()) {
    throw_setting_error(self, source, value,
                        "expected " + std::string(kind_name(self.kind)) + ", got " +
                            std::string(node_kind(value)));
  }
  return value.Scalar();
}

/// The items of a list setting; one scalar stands for a one-element list.
std::vector<YAML::Node> list_items(const Setting& self, const YAML::Node& value,
                                   const SettingSource& source) {
  if (value.IsScalar()) return {value};
  if (!value.IsSequence()) {
    if (value.IsNull()) throw_setting_error(self, source, value, "missing value");
    throw_setting_error(self, source, value,
                        "expected " + std::string(kind_name(self.kind)) + ", got a mapping");
  }
  std::vector<YAML::Node> items;
  for (const YAML::Node& item : value) {
    if (!item.IsScalar()) {
      throw_setting_error(self, source, item.IsNull() ? value : item,
                          "list items must be single values, got " +
                              std::string(node_kind(item)));
    }
    items.push_back(item);
  }
  return items;
}

/// A number checked against the row's range; `parsed` is nullopt when `text` did not parse.
std::uint64_t checked_number(const Setting& self, const YAML::Node& value,
                             const SettingSource& source, const std::string& text,
                             std::optional<std::uint64_t> parsed) {
  bool negative = !text.empty() && text[0] == '-' && parse_unsigned(text.substr(1));
  if (!parsed && !negative) {
    throw_setting_error(self, source, value,
                        "'" + text + "' is not " +
                            (self.kind == ValueKind::size ? "a size" : "a number") + " (" +
                            allowed_values(self) + ")");
  }
  if (negative || *parsed < self.min || *parsed > self.max) {
    throw_setting_error(self, source, value,
                        text + " is out of range (" + allowed_values(self) + ")");
  }
  return *parsed;
}

std::string yaml_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string block_list(const std::vector<std::string>& items) {
  if (items.empty()) return "[]";
  std::string out;
  for (const std::string& item : items) out += "\n  - " + yaml_quote(item);
  return out;
}

// ---- roff ----

/// Escapes text for a roff text line: '-' as \- so that names copy as typed (groff would
/// print a hyphen), '\' as \e, and a leading '.' or '\'' kept from reading as a request.
std::string roff_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

/// One paragraph, one sentence per line: roff then spaces sentences right.
std::string roff_paragraph(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(". ", start);
    end = end == std::string_view::npos ? text.size() : end + 1;
    out += roff_text(text.substr(start, end - start)) + "\n";
    start = end < text.size() ? end + 1 : end;
  }
  return out;
}

// ---- apply and dump, per kind of setting ----

template <bool Config::*Member>
void apply_bool(const Setting& self, const YAML::Node& value, const SettingSource& source,
                Config& config) {
  const std::string& text = scalar_text(self, value, source);
  auto parsed = parse_bool(text);
  if (!parsed) {
    throw_setting_error(self, source, value,
                        "'" + text + "' is not a boolean (yes/no, true/false, on/off)");
  }
  config.*Member = *parsed;
}

template <bool Config::*Member>
std::string dump_bool(const Config& config) {
  return config.*Member ? "yes" : "no";
}

template <auto Member>
void apply_integer(const Setting& self, const YAML::Node& value, const SettingSource& source,
                   Config& config) {
  const std::string& text = scalar_text(self, value, source);
  using Field = std::remove_reference_t<decltype(config.*Member)>;
  config.*Member = static_cast<Field>(
      checked_number(self, value, source, text, parse_unsigned(text)));
}

template <auto Member>
std::string dump_integer(const Config& config) {
  return std::to_string(config.*Member);
}

void apply_threads(const Setting& self, const YAML::Node& value, const SettingSource& source,
                   Config& config) {
  const std::string& text = scalar_text(self, value, source);
  config.threads = text == "auto" ? 0u
                                  : static_cast<unsigned>(checked_number(
                                        self, value, source, text, parse_unsigned(text)));
}

std::string dump_threads(const Config& config) {
  return config.threads == 0 ? "auto" : std::to_string(config.threads);
}

void apply_cache_size(const Setting& self, const YAML::Node& value, const SettingSource& source,
                      Config& config) {
  const std::string& text = scalar_text(self, value, source);
  config.cache_size = checked_number(self, value, source, text, parse_size(text));
}

std::string dump_cache_size(const Config& config) { return format_size(config.cache_size); }

template <auto Member>
void apply_size(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config) {
  const std::string& text = scalar_text(self, value, source);
  config.*Member = checked_number(self, value, source, text, parse_size(text));
}

template <auto Member>
std::string dump_size(const Config& config) {
  return format_size(config.*Member);
}

void apply_qname_minimisation(const Setting& self, const YAML::Node& value,
                              const SettingSource& source, Config& config) {
  const std::string& text = scalar_text(self, value, source);
  if (text == "relaxed") {
    config.qname_minimisation = QnameMinimisation::relaxed;
  } else if (text == "strict") {
    config.qname_minimisation = QnameMinimisation::strict;
  } else if (auto on = parse_bool(text)) {  // Unbound's yes/no: yes is its relaxed default
    config.qname_minimisation = *on ? QnameMinimisation::relaxed : QnameMinimisation::off;
  } else {
    throw_setting_error(self, source, value,
                        "'" + text + "' is not one of " + allowed_values(self));
  }
}

std::string dump_qname_minimisation(const Config& config) {
  switch (config.qname_minimisation) {
    case QnameMinimisation::off: return "off";
    case QnameMinimisation::relaxed: return "relaxed";
    case QnameMinimisation::strict: return "strict";
  }
  return "relaxed";
}

void apply_root_hints(const Setting& self, const YAML::Node& value, const SettingSource& source,
                      Config& config) {
  const std::string& text = scalar_text(self, value, source);
  if (text.empty()) {
    config.root_hints.clear();
    return;
  }
  config.root_hints = readable_file(self, value, source, text).string();
}

std::string dump_root_hints(const Config& config) { return yaml_quote(config.root_hints); }

/// The endpoints of a listen list, each once; `default_port` when an item names none.
std::vector<ListenEndpoint> endpoint_list(const Setting& self, const YAML::Node& value,
                                          const SettingSource& source, std::uint16_t default_port) {
  std::vector<ListenEndpoint> endpoints;
  for (const YAML::Node& item : list_items(self, value, source)) {
    std::string error;
    auto endpoint = parse_listen_endpoint(item.Scalar(), error, default_port);
    if (!endpoint) throw_setting_error(self, source, item, error);
    if (std::find(endpoints.begin(), endpoints.end(), *endpoint) != endpoints.end()) {
      throw_setting_error(self, source, item, "'" + item.Scalar() + "' is listed twice");
    }
    endpoints.push_back(*endpoint);
  }
  return endpoints;
}

void apply_listen(const Setting& self, const YAML::Node& value, const SettingSource& source,
                  Config& config) {
  auto endpoints = endpoint_list(self, value, source, 53);
  if (endpoints.empty()) throw_setting_error(self, source, value, "at least one address is needed");
  config.listen = std::move(endpoints);
}

std::string dump_endpoints(const std::vector<ListenEndpoint>& endpoints) {
  std::vector<std::string> items;
  for (const ListenEndpoint& endpoint : endpoints) items.push_back(format_listen_endpoint(endpoint));
  return block_list(items);
}

std::string dump_listen(const Config& config) { return dump_endpoints(config.listen); }

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

void apply_outgoing_address(const Setting& self, const YAML::Node& value,
                            const SettingSource& source, Config& config) {
  std::vector<asio::ip::address> addresses;
  for (const YAML::Node& item : list_items(self, value, source)) {
    auto address = parse_address(item.Scalar());
    if (!address) {
      throw_setting_error(self, source, item, "'" + item.Scalar() + "' is not an IP address");
    }
    if (address->is_multicast()) {
      throw_setting_error(self, source, item, "'" + item.Scalar() + "' is a multicast address");
    }
    addresses.push_back(*address);
  }
  config.outgoing_address = std::move(addresses);
}

std::string dump_outgoing_address(const Config& config) {
  std::vector<std::string> items;
  for (const auto& address : config.outgoing_address) items.push_back(address.to_string());
  return block_list(items);
}

void apply_access_control(const Setting& self, const YAML::Node& value,
                          const SettingSource& source, Config& config) {
  std::vector<AclRule> rules;
  for (const YAML::Node& item : list_items(self, value, source)) {
    std::string error;
    auto rule = parse_acl_rule(item.Scalar(), error);
    if (!rule) throw_setting_error(self, source, item, error);
    rules.push_back(*rule);
  }
  // Always on top of the built-in rules: forgetting them must not make an open resolver.
  config.access_control = merge_acl_rules(default_access_control(), rules);
}

std::string dump_access_control(const Config& config) {
  std::vector<std::string> items;
  for (const AclRule& rule : config.access_control) items.push_back(format_acl_rule(rule));
  return block_list(items);
}

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

// ---- operations: privileges, logging, metrics, query log ----

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

/// An absolute path (relative ones are taken from the config file's directory), or "".
template <std::string Config::*Member>
void apply_optional_path(const Setting& self, const YAML::Node& value, const SettingSource& source,
                         Config& config) {
  const std::string text = value.IsNull() ? std::string() : scalar_text(self, value, source);
  if (text.empty()) {
    (config.*Member).clear();
    return;
  }
  namespace fs = std::filesystem;
  config.*Member = (fs::path(source.base_dir) / text).lexically_normal().string();
}

template <std::string Config::*Member>
std::string dump_optional_path(const Config& config) {
  return yaml_quote(config.*Member);
}

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
      if (item.Scalar().find('@') == std::string::npos) {
        throw_setting_error(self, source, item, "'" + item.Scalar() + "' needs a port: ADDRESS@PORT");
      }
      std::string error;
      auto endpoint = parse_listen_endpoint(item.Scalar(), error);
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

// ---- end of operations ----

// The rows: docs are plain text (settings_man_section escapes them for roff).
constexpr std::array table{
    Setting{
        .name = "listen", .kind = ValueKind::endpoint_list,
        .default_text = R"(["127.0.0.1@53", "::1@53"])",
        .help = "Addresses to answer queries on, UDP and TCP, as ADDRESS[@PORT].",
        .doc = "The addresses ternd answers queries on, each written ADDRESS[@PORT], the port "
               "53 when none is given; UDP and TCP listen on the same address and port. An IPv6 "
               "address is written without brackets (::1@5353). A single address may be given "
               "without a list. Listening on a public address does not open the resolver: "
               "access-control decides who gets answers.",
        .apply = apply_listen, .dump = dump_listen},
    Setting{
        .name = "root-hints", .kind = ValueKind::path, .default_text = R"("")",
        .help = "Zone file with the root servers' names and addresses; empty = built-in hints.",
        .doc = "A zone file with the NS records of the root zone and the addresses of the root "
               "servers, from which ternd primes its view of the root. Empty means the IANA "
               "root hints built into ternd. A relative path is relative to the directory of "
               "the configuration file (to the working directory in --set). The file must be "
               "readable when the configuration is loaded.",
        .apply = apply_root_hints, .dump = dump_root_hints},
    Setting{
        .name = "threads", .kind = ValueKind::integer, .default_text = "auto",
        .min = 0, .max = 256, .values = "auto",
        .help = "Worker threads; auto (or 0) = one per CPU core.",
        .doc = "The number of worker threads, each with its own event loop and sockets; the "
               "caches are shared by all. auto, the same as 0, starts one per CPU core "
               "available to the process.",
        .apply = apply_threads, .dump = dump_threads},
    Setting{
        .name = "udp-batch-size", .kind = ValueKind::integer, .default_text = "32",
        .min = 1, .max = 256,
        .help = "Datagrams received (recvmmsg) and answered (sendmmsg) per system call.",
        .doc = "How many datagrams one system call reads from a UDP listening socket "
               "(recvmmsg) and how many cache-hit answers go back in one (sendmmsg), per "
               "worker and socket. Larger batches save system calls under load; 1 reads one "
               "datagram at a time. Each worker keeps 4 KiB of receive buffer per batch slot "
               "and socket. Takes effect at restart.",
        .apply = apply_integer<&Config::udp_batch_size>,
        .dump = dump_integer<&Config::udp_batch_size>},
    Setting{
        .name = "so-rcvbuf", .kind = ValueKind::size, .default_text = "0",
        .min = 0, .max = std::uint64_t{512} << 20,
        .help = "Receive buffer of each UDP listening socket (SO_RCVBUF); 0 = the kernel's default.",
        .doc = "The kernel receive buffer of every UDP listening socket, in bytes with an "
               "optional suffix k, m or g (Unbound's so-rcvbuf). A larger buffer absorbs bursts "
               "that arrive faster than a worker reads them; datagrams that do not fit are "
               "dropped by the kernel. ternd asks with SO_RCVBUFFORCE while it still runs as "
               "root, else with SO_RCVBUF, which the kernel caps at net.core.rmem_max: when the "
               "buffer obtained is smaller than asked, ternd logs a warning naming the sysctl "
               "and carries on. 0 leaves the kernel's default. Takes effect at restart.",
        .apply = apply_size<&Config::so_rcvbuf>, .dump = dump_size<&Config::so_rcvbuf>},
    Setting{
        .name = "so-sndbuf", .kind = ValueKind::size, .default_text = "0",
        .min = 0, .max = std::uint64_t{512} << 20,
        .help = "Send buffer of each UDP listening socket (SO_SNDBUF); 0 = the kernel's default.",
        .doc = "The kernel send buffer of every UDP listening socket (Unbound's so-sndbuf), as "
               "so-rcvbuf: SO_SNDBUFFORCE while root, else SO_SNDBUF capped at "
               "net.core.wmem_max, a warning when capped, 0 for the kernel's default. Takes "
               "effect at restart.",
        .apply = apply_size<&Config::so_sndbuf>, .dump = dump_size<&Config::so_sndbuf>},
    Setting{
        .name = "outgoing-address", .kind = ValueKind::address_list, .default_text = "[]",
        .help = "Source addresses of queries to authoritative servers; empty = any.",
        .doc = "The local addresses that queries to authoritative servers are sent from. "
               "Empty means any: the kernel picks the source address from its routes.",
        .apply = apply_outgoing_address, .dump = dump_outgoing_address},
    Setting{
        .name = "query-loopback", .kind = ValueKind::boolean, .default_text = "no",
        .help = "Allow authoritative servers at loopback addresses (for test labs).",
        .doc = "Whether ternd may send queries to authoritative servers at loopback addresses "
               "(127.0.0.0/8 and ::1). Off by default, because a delegation to a loopback "
               "address would make the resolver query itself or a local service; turn it on "
               "for a lab whose authoritative servers listen on loopback.",
        .apply = apply_bool<&Config::query_loopback>, .dump = dump_bool<&Config::query_loopback>},
    Setting{
        .name = "do-ip4", .kind = ValueKind::boolean, .default_text = "yes",
        .help = "Use IPv4 to reach authoritative servers.",
        .doc = "Whether ternd uses IPv4 to reach authoritative servers. At least one of do-ip4 "
               "and do-ip6 must be on.",
        .apply = apply_bool<&Config::do_ip4>, .dump = dump_bool<&Config::do_ip4>},
    Setting{
        .name = "do-ip6", .kind = ValueKind::boolean, .default_text = "yes",
        .help = "Use IPv6 to reach authoritative servers.",
        .doc = "Whether ternd uses IPv6 to reach authoritative servers. Turn it off on a host "
               "without IPv6 connectivity, where every IPv6 attempt would only time out.",
        .apply = apply_bool<&Config::do_ip6>, .dump = dump_bool<&Config::do_ip6>},
    Setting{
        .name = "qname-minimisation", .kind = ValueKind::choice, .default_text = "relaxed",
        .values = "off, relaxed, strict",
        .help = "RFC 9156 QNAME minimisation: off, relaxed or strict.",
        .doc = "Send each authoritative server only the labels it needs to see (RFC 9156), so "
               "that the root and TLD servers do not learn every name looked up. relaxed falls "
               "back to the full name when a server answers a minimised query with an error, "
               "as Unbound does by default; strict fails the resolution instead; off sends the "
               "full name to every server. yes means relaxed and no means off. relaxed also "
               "asks the full name after an NXDOMAIN for a name with more labels below it "
               "(servers that get empty non-terminals wrong); strict takes that NXDOMAIN as "
               "final (RFC 8020). A name costs at most 10 minimised queries: the first 4 each "
               "show one more label, later ones several (RFC 9156 section 2.3); a client "
               "query at most 20 over its whole CNAME chain, names past that are asked in full.",
        .apply = apply_qname_minimisation, .dump = dump_qname_minimisation},
    Setting{
        .name = "use-caps-for-id", .kind = ValueKind::boolean, .default_text = "no",
        .help = "0x20: randomise the case of names sent upstream and check the echo.",
        .doc = "Send every UDP question to an authoritative server with the case of its "
               "letters drawn at random (the 0x20 bit, draft-vixie-dnsext-dns0x20) and accept "
               "only a reply whose question has exactly that case, so that a forged reply must "
               "also guess the case. A reply that differs only in case is ignored and counted "
               "as a spoofing near-miss. When only such replies came before the timeout, the "
               "server is asked again over TCP (where a blind forger cannot answer), still in "
               "random case: if that reply does not echo the case either, the server is "
               "remembered in the server cache (15 minutes) as one to ask without 0x20; if it "
               "does, the replies over UDP were forged and 0x20 stays on.",
        .apply = apply_bool<&Config::use_caps_for_id>, .dump = dump_bool<&Config::use_caps_for_id>},
    Setting{
        .name = "cookies", .kind = ValueKind::boolean, .default_text = "yes",
        .help = "DNS cookies (RFC 7873, RFC 9018) towards clients and authoritative servers.",
        .doc = "DNS cookies on both sides. Towards authoritative servers: every query carries a "
               "client cookie made for that server from a secret and its address; the server "
               "cookie it returns is remembered in the server cache and sent back; a reply "
               "whose client cookie is not ours is ignored as a spoofing attempt, and BADCOOKIE "
               "is retried once with the new server cookie. Towards clients: a query with a "
               "COOKIE option gets a server cookie of RFC 9018 (version 1, timestamp, "
               "SipHash-2-4 over the client cookie and address with a secret); a valid server "
               "cookie younger than 30 minutes is echoed as it came, any other gets a new one; "
               "a COOKIE option of a wrong length is answered FORMERR.",
        .apply = apply_bool<&Config::cookies>, .dump = dump_bool<&Config::cookies>},
    Setting{
        .name = "cookie-secret-rotation", .kind = ValueKind::integer, .default_text = "86400",
        .min = 3600, .max = 31536000,
        .help = "Seconds between rotations of the server-cookie secret (also rotated on reload).",
        .doc = "How often, in seconds, the secret behind the server cookies given to clients "
               "is replaced by a new random one; a reload (SIGHUP, ternctl reload) replaces it "
               "too. Cookies made with the previous secret stay valid until the next rotation, "
               "so at least one hour (the RFC 9018 validity of a cookie) is required.",
        .apply = apply_integer<&Config::cookie_secret_rotation>,
        .dump = dump_integer<&Config::cookie_secret_rotation>},
    Setting{
        .name = "edns-buffer-size", .kind = ValueKind::integer, .default_text = "1232",
        .min = 512, .max = 4096,
        .help = "EDNS UDP payload size in bytes, advertised upstream and used towards clients.",
        .doc = "The EDNS(0) UDP payload size, in bytes, that ternd advertises to authoritative "
               "servers and allows in UDP answers to its clients. The default, 1232, is the "
               "DNS Flag Day 2020 value, which avoids IP fragmentation on nearly every path; "
               "larger answers are truncated and retried over TCP.",
        .apply = apply_integer<&Config::edns_buffer_size>,
        .dump = dump_integer<&Config::edns_buffer_size>},
    Setting{
        .name = "ip-ratelimit", .kind = ValueKind::integer, .default_text = "0",
        .min = 0, .max = 1000000,
        .help = "UDP queries per second allowed from one client address; 0 = no limit.",
        .doc = "The number of UDP queries per second ternd answers from one client address, "
               "all threads together (Unbound's ip-ratelimit); 0 (the default) means no limit. "
               "Each address has a token bucket that holds one second's worth of queries, so "
               "a burst of that size passes. A query over the limit is dropped, except every "
               "ip-ratelimit-slip'th one, which gets an empty truncated (TC=1) reply so that a "
               "real client behind the address retries over TCP; TCP and DNS over TLS are not "
               "limited, since their handshake proves the address. The buckets live in a "
               "bounded table (65536 addresses; idle ones are forgotten first). Limited queries "
               "are counted (ratelimit.dropped and ratelimit.slipped in ternctl stats, "
               "ternd_dropped_total{reason=\"ratelimit\"} and ternd_ratelimit_slipped_total in "
               "the metrics). A reload applies a new value at once.",
        .apply = apply_integer<&Config::ip_ratelimit>,
        .dump = dump_integer<&Config::ip_ratelimit>},
    Setting{
        .name = "ip-ratelimit-slip", .kind = ValueKind::integer, .default_text = "2",
        .min = 0, .max = 1000,
        .help = "Every Nth UDP query over ip-ratelimit gets a TC=1 reply; 0 = drop them all.",
        .doc = "Of the UDP queries from one address over ip-ratelimit, every Nth is answered "
               "with an empty truncated (TC=1) reply instead of being dropped, so that a real "
               "client whose address is being flooded (or spoofed) still gets through over "
               "TCP, while a reflection attack gains nothing: the slip reply is no larger than "
               "the query. 0 drops every limited query; 1 slips them all. The default, 2, "
               "answers half (like the slip of response rate limiting in Knot and BIND).",
        .apply = apply_integer<&Config::ip_ratelimit_slip>,
        .dump = dump_integer<&Config::ip_ratelimit_slip>},
    Setting{
        .name = "access-control", .kind = ValueKind::acl_list, .default_text = "[]",
        .help = "Client rules \"PREFIX ACTION\" (allow, refuse, deny) after the built-in ones.",
        .doc = "Who may query ternd. Each rule is \"PREFIX ACTION\": PREFIX is an address with "
               "an optional /LENGTH (a bare address means one host; host bits past the length "
               "are ignored) and ACTION is allow (answer), refuse (answer REFUSED) or deny "
               "(drop the query without an answer). The rule with the longest prefix that "
               "contains the client's address wins; an IPv4-mapped IPv6 client "
               "(::ffff:192.0.2.1) matches as IPv4.\n"
               "The rules given here follow built-in rules that allow 127.0.0.0/8, ::1/128, "
               "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16, fc00::/7 and "
               "fe80::/10 and refuse 0.0.0.0/0 and ::/0, so that ternd is not an open resolver "
               "unless told to be. A rule with the same prefix as a built-in one replaces it: "
               "\"0.0.0.0/0 allow\" answers all of IPv4. --dump-config shows the effective "
               "list, built-in rules included.",
        .apply = apply_access_control, .dump = dump_access_control},
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
        .apply = apply_integer<&Config::cache_max_failure_ttl>,
        .dump = dump_integer<&Config::cache_max_failure_ttl>},
    Setting{
        .name = "serve-stale", .kind = ValueKind::boolean, .default_text = "no",
        .help = "Answer with expired data when it cannot be refreshed (RFC 8767).",
        .doc = "Whether ternd may answer with expired cached data when refreshing it fails or "
               "takes too long (RFC 8767; Unbound's serve-expired). This keeps names working "
               "while their authoritative servers are unreachable, at the price of answers "
               "that may be out of date; see serve-stale-max and serve-stale-client-timeout.",
        .apply = apply_bool<&Config::serve_stale>, .dump = dump_bool<&Config::serve_stale>},
    Setting{
        .name = "serve-stale-max", .kind = ValueKind::integer, .default_text = "86400",
        .min = 0, .max = 2147483647,
        .help = "Seconds after expiry during which stale data may still be served.",
        .doc = "How long, in seconds, after its TTL ran out a cached answer may still be "
               "served stale (Unbound's serve-expired-ttl); it is reclaimed after that. RFC "
               "8767, section 5 suggests one to three days. Only used with serve-stale.",
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
        .apply = apply_integer<&Config::serve_stale_client_timeout_ms>,
        .dump = dump_integer<&Config::serve_stale_client_timeout_ms>},
    Setting{
        .name = "prefetch", .kind = ValueKind::boolean, .default_text = "no",
        .help = "Refresh popular entries before they expire.",
        .doc = "Whether a cache hit in the last 10% of its entry's TTL also starts a refresh "
               "of the entry in the background (Unbound's prefetch), so that names asked for "
               "often do not drop out of the cache. It costs about 10% more queries to "
               "authoritative servers.",
        .apply = apply_bool<&Config::prefetch>, .dump = dump_bool<&Config::prefetch>},
    Setting{
        .name = "local-zone", .kind = ValueKind::local_zone_list, .default_text = "[]",
        .help = "Zones ternd answers itself: \"NAME TYPE\" (static, deny, refuse, transparent ...).",
        .doc = "Names that ternd answers itself, never asking an authority (Unbound's "
               "local-zone). Each entry is \"NAME TYPE\"; a query falls in the local zone "
               "that most closely encloses its name. TYPE says what happens to a name for "
               "which local-data has nothing: static answers NXDOMAIN (NODATA when the name "
               "owns other data) with the zone's SOA, from local-data or else a locally made "
               "one; deny drops the query without an answer; refuse answers REFUSED; "
               "transparent resolves it as usual; always_nxdomain answers NXDOMAIN even when "
               "local-data has the name; nodefault switches off the built-in zone of that "
               "name and otherwise acts like transparent.\n"
               "Built in, as static zones, are localhost. (the loopback addresses for "
               "localhost. and every name below it, RFC 6761 section 6.3), 127.in-addr.arpa. "
               "and the ip6.arpa name of ::1 (PTR localhost. for 127.0.0.1 and ::1), test., "
               "invalid. (RFC 6761), onion. (RFC 7686), home.arpa. (RFC 8375), and the "
               "reverse zones of RFC 6303, section 4 and of 100.64.0.0/10: 0, 10, 16 to "
               "31.172, 168.192, 254.169, 2.0.192, 100.51.198, 113.0.203, "
               "255.255.255.255 and 64 to 127.100 .in-addr.arpa., the ip6.arpa names of "
               "::/128, fd00::/8 (d.f), fe80::/10 (8 to b.e.f) and 2001:db8::/32. Their "
               "queries would only load the root and the AS112 servers and leak private "
               "names. A rule with the same name as a built-in zone replaces it: "
               "\"10.in-addr.arpa. nodefault\" or \"... transparent\" lets a network with its "
               "own reverse zone for 10.0.0.0/8 resolve it (with a stub-zone or "
               "forward-zone pointing at its servers).",
        .apply = apply_local_zone, .dump = dump_local_zone},
    Setting{
        .name = "local-data", .kind = ValueKind::record_list, .default_text = "[]",
        .help = "Records served locally, in zone-file syntax (\"NAME [TTL] [IN] TYPE DATA\").",
        .doc = "Resource records that ternd serves itself (Unbound's local-data), one per "
               "entry in zone-file syntax with absolute names: \"printer.home.arpa. 300 IN A "
               "192.168.1.20\"; the TTL defaults to 3600. A query for a name and type with "
               "data here is answered with it (a CNAME here answers queries of every other "
               "type); a name with data of other types answers NODATA. An owner \"*.NAME\" is "
               "a wildcard for the names below NAME that have no data of their own (RFC "
               "4592). Data outside every local zone makes a transparent zone at its owner "
               "name, so the names around it still resolve; data inside a static, deny or "
               "refuse zone is answered before the zone's type applies. An SOA at a zone's "
               "apex is the one that zone's negative answers carry. A record that does not "
               "parse is an error at its line.",
        .apply = apply_local_data, .dump = dump_local_data},
    Setting{
        .name = "forward-zone", .kind = ValueKind::zone_list, .default_text = "[]",
        .help = "Subtrees sent to recursive servers: - {name, servers, forward-first, forward-tls ...}.",
        .doc = "Subtrees whose names ternd sends to other recursive resolvers instead of "
               "walking from the root (Unbound's forward-zone). Each entry is a mapping: name "
               "(the zone, \".\" for everything), servers (a list of ADDRESS[@PORT], each "
               "address once, port 53, "
               "or 853 with forward-tls), and optionally forward-first, forward-tls and "
               "forward-tls-name. ternd asks the servers with recursion desired (RD=1) and "
               "takes their answers as they are, after dropping records outside the zone; a "
               "CNAME that leads out of the zone is followed like any other. Each forwarder "
               "gets at least 2.5 seconds to answer (it may have to resolve the name first) "
               "before the next one is tried.\n"
               "forward-first (default no): when no forwarder gives a usable answer (all "
               "time out, refuse, fail or are unreachable), ternd resolves the name itself by "
               "iteration from the root as if the zone were not forwarded; without it, the "
               "client gets SERVFAIL. Exactly Unbound's forward-first.\n"
               "forward-tls (default no): talk to the servers over DNS over TLS (RFC 7858) "
               "instead of UDP and TCP. The servers' certificate must be valid for "
               "forward-tls-name (required with forward-tls), which is also sent as the TLS "
               "server name (SNI), and be signed by a CA in tls-ca-file (by default the "
               "system's store); when it is not, the forwarder is not used. A connection is "
               "kept open for the next query to the same server (RFC 7858, section 3.4).\n"
               "The zone that most closely encloses a name wins, whether forward or stub; "
               "a forward zone and a stub zone may not have the same name. Forwarders may be "
               "on loopback whatever query-loopback says: they are named on purpose.",
        .apply = apply_forward_zone, .dump = dump_forward_zone},
    Setting{
        .name = "stub-zone", .kind = ValueKind::zone_list, .default_text = "[]",
        .help = "Subtrees iterated from given authorities: - {name, servers}.",
        .doc = "Subtrees that ternd resolves by iteration starting at the given "
               "authoritative servers instead of at the delegation found from the root "
               "(Unbound's stub-zone with stub-addr), for zones that are not delegated from "
               "the public tree: a company's internal zone, a private reverse zone. Each entry "
               "is a mapping: name and servers (a list of ADDRESS[@PORT], each address once). "
               "ternd asks them "
               "without recursion desired, as any authority, and follows their referrals "
               "below the zone. Servers may be on loopback whatever query-loopback says.",
        .apply = apply_stub_zone, .dump = dump_stub_zone},
    Setting{
        .name = "tls-ca-file", .kind = ValueKind::path, .default_text = R"("")",
        .help = "PEM file of the CAs that sign forward-tls servers' certificates; empty = the system's.",
        .doc = "A PEM file of CA certificates against which ternd checks the certificates of "
               "the servers of forward zones with forward-tls (Unbound's "
               "tls-cert-bundle). Empty uses the system's default store "
               "(/etc/ssl/certs). A relative path is relative to the directory of the "
               "configuration file.",
        .apply = apply_tls_ca_file, .dump = dump_tls_ca_file},
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
        .apply = apply_control_socket, .dump = dump_control_socket},
    Setting{
        .name = "tcp-idle-timeout", .kind = ValueKind::integer, .default_text = "10000",
        .min = 100, .max = 600000,
        .help = "Milliseconds before an idle client TCP connection is closed.",
        .doc = "How long, in milliseconds, a client TCP or DNS-over-TLS connection may stay "
               "idle, with no query in progress, before ternd closes it (RFC 7766, section "
               "6.2.3; RFC 7858, section 3.4).",
        .apply = apply_integer<&Config::tcp_idle_timeout_ms>,
        .dump = dump_integer<&Config::tcp_idle_timeout_ms>},
    Setting{
        .name = "tcp-max-connections", .kind = ValueKind::integer, .default_text = "1024",
        .min = 1, .max = 100000,
        .help = "Client TCP connections open at once, all threads together.",
        .doc = "The largest number of client TCP connections ternd keeps open at once, all "
               "threads together; it bounds the memory and descriptors that clients can hold.",
        .apply = apply_integer<&Config::tcp_max_connections>,
        .dump = dump_integer<&Config::tcp_max_connections>},
    Setting{
        .name = "tcp-max-connections-per-client", .kind = ValueKind::integer, .default_text = "64",
        .min = 1, .max = 100000,
        .help = "Client TCP connections open at once from one client address.",
        .doc = "The largest number of client TCP connections ternd keeps open at once from one "
               "client address, all threads together, so that one client cannot take all of "
               "tcp-max-connections. A connection over the bound is closed at once.",
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
        .apply = apply_tls_file<&Config::tls_certificate>,
        .dump = dump_tls_file<&Config::tls_certificate>},
    Setting{
        .name = "tls-private-key", .kind = ValueKind::path, .default_text = R"("")",
        .help = "PEM file with the private key of tls-certificate; must not be world-readable.",
        .doc = "A PEM file with the private key that matches tls-certificate. ternd refuses "
               "to start (and a reload keeps the old key) when the file is readable by others "
               "than its owner and group (mode o+r), saying so. A relative path is relative "
               "to the directory of the configuration file.",
        .apply = apply_tls_file<&Config::tls_private_key>,
        .dump = dump_tls_file<&Config::tls_private_key>},
    Setting{
        .name = "tls-handshake-timeout", .kind = ValueKind::integer, .default_text = "5000",
        .min = 100, .max = 60000,
        .help = "Milliseconds a DNS-over-TLS client has to finish the TLS handshake.",
        .doc = "How long, in milliseconds, a DNS-over-TLS client has from the accepted "
               "connection to the end of the TLS handshake; a client that stalls is "
               "disconnected, so that slow handshakes cannot hold connection slots.",
        .apply = apply_integer<&Config::tls_handshake_timeout_ms>,
        .dump = dump_integer<&Config::tls_handshake_timeout_ms>},
    Setting{
        .name = "tls-max-connections", .kind = ValueKind::integer, .default_text = "1024",
        .min = 1, .max = 100000,
        .help = "DNS-over-TLS connections open at once, all threads together.",
        .doc = "The largest number of DNS-over-TLS connections ternd keeps open at once, all "
               "threads together, handshakes included. Counted apart from tcp-max-connections.",
        .apply = apply_integer<&Config::tls_max_connections>,
        .dump = dump_integer<&Config::tls_max_connections>},
    Setting{
        .name = "tls-max-connections-per-client", .kind = ValueKind::integer, .default_text = "64",
        .min = 1, .max = 100000,
        .help = "DNS-over-TLS connections open at once from one client address.",
        .doc = "The largest number of DNS-over-TLS connections ternd keeps open at once from "
               "one client address; a connection over the bound is closed before the handshake.",
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
               "queries after the handshake.",
        .apply = apply_bool<&Config::tls_early_data>, .dump = dump_bool<&Config::tls_early_data>},
    Setting{
        .name = "verbosity", .kind = ValueKind::integer, .default_text = "1",
        .min = 0, .max = 5,
        .help = "Log level: 0 errors, 1 +warnings and operations, 2 +info, 3..5 debug.",
        .doc = "How much ternd logs: 0 errors only; 1 also warnings and operational events "
               "(start, reload, stop); 2 also informational messages; 3 to 5 ever more "
               "detailed debugging. Each -v on the command line adds one.",
        .apply = apply_integer<&Config::verbosity>, .dump = dump_integer<&Config::verbosity>},
    // ---- operations: privileges, logging, metrics, query log ----
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
               "runs on as the one it is (a warning says so when that is not this user). Not "
               "changed by a reload.",
        .apply = apply_username, .dump = dump_username},
    Setting{
        .name = "chroot", .kind = ValueKind::path, .default_text = R"("")",
        .help = "Directory to chroot into after start-up; \"\" = none.",
        .doc = "A directory ternd changes its root to after it has opened everything it needs "
               "and before it changes user. A reload then reads the configuration file (and "
               "root-hints) at the same path inside the chroot, with the chroot prefix removed "
               "when the path starts with it; the query log is reopened inside it too. Empty "
               "means no chroot. Not changed by a reload.",
        .apply = apply_chroot, .dump = dump_optional_path<&Config::chroot>},
    Setting{
        .name = "pidfile", .kind = ValueKind::path, .default_text = R"("")",
        .help = "File to write the daemon's pid to; \"\" = none.",
        .doc = "A file ternd writes its process id to, once detached, before it changes user; "
               "it is handed to username and removed at exit when the directory allows it. "
               "Empty means no pid file (systemd tracks the process itself). Not changed by a "
               "reload.",
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
               "lines). Changed by a reload.",
        .apply = apply_log_destination, .dump = dump_log_destination},
    Setting{
        .name = "log-rate-limit", .kind = ValueKind::integer, .default_text = "20",
        .min = 0, .max = 100000,
        .help = "Log lines per second per kind of message; 0 = no limit.",
        .doc = "How many lines of one kind (one message text, whatever its values) ternd logs "
               "per second, with bursts of as many again; lines beyond are counted, not written, "
               "and a line says how many were suppressed once the kind may log again (or within "
               "a second). This keeps an attack that triggers a message per packet from flooding "
               "the log. 0 means no limit. Changed by a reload.",
        .apply = apply_integer<&Config::log_rate_limit>,
        .dump = dump_integer<&Config::log_rate_limit>},
    Setting{
        .name = "metrics-listen", .kind = ValueKind::endpoint_list, .default_text = R"("")",
        .help = "Prometheus metrics endpoint(s), ADDRESS@PORT; \"\" = off.",
        .doc = "The addresses on which ternd serves its counters in the Prometheus text format "
               "over HTTP/1.1 (GET /metrics), each written ADDRESS@PORT, e.g. 127.0.0.1@9153. "
               "Empty (the default) means no metrics endpoint. The endpoint has no access "
               "control of its own: keep it on a loopback address unless a firewall guards it. "
               "The counters are the ones ternctl stats prints. Not changed by a reload.",
        .apply = apply_metrics_listen, .dump = dump_metrics_listen},
    Setting{
        .name = "query-log", .kind = ValueKind::path, .default_text = R"("")",
        .values = "a path, stderr, or \"\"",
        .help = "NDJSON line per answered query to this file or stderr; \"\" = off.",
        .doc = "Writes one JSON object per line (NDJSON) for every query answered: time (ISO "
               "8601 UTC), client, name, type, rcode, cache (hit, miss, stale or prefetch), ttl "
               "(remaining TTL of the answer), upstream (queries sent to authorities for it) and "
               "latency_us. A path is opened for appending (created mode 0640) before ternd "
               "changes user; \"stderr\" writes to the error stream. The file is reopened on "
               "SIGHUP and on ternctl log-reopen, for rotation: the directory must then be "
               "writable by username for a new file to be created. Empty (the default) means "
               "no query log, at the cost of one test per query. Changed by a reload.",
        .apply = apply_query_log, .dump = dump_optional_path<&Config::query_log>},
    // ---- end of operations ----
};

}  // namespace

std::filesystem::path readable_file(const Setting& self, const YAML::Node& value, const SettingSource& source,
                                    const std::string& text) {
  namespace fs = std::filesystem;
  // Absolute, so that a reload after the daemon changed directory finds the same file.
  fs::path path = (fs::path(source.base_dir) / text).lexically_normal();
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw_setting_error(self, source, value, "'" + path.string() + "' is a directory");
  }
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) {
    std::string why = std::generic_category().message(errno);
    throw_setting_error(self, source, value, "cannot read '" + path.string() + "': " + why);
  }
  std::fclose(file);
  return path;
}

std::span<const Setting> settings_table() { return table; }

const Setting* find_setting(std::string_view name) {
  auto row = std::find_if(table.begin(), table.end(),
                          [&](const Setting& s) { return s.name == name; });
  return row == table.end() ? nullptr : &*row;
}

std::string_view kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::boolean: return "a boolean";
    case ValueKind::integer: return "an integer";
    case ValueKind::size: return "a size in bytes";
    case ValueKind::path: return "a file path";
    case ValueKind::choice: return "a word";
    case ValueKind::address_list: return "a list of addresses";
    case ValueKind::endpoint_list: return "a list of ADDRESS[@PORT]";
    case ValueKind::acl_list: return "a list of \"PREFIX ACTION\"";
    case ValueKind::local_zone_list: return "a list of \"NAME TYPE\"";
    case ValueKind::record_list: return "a list of resource records";
    case ValueKind::zone_list: return "a list of zones (name, servers ...)";
  }
  return "a value";
}

std::string allowed_values(const Setting& setting) {
  if (setting.max == 0) return std::string(setting.values);
  std::string range = setting.kind == ValueKind::size
                          ? format_size(setting.min) + ".." + format_size(setting.max)
                          : std::to_string(setting.min) + ".." + std::to_string(setting.max);
  return setting.values.empty() ? range : range + ", or " + std::string(setting.values);
}

Config default_config() {
  Config config;
  SettingSource source{"<built-in defaults>", 0, "", "/"};
  for (const Setting& setting : table) {
    // A failure here is a bug in the table, which the unit tests catch.
    setting.apply(setting, YAML::Load(std::string(setting.default_text)), source, config);
  }
  return config;
}

std::string settings_man_section() {
  std::string out =
      ".\\\" Generated from daemon/config/settings_table.cpp by gen_settings_doc: edit the table and\n"
      ".\\\" run man/update-settings.sh, not this section.\n";
  for (const Setting& setting : table) {
    std::string allowed = allowed_values(setting);
    // The tag line names the setting, its syntax and its default; the text goes below it.
    out += ".TP\n\\fB" + roff_text(setting.name) + "\\fR: \\fI" +
           roff_text(kind_name(setting.kind)) + "\\fR" +
           (allowed.empty() ? "" : " (" + roff_text(allowed) + ")") + "; default \\fB" +
           roff_text(setting.default_text) + "\\fR\n";
    std::string_view doc = setting.doc;
    for (std::size_t start = 0; start <= doc.size();) {
      std::size_t end = std::min(doc.find('\n', start), doc.size());
      if (start > 0) out += ".IP\n";
      out += roff_paragraph(doc.substr(start, end - start));
      start = end + 1;
    }
  }
  return out;
}

void throw_setting_error(const Setting& setting, const SettingSource& source,
                         const YAML::Node& at, const std::string& message) {
  if (!source.override_text.empty()) {
    throw ConfigError(source.file, 0, source.override_text + ": " + message);
  }
  // A missing value's mark is where the next token starts: the key's line is the one to show.
  int line = source.key_line;
  if (!at.IsNull() && at.Mark().line >= 0 && source.key_line > 0) line = at.Mark().line + 1;
  throw ConfigError(source.file, line, std::string(setting.name) + ": " + message);
}

}  // namespace tern::daemon
