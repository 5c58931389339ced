// The `rpz` setting: response policy zones, each a mapping (name, file or primaries, ede,
// policy-override, log). Its row and its parser live here; the zones themselves are
// daemon/answering/rpz_zone.hpp, their loading and transfers daemon/process/rpz_manager.hpp.
#include "daemon/config/settings_rows.hpp"

#include "resolver/rpz_limits.hpp"
#include "daemon/config/config_values.hpp"
#include "daemon/config/settings_parse.hpp"
#include "resolver/dns/name.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <set>

namespace tern::daemon {
namespace {

constexpr std::array<std::pair<std::string_view, RpzEde>, 4> ede_words{{
    {"none", RpzEde::none}, {"blocked", RpzEde::blocked}, {"censored", RpzEde::censored}, {"filtered", RpzEde::filtered}}};
constexpr std::array<std::pair<std::string_view, RpzOverride>, 6> override_words{{{"none", RpzOverride::none},
                                                                                  {"nxdomain", RpzOverride::nxdomain},
                                                                                  {"nodata", RpzOverride::nodata},
                                                                                  {"passthru", RpzOverride::passthru},
                                                                                  {"drop", RpzOverride::drop},
                                                                                  {"tcp-only", RpzOverride::tcp_only}}};

template <typename Words, typename Value>
std::string_view word_of(const Words& words, Value value) {
  for (auto [word, v] : words)
    if (v == value) return word;
  return "none";
}

RpzZoneConfig parse_zone(const Setting& self, const SettingSource& source, const YAML::Node& item) {
  if (!item.IsMap())
    throw_setting_error(self, source, item.IsNull() ? YAML::Node() : item,
                        "each entry is a mapping with name and file or primaries");
  RpzZoneConfig zone;
  bool named = false;
  for (auto it = item.begin(); it != item.end(); ++it) {
    const YAML::Node key_node = it->first;
    const YAML::Node value = it->second;
    const std::string key = key_node.IsScalar() ? key_node.Scalar() : std::string();
    auto scalar = [&]() -> std::string {
      if (!value.IsScalar()) throw_setting_error(self, source, value.IsNull() ? key_node : value, key + ": expected a single value");
      return value.Scalar();
    };
    auto choice = [&](const auto& words) {
      const std::string text = scalar();
      for (auto [word, v] : words)
        if (word == text) return v;
      std::string allowed;
      for (auto [word, v] : words) allowed += (allowed.empty() ? "" : ", ") + std::string(word);
      throw_setting_error(self, source, value, key + ": '" + text + "' is not one of " + allowed);
    };
    if (key == "name") {
      const std::string text = scalar();
      auto name = dns::Name::from_text(text);
      if (!name || text.empty()) throw_setting_error(self, source, value, "'" + text + "' is not a domain name");
      if (name->is_root()) throw_setting_error(self, source, value, "the root cannot be a policy zone");
      zone.name = name->to_text();
      named = true;
    } else if (key == "file") {
      zone.file = readable_file(self, value, source, scalar()).string();
    } else if (key == "primaries") {
      std::vector<YAML::Node> items;
      if (value.IsScalar()) items.push_back(value);
      else if (value.IsSequence())
        for (const YAML::Node& p : value) items.push_back(p);
      else throw_setting_error(self, source, key_node, "primaries: expected a list of ADDRESS[@PORT]");
      for (const YAML::Node& p : items) {
        if (!p.IsScalar()) throw_setting_error(self, source, p, "primaries: items must be ADDRESS[@PORT]");
        std::string error;
        auto endpoint = parse_listen_endpoint(p.Scalar(), error, 53);
        if (!endpoint) throw_setting_error(self, source, p, "primaries: " + error);
        zone.primaries.push_back(ZoneServer{endpoint->address, endpoint->port});
      }
    } else if (key == "ede") {
      zone.ede = choice(ede_words);
    } else if (key == "policy-override") {
      zone.policy_override = choice(override_words);
    } else if (key == "log") {
      auto parsed = parse_bool(scalar());
      if (!parsed) throw_setting_error(self, source, value, "log: '" + value.Scalar() + "' is not a boolean (yes/no)");
      zone.log = *parsed;
    } else {
      throw_setting_error(self, source, key_node,
                          "unknown key '" + key + "' (name, file, primaries, ede, policy-override, log)");
    }
  }
  if (!named) throw_setting_error(self, source, item, "an entry without a name");
  if (zone.file.empty() == zone.primaries.empty())
    throw_setting_error(self, source, item, zone.name + ": give either file or primaries");
  return zone;
}

void apply_rpz(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config) {
  std::vector<RpzZoneConfig> zones;
  if (value.IsNull()) throw_setting_error(self, source, value, "missing value");
  if (!(value.IsScalar() && value.Scalar().empty())) {
    if (!value.IsSequence()) throw_setting_error(self, source, value, "expected a list of mappings (- name: ...)");
    std::set<std::string> seen;
    for (const YAML::Node& item : value) {
      RpzZoneConfig zone = parse_zone(self, source, item);
      if (!seen.insert(zone.name).second) throw_setting_error(self, source, item, zone.name + " is listed twice");
      zones.push_back(std::move(zone));
    }
    if (zones.size() > resolver::limits::rpz::max_zones)
      throw_setting_error(self, source, value, "more than " + std::to_string(resolver::limits::rpz::max_zones) + " policy zones");
  }
  config.rpz = std::move(zones);
}

std::string dump_rpz(const Config& config) {
  if (config.rpz.empty()) return "[]";
  std::string out;
  for (const RpzZoneConfig& zone : config.rpz) {
    out += "\n  - name: " + yaml_quote(zone.name);
    if (!zone.file.empty()) out += "\n    file: " + yaml_quote(zone.file);
    if (!zone.primaries.empty()) {
      out += "\n    primaries: [";
      for (std::size_t i = 0; i < zone.primaries.size(); ++i)
        out += (i ? ", " : "") +
               yaml_quote(format_listen_endpoint(ListenEndpoint{zone.primaries[i].address, zone.primaries[i].port}));
      out += "]";
    }
    out += "\n    ede: " + std::string(word_of(ede_words, zone.ede));
    out += "\n    policy-override: " + std::string(word_of(override_words, zone.policy_override));
    out += std::string("\n    log: ") + (zone.log ? "yes" : "no");
  }
  return out;
}

constexpr std::array rows{
    Setting{
        .name = "rpz", .kind = ValueKind::zone_list, .default_text = "[]",
        .help = "Response policy zones: - {name, file | primaries, ede, policy-override, log}.",
        .doc = "Response policy zones (RPZ, draft-vixie-dnsop-dns-rpz): zones of rules that "
               "rewrite answers, such as the block lists of malware and advertising domains that "
               "feeds publish. Each entry is a mapping: name (the zone's origin) and either file "
               "(a zone file, read with ldns; relative to the configuration file's directory) or "
               "primaries (a list of ADDRESS[@PORT], port 53: ternd transfers the zone with AXFR, "
               "then asks for IXFR when a primary sends NOTIFY to ternd's listening address or "
               "when the SOA's refresh interval has passed, its retry interval after a failure; "
               "both kept between 2 seconds and a day). Optional: ede (blocked, censored, "
               "filtered or none; default blocked): the Extended DNS Error, 15, 16 or 17 (RFC "
               "8914), that rewritten answers carry; policy-override (none, nxdomain, nodata, "
               "passthru, drop, tcp-only; default none): one action for every trigger of the "
               "zone, to try a feed out with passthru; log (default no): a line per rewritten "
               "answer naming the zone, client, name, trigger and action.\n"
               "Triggers, as owner names in the zone: NAME (the query name; *.NAME for the names "
               "below it), PREFIX.REVERSED-ADDRESS.rpz-client-ip (the client's address), "
               "...rpz-ip (an address in the answer), NAME.rpz-nsdname (a name server's name) and "
               "...rpz-nsip (a name server's address), addresses written as in the draft "
               "(24.0.2.0.192 for 192.0.2.0/24, 128.1.zz.db8.2001 for 2001:db8::1). Actions, "
               "as the trigger's records: CNAME . (NXDOMAIN), CNAME *. (NODATA), CNAME "
               "rpz-passthru. (answer as usual), CNAME rpz-drop. (no answer), CNAME "
               "rpz-tcp-only. (TC=1 over UDP, so the client asks again over TCP, where it is "
               "answered as usual), or any other records: local data answered instead (a CNAME "
               "to a walled garden is followed and its answer appended).\n"
               "The first zone in the list with a matching trigger decides; within a zone a "
               "client-IP trigger beats a QNAME trigger, which beats a response-IP, then an "
               "NSDNAME, then an NSIP trigger; an exact name beats a wildcard, a longer wildcard "
               "a shorter one and a longer prefix a shorter one. QNAME triggers also match the "
               "targets of the CNAMEs in an answer. NSDNAME and NSIP triggers match the servers "
               "of the zones above the query name whose NS sets and addresses the cache holds. "
               "A zone file that does not load at start stops ternd with FILE:LINE; at a reload "
               "(ternctl rpz reload, or a reload of the configuration) or a transfer that fails, "
               "the zone keeps the contents it had and the error is logged and shown by "
               "ternctl rpz.",
        .reload = Reload::applies,
        .apply = apply_rpz, .dump = dump_rpz},
};

}  // namespace

std::span<const Setting> rpz_rows() { return rows; }

}  // namespace tern::daemon
