#include "daemon/answering/local_zones.hpp"

#include <algorithm>
#include <array>

namespace tern::daemon {

namespace {

/// RFC 6761 §6.4, RFC 7686, RFC 8375: names that are never delegated to anyone; RFC 6303 §4
/// (and RFC 6598 for 100.64.0.0/10): reverse zones of addresses that are not globally unique,
/// whose queries only leak to the AS112 servers. The same list as Unbound's defaults.
std::vector<std::string> builtin_names() {
  std::vector<std::string> names{
      "localhost.", "127.in-addr.arpa.",
      "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
      "onion.", "test.", "invalid.", "home.arpa.",
      "0.in-addr.arpa.", "10.in-addr.arpa.", "254.169.in-addr.arpa.", "168.192.in-addr.arpa.",
      "2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.", "113.0.203.in-addr.arpa.",
      "255.255.255.255.in-addr.arpa.",
      "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
      "d.f.ip6.arpa.", "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.", "b.e.f.ip6.arpa.",
      "8.b.d.0.1.0.0.2.ip6.arpa.",
  };
  for (int octet = 16; octet <= 31; ++octet) names.push_back(std::to_string(octet) + ".172.in-addr.arpa.");
  for (int octet = 64; octet <= 127; ++octet) names.push_back(std::to_string(octet) + ".100.in-addr.arpa.");
  return names;
}

/// The data of the built-in zones beyond their SOA and NS: localhost and every name below it
/// is the loopback address (RFC 6761 §6.3 item 4: "for all such address queries, generate an
/// immediate positive response giving the IP loopback address"), and the loopback addresses
/// map back to "localhost.".
constexpr std::array builtin_data{
    "localhost. 10800 IN A 127.0.0.1",
    "localhost. 10800 IN AAAA ::1",
    "*.localhost. 10800 IN A 127.0.0.1",
    "*.localhost. 10800 IN AAAA ::1",
    "1.0.0.127.in-addr.arpa. 10800 IN PTR localhost.",
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa. 10800 IN PTR localhost.",
};

/// The SOA a local zone answers negatives with when the operator gave none (Unbound's).
dns::Record made_soa(const dns::Name& zone) {
  return *dns::record_from_text(zone.to_text() + " 10800 IN SOA localhost. nobody.invalid. 1 3600 1200 604800 10800");
}

/// Byte offsets of every label of a wire name, the root's terminating zero included: the
/// suffix starting at each is the name's ancestor with that many labels removed.
void label_offsets(std::string_view wire, std::vector<std::size_t>& out) {
  out.clear();
  for (std::size_t at = 0; at < wire.size();) {
    out.push_back(at);
    if (wire[at] == 0) break;
    at += 1 + static_cast<unsigned char>(wire[at]);
  }
}

}  // namespace

std::vector<std::string> default_local_zone_names() { return builtin_names(); }

LocalZones::LocalZones(const std::vector<LocalZoneRule>& rules, const std::vector<std::string>& local_data) {
  std::map<dns::Name, LocalZoneType> wanted;
  for (const std::string& text : builtin_names()) wanted[*dns::Name::from_text(text)] = LocalZoneType::static_zone;
  std::unordered_set<std::string> overridden;
  for (const LocalZoneRule& rule : rules) {
    auto name = dns::Name::from_text(rule.name);
    if (!name) continue;
    if (wanted.contains(*name)) overridden.insert(name->wire());
    wanted[*name] = rule.type;
  }
  for (const auto& [name, type] : wanted) add_zone(name, type);
  // The built-in zones' own data, unless the operator took the zone over.
  for (const std::string& text : builtin_names()) {
    dns::Name zone = *dns::Name::from_text(text);
    if (overridden.contains(zone.wire())) continue;
    add_record(zones_.at(zone.wire()).soa);
    add_record(*dns::record_from_text(text + " 10800 IN NS localhost."));
  }
  for (const char* text : builtin_data) {
    auto rr = *dns::record_from_text(text);
    const Zone* zone = closest_zone(rr.owner.wire());
    if (zone && !overridden.contains(zone->name.wire())) add_record(std::move(rr));
  }
  for (const std::string& text : local_data) {
    auto rr = dns::record_from_text(text);
    if (!rr) continue;
    // Unbound's rule: data outside every local zone makes a transparent zone at its owner,
    // so that the rest of the names around it still resolve.
    if (!closest_zone(rr->owner.wire())) add_zone(rr->owner, LocalZoneType::transparent);
    add_record(std::move(*rr));
  }
}

void LocalZones::add_zone(const dns::Name& name, LocalZoneType type) {
  zones_[name.wire()] = Zone{name, type, made_soa(name)};
  if (name.is_root()) root_zone_ = &zones_.at(name.wire());  // node-based map: stable address
  std::vector<std::size_t> offsets;
  label_offsets(name.wire(), offsets);
  for (std::size_t at : offsets) ancestry_.insert(name.wire().substr(at));
}

void LocalZones::add_record(dns::Record record) {
  std::vector<std::size_t> offsets;
  label_offsets(record.owner.wire(), offsets);
  for (std::size_t at : offsets) nodes_.insert(record.owner.wire().substr(at));
  if (record.type == dns::rrtype::SOA) {
    // The operator's SOA at a zone's apex is the one negative answers carry.
    if (auto it = zones_.find(record.owner.wire()); it != zones_.end()) it->second.soa = record;
  }
  auto& set = data_[{record.owner.wire(), record.type}];
  if (std::find(set.begin(), set.end(), record) == set.end()) set.push_back(std::move(record));
}

const LocalZones::Zone* LocalZones::closest_zone(std::string_view wire) const {
  // Walk down from the root one label at a time, as long as the name stays on the path to
  // some local zone; the deepest zone passed is the closest enclosing one.
  const Zone* best = root_zone_;
  std::size_t offsets[128];  // a name has at most 127 labels: no allocation on the hot path
  std::size_t count = 0;
  for (std::size_t at = 0; at < wire.size() && count < 128 && wire[at] != 0;) {
    offsets[count++] = at;
    at += 1 + static_cast<unsigned char>(wire[at]);
  }
  for (std::size_t i = count; i-- > 0;) {
    std::string_view suffix = wire.substr(offsets[i]);
    if (!ancestry_.contains(suffix)) break;
    if (auto it = zones_.find(suffix); it != zones_.end()) best = &it->second;
  }
  return best;
}

std::vector<dns::Record> LocalZones::find_data(const dns::Name& name, std::uint16_t type, const Zone& zone) const {
  if (auto it = data_.find({name.wire(), type}); it != data_.end()) return it->second;
  if (nodes_.contains(name.wire()) || name == zone.name) return {};
  // RFC 4592: synthesise from "*." + the closest encloser, the deepest existing ancestor.
  dns::Name encloser = name.parent();
  while (encloser != zone.name && !nodes_.contains(encloser.wire())) encloser = encloser.parent();
  auto wildcard = encloser.child("*");
  if (!wildcard) return {};
  auto it = data_.find({wildcard->wire(), type});
  if (it == data_.end()) return {};
  std::vector<dns::Record> records = it->second;
  for (auto& rr : records) rr.owner = name;
  return records;
}

bool LocalZones::name_exists(const dns::Name& name, const Zone& zone) const {
  if (nodes_.contains(name.wire())) return true;
  if (name == zone.name) return zone.type == LocalZoneType::static_zone;
  dns::Name encloser = name.parent();
  while (encloser != zone.name && !nodes_.contains(encloser.wire())) encloser = encloser.parent();
  auto wildcard = encloser.child("*");
  return wildcard && nodes_.contains(wildcard->wire());
}

std::optional<LocalAnswer> LocalZones::answer(const dns::Question& question) const {
  const Zone* zone = closest_zone(question.name.wire());
  if (zone == nullptr) return std::nullopt;
  LocalAnswer out;
  out.outcome.rcode = dns::rcode::noerror;
  auto negative = [&](std::uint16_t rcode) {
    out.outcome.rcode = rcode;
    out.outcome.authority = {zone->soa};
    return out;
  };
  if (zone->type == LocalZoneType::always_nxdomain) return negative(dns::rcode::nxdomain);
  out.outcome.answer = find_data(question.name, question.type, *zone);
  if (out.outcome.answer.empty() && question.type != dns::rrtype::CNAME)
    out.outcome.answer = find_data(question.name, dns::rrtype::CNAME, *zone);
  if (!out.outcome.answer.empty()) return out;
  if (name_exists(question.name, *zone)) return negative(dns::rcode::noerror);  // NODATA
  switch (zone->type) {
    case LocalZoneType::static_zone: return negative(dns::rcode::nxdomain);
    case LocalZoneType::deny: out.drop = true; return out;
    case LocalZoneType::refuse: out.outcome.rcode = dns::rcode::refused; return out;
    default: return std::nullopt;  // transparent, nodefault: resolve as usual
  }
}

}  // namespace tern::daemon
