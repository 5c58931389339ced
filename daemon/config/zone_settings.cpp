#include "daemon/config/zone_settings.hpp"

#include "daemon/config/config_values.hpp"
#include "resolver/dns/message.hpp"
#include "resolver/dns/name.hpp"

#include <openssl/ssl.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <system_error>

namespace tern::daemon {
namespace {

constexpr std::array<std::pair<std::string_view, LocalZoneType>, 6> zone_types{{
    {"static", LocalZoneType::static_zone},
    {"deny", LocalZoneType::deny},
    {"refuse", LocalZoneType::refuse},
    {"transparent", LocalZoneType::transparent},
    {"nodefault", LocalZoneType::nodefault},
    {"always_nxdomain", LocalZoneType::always_nxdomain},
}};

std::string yaml_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

/// The items of a list of scalars; one scalar stands for a one-element list.
std::vector<YAML::Node> scalar_items(const Setting& self, const YAML::Node& value, const SettingSource& source) {
  if (value.IsScalar()) return {value};
  if (value.IsNull() || !value.IsSequence()) {
    throw_setting_error(self, source, value, "expected " + std::string(kind_name(self.kind)));
  }
  std::vector<YAML::Node> items;
  for (const YAML::Node& item : value) {
    if (!item.IsScalar()) throw_setting_error(self, source, item.IsNull() ? value : item, "list items must be single values");
    items.push_back(item);
  }
  return items;
}

/// A domain name in presentation form, made absolute and lower case; a clear error if not one.
std::string checked_name(const Setting& self, const SettingSource& source, const YAML::Node& at,
                         std::string_view text) {
  auto name = dns::Name::from_text(text);
  if (!name || text.empty()) throw_setting_error(self, source, at, "'" + std::string(text) + "' is not a domain name");
  return name->to_text();
}

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
    std::size_t end = at;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
    if (end > at) out.emplace_back(text.substr(at, end - at));
    at = end;
  }
  return out;
}

/// One forward-zone or stub-zone entry: a mapping with `name`, `servers` and, for forward
/// zones, `forward-first`, `forward-tls`, `forward-tls-name`.
ZoneRouteConfig parse_route(const Setting& self, const SettingSource& source, const YAML::Node& item, bool forward) {
  if (!item.IsMap()) {
    throw_setting_error(self, source, item.IsNull() ? YAML::Node() : item,
                        "each entry is a mapping with name and servers");
  }
  ZoneRouteConfig route;
  bool named = false;
  std::vector<std::pair<std::string, YAML::Node>> servers;
  for (auto it = item.begin(); it != item.end(); ++it) {
    // Copies, not references: yaml-cpp's iterator hands out a temporary pair.
    const YAML::Node key_node = it->first;
    const YAML::Node value = it->second;
    const std::string key = key_node.IsScalar() ? key_node.Scalar() : std::string();
    auto scalar = [&]() -> std::string {
      if (!value.IsScalar()) throw_setting_error(self, source, value.IsNull() ? key_node : value, key + ": expected a single value");
      return value.Scalar();
    };
    auto boolean = [&]() {
      auto parsed = parse_bool(scalar());
      if (!parsed) throw_setting_error(self, source, value, key + ": '" + value.Scalar() + "' is not a boolean (yes/no)");
      return *parsed;
    };
    if (key == "name") {
      route.name = checked_name(self, source, value, scalar());
      named = true;
    } else if (key == "servers") {
      if (value.IsScalar()) {
        servers.emplace_back(value.Scalar(), value);
      } else if (value.IsSequence()) {
        for (const YAML::Node& server : value) {
          if (!server.IsScalar()) throw_setting_error(self, source, server, "servers: items must be ADDRESS[@PORT]");
          servers.emplace_back(server.Scalar(), server);
        }
      } else {
        throw_setting_error(self, source, key_node, "servers: expected a list of ADDRESS[@PORT]");
      }
    } else if (forward && key == "forward-first") {
      route.first = boolean();
    } else if (forward && key == "forward-tls") {
      route.tls = boolean();
    } else if (forward && key == "forward-tls-name") {
      route.tls_name = scalar();
      if (!route.tls_name.empty()) route.tls_name = checked_name(self, source, value, route.tls_name);
      if (route.tls_name.size() > 1) route.tls_name.pop_back();  // a host name, as in a certificate
    } else {
      throw_setting_error(self, source, key_node,
                          "unknown key '" + key + "' (" +
                              (forward ? "name, servers, forward-first, forward-tls, forward-tls-name"
                                       : "name, servers") + ")");
    }
  }
  if (!named) throw_setting_error(self, source, item, "an entry without a name");
  if (servers.empty()) throw_setting_error(self, source, item, route.name + ": no servers");
  for (const auto& [text, node] : servers) {
    std::string error;
    // RFC 7858 §3.1: DNS over TLS has its own port.
    auto endpoint = parse_listen_endpoint(text, error, route.tls ? 853 : 53);
    if (!endpoint) throw_setting_error(self, source, node, "servers: " + error);
    ZoneServer server{endpoint->address, endpoint->port};
    // One port per address: servers are told apart by address (their RTTs are kept so).
    if (std::any_of(route.servers.begin(), route.servers.end(),
                    [&](const ZoneServer& s) { return s.address == server.address; }))
      throw_setting_error(self, source, node, "servers: " + server.address.to_string() + " is listed twice");
    route.servers.push_back(server);
  }
  if (route.tls && route.tls_name.empty()) {
    throw_setting_error(self, source, item,
                        route.name + ": forward-tls needs forward-tls-name, the name the servers' "
                                     "certificate must carry");
  }
  return route;
}

