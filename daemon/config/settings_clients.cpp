// The settings that decide which clients get answers: access control and the per-address
// rate limit.
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/access_control.hpp"
#include "daemon/config/settings_parse.hpp"

#include <yaml-cpp/yaml.h>

#include <array>

namespace tern::daemon {
namespace {

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

void apply_proxy_protocol_from(const Setting& self, const YAML::Node& value, const SettingSource& source,
                               Config& config) {
  std::vector<AclRule> prefixes;
  for (const YAML::Node& item : list_items(self, value, source)) {
    std::string error;
    // A prefix is an access-control rule without its action: the same syntax and matching.
    auto rule = parse_acl_rule(item.Scalar() + " allow", error);
    if (!rule) throw_setting_error(self, source, item, error);
    prefixes.push_back(*rule);
  }
  config.proxy_protocol_from = std::move(prefixes);
}

std::string dump_proxy_protocol_from(const Config& config) {
  std::vector<std::string> items;
  for (const AclRule& rule : config.proxy_protocol_from)
    items.push_back(rule.network.to_string() + "/" + std::to_string(rule.prefix_length));
  return block_list(items);
}

std::string dump_access_control(const Config& config) {
  std::vector<std::string> items;
  for (const AclRule& rule : config.access_control) items.push_back(format_acl_rule(rule));
  return block_list(items);
}

constexpr std::array rows{
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
               "the metrics).",
        .reload = Reload::applies,
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
        .reload = Reload::applies,
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
        .reload = Reload::applies,
        .apply = apply_access_control, .dump = dump_access_control},
    Setting{
        .name = "proxy-protocol-from", .kind = ValueKind::prefix_list, .default_text = "[]",
        .help = "Balancers (PREFIX[/LENGTH]) whose queries carry a PROXY v2 header naming the client.",
        .doc = "Load balancers in front of ternd, such as dnsdist with useProxyProtocol, that put a "
               "PROXY protocol version 2 header (the binary one; version 1 text is not accepted) "
               "before each query: at the start of every UDP datagram and once at the start of "
               "every TCP connection. For queries from these addresses the client is the source "
               "address the header names, and access-control, ip-ratelimit, cookies and the query "
               "log all use it; the answer goes back to the balancer without a header. A header "
               "with the LOCAL command (a balancer's own health check) leaves the balancer as the "
               "client. A datagram or connection from a listed address without a valid header is "
               "dropped (proxy.dropped-missing), and so is a header from an address not listed "
               "(proxy.dropped-unexpected): a client must not be able to claim another's address. "
               "Headers over 512 octets are refused. DNS over TLS does not read the header. The "
               "TCP connection bounds (tcp-max-connections-per-client) count the balancer's "
               "connections as its own, since it holds them. "
               "Empty (the default) turns this off and costs the listeners one branch.",
        .reload = Reload::restart,
        .apply = apply_proxy_protocol_from, .dump = dump_proxy_protocol_from},
};

}  // namespace

std::span<const Setting> client_rows() { return rows; }

}  // namespace tern::daemon
