// The settings of the walk towards authoritative servers: source addresses, address families,
// QNAME minimisation, 0x20, cookies, the EDNS buffer size.
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/settings_parse.hpp"

#include <yaml-cpp/yaml.h>

#include <array>

namespace tern::daemon {
namespace {

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

constexpr std::array rows{
    Setting{
        .name = "outgoing-address", .kind = ValueKind::address_list, .default_text = "[]",
        .help = "Source addresses of queries to authoritative servers; empty = any.",
        .doc = "The local addresses that queries to authoritative servers are sent from. "
               "Each query, over UDP and TCP alike, leaves from one of the addresses of the "
               "server's family drawn at random from the CSPRNG (as Unbound's "
               "outgoing-interface), so all of them carry traffic; against cache poisoning "
               "(RFC 5452) a blind forger must then guess the destination address as well as "
               "the port and the ID: n addresses multiply the search space by n. "
               "Empty means any: the kernel picks the source address from its routes.",
        .reload = Reload::restart,
        .apply = apply_outgoing_address, .dump = dump_outgoing_address},
    Setting{
        .name = "query-loopback", .kind = ValueKind::boolean, .default_text = "no",
        .help = "Allow authoritative servers at loopback addresses (for test labs).",
        .doc = "Whether ternd may send queries to authoritative servers at loopback addresses "
               "(127.0.0.0/8 and ::1). Off by default, because a delegation to a loopback "
               "address would make the resolver query itself or a local service; turn it on "
               "for a lab whose authoritative servers listen on loopback.",
        .reload = Reload::applies,
        .apply = apply_bool<&Config::query_loopback>, .dump = dump_bool<&Config::query_loopback>},
    Setting{
        .name = "do-ip4", .kind = ValueKind::boolean, .default_text = "yes",
        .help = "Use IPv4 to reach authoritative servers.",
        .doc = "Whether ternd uses IPv4 to reach authoritative servers. At least one of do-ip4 "
               "and do-ip6 must be on.",
        .reload = Reload::applies,
        .apply = apply_bool<&Config::do_ip4>, .dump = dump_bool<&Config::do_ip4>},
    Setting{
        .name = "do-ip6", .kind = ValueKind::boolean, .default_text = "yes",
        .help = "Use IPv6 to reach authoritative servers.",
        .doc = "Whether ternd uses IPv6 to reach authoritative servers. Turn it off on a host "
               "without IPv6 connectivity, where every IPv6 attempt would only time out.",
        .reload = Reload::applies,
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
        .reload = Reload::applies,
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
        .reload = Reload::applies,
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
        .reload = Reload::applies,
        .apply = apply_bool<&Config::cookies>, .dump = dump_bool<&Config::cookies>},
    Setting{
        .name = "cookie-secret-rotation", .kind = ValueKind::integer, .default_text = "86400",
        .min = 3600, .max = 31536000,
        .help = "Seconds between rotations of the server-cookie secret (also rotated on reload).",
        .doc = "How often, in seconds, the secret behind the server cookies given to clients "
               "is replaced by a new random one; a reload (SIGHUP, ternctl reload) replaces it "
               "too. Cookies made with the previous secret stay valid until the next rotation, "
               "so at least one hour (the RFC 9018 validity of a cookie) is required.",
        .reload = Reload::applies,
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
        .reload = Reload::applies,
        .apply = apply_integer<&Config::edns_buffer_size>,
        .dump = dump_integer<&Config::edns_buffer_size>},
};

}  // namespace

std::span<const Setting> resolution_rows() { return rows; }

}  // namespace tern::daemon