std::vector<ZoneRouteConfig> parse_routes(const Setting& self, const YAML::Node& value, const SettingSource& source,
                                          bool forward) {
  std::vector<ZoneRouteConfig> routes;
  if (value.IsNull()) throw_setting_error(self, source, value, "missing value");
  if (value.IsScalar() && value.Scalar().empty()) return routes;
  if (!value.IsSequence()) throw_setting_error(self, source, value, "expected a list of mappings (- name: ...)");
  std::set<std::string> seen;
  for (const YAML::Node& item : value) {
    ZoneRouteConfig route = parse_route(self, source, item, forward);
    if (!seen.insert(route.name).second) throw_setting_error(self, source, item, route.name + " is listed twice");
    routes.push_back(std::move(route));
  }
  return routes;
}

std::string dump_routes(const std::vector<ZoneRouteConfig>& routes, bool forward) {
  if (routes.empty()) return "[]";
  std::string out;
  for (const ZoneRouteConfig& route : routes) {
    out += "\n  - name: " + yaml_string(route.name) + "\n    servers: [";
    for (std::size_t i = 0; i < route.servers.size(); ++i) {
      if (i) out += ", ";
      out += yaml_string(format_listen_endpoint(ListenEndpoint{route.servers[i].address, route.servers[i].port}));
    }
    out += "]";
    if (forward) {
      out += std::string("\n    forward-first: ") + (route.first ? "yes" : "no");
      out += std::string("\n    forward-tls: ") + (route.tls ? "yes" : "no");
      out += "\n    forward-tls-name: " + yaml_string(route.tls_name);
    }
  }
  return out;
}

}  // namespace

std::string_view local_zone_type_name(LocalZoneType type) {
  for (auto [name, value] : zone_types)
    if (value == type) return name;
  return "static";
}

void apply_local_zone(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config) {
  std::vector<LocalZoneRule> rules;
  if (value.IsScalar() && value.Scalar().empty()) {
    config.local_zone.clear();
    return;
  }
  for (const YAML::Node& item : scalar_items(self, value, source)) {
    std::vector<std::string> parts = words(item.Scalar());
    if (parts.size() != 2) throw_setting_error(self, source, item, "'" + item.Scalar() + "' is not \"NAME TYPE\"");
    LocalZoneRule rule{checked_name(self, source, item, parts[0]), LocalZoneType::static_zone};
    auto type = std::find_if(zone_types.begin(), zone_types.end(), [&](const auto& t) { return t.first == parts[1]; });
    if (type == zone_types.end()) {
      throw_setting_error(self, source, item,
                          "'" + parts[1] + "' is not a zone type (static, deny, refuse, transparent, "
                                           "nodefault, always_nxdomain)");
    }
    rule.type = type->second;
    if (std::any_of(rules.begin(), rules.end(), [&](const LocalZoneRule& r) { return r.name == rule.name; }))
      throw_setting_error(self, source, item, rule.name + " is listed twice");
    rules.push_back(std::move(rule));
  }
  config.local_zone = std::move(rules);
}

std::string dump_local_zone(const Config& config) {
  if (config.local_zone.empty()) return "[]";
  std::string out;
  for (const LocalZoneRule& rule : config.local_zone)
    out += "\n  - " + yaml_string(rule.name + " " + std::string(local_zone_type_name(rule.type)));
  return out;
}

void apply_local_data(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config) {
  std::vector<std::string> records;
  if (value.IsScalar() && value.Scalar().empty()) {
    config.local_data.clear();
    return;
  }
  for (const YAML::Node& item : scalar_items(self, value, source)) {
    const std::string& text = item.Scalar();
    auto rr = dns::record_from_text(text);
    if (!rr) throw_setting_error(self, source, item, "'" + text + "' is not a resource record (\"NAME [TTL] [IN] TYPE DATA\")");
    if (rr->klass != dns::class_in) throw_setting_error(self, source, item, "'" + text + "': only class IN is served");
    if (rr->type == dns::rrtype::OPT) throw_setting_error(self, source, item, "'" + text + "': OPT is not data");
    records.push_back(text);
  }
  config.local_data = std::move(records);
}

std::string dump_local_data(const Config& config) {
  if (config.local_data.empty()) return "[]";
  std::string out;
  for (const std::string& text : config.local_data) out += "\n  - " + yaml_string(text);
  return out;
}

void apply_forward_zone(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config) {
  config.forward_zone = parse_routes(self, value, source, true);
}

std::string dump_forward_zone(const Config& config) { return dump_routes(config.forward_zone, true); }

void apply_stub_zone(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config) {
  config.stub_zone = parse_routes(self, value, source, false);
}

std::string dump_stub_zone(const Config& config) { return dump_routes(config.stub_zone, false); }

void apply_tls_ca_file(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config) {
  if (!value.IsScalar()) throw_setting_error(self, source, value, "expected a file path");
  const std::string& text = value.Scalar();
  if (text.empty()) {
    config.tls_ca_file.clear();
    return;
  }
  const std::filesystem::path path = readable_file(self, value, source, text);
  // Loaded here once, so that a file without a usable certificate is a config error at its
  // line, not a DNS-over-TLS failure at the first query.
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!context || SSL_CTX_load_verify_locations(context.get(), path.c_str(), nullptr) != 1) {
    throw_setting_error(self, source, value, "'" + path.string() + "' holds no PEM certificate");
  }
  config.tls_ca_file = path.string();
}

std::string dump_tls_ca_file(const Config& config) { return yaml_string(config.tls_ca_file); }

}  // namespace tern::daemon
