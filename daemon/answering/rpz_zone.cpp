#include "daemon/answering/rpz_zone.hpp"

#include "resolver/rpz_limits.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <functional>

namespace tern::daemon::rpz {

namespace {

std::size_t hash_wire(std::string_view wire) noexcept { return std::hash<std::string_view>{}(wire); }

/// The labels of a wire name without its root octet, in order; empty on a malformed name.
std::vector<std::string_view> labels_of(std::string_view relative) {
  std::vector<std::string_view> labels;
  std::size_t pos = 0;
  while (pos < relative.size()) {
    const std::size_t length = static_cast<std::uint8_t>(relative[pos]);
    if (length == 0 || pos + 1 + length > relative.size()) return {};
    labels.push_back(relative.substr(pos + 1, length));
    pos += 1 + length;
  }
  return labels;
}

std::optional<unsigned> decimal(std::string_view text, unsigned max) {
  unsigned value = 0;
  if (text.empty() || text.size() > 3) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;  // one spelling per number
  return value;
}

std::optional<unsigned> hex_group(std::string_view text) {
  unsigned value = 0;
  if (text.empty() || text.size() > 4) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Address16 masked(const Address16& address, unsigned prefix) {
  Address16 out{};
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned bits = prefix > i * 8 ? std::min(8u, prefix - i * 8) : 0;
    out[i] = static_cast<std::uint8_t>(address[i] & static_cast<std::uint8_t>(0xFF00u >> bits));
  }
  return out;
}

/// "PREFIX.D.C.B.A" (IPv4) or "PREFIX.Wn....W1" with one "zz" for a run of zero groups (IPv6),
/// §4.1: the labels in front of rpz-ip, rpz-client-ip or rpz-nsip.
bool parse_address(std::span<const std::string_view> labels, TriggerName& out, std::string& why) {
  if (labels.size() < 2) {
    why = "an address trigger needs a prefix length and an address";
    return false;
  }
  // Five labels of decimal octets are IPv4; anything else is IPv6 (which may have five too).
  const bool v4 = labels.size() == 5 && std::all_of(labels.begin() + 1, labels.end(), [](std::string_view l) {
    return decimal(l, 255).has_value();
  });
  if (v4) {
    const auto prefix = decimal(labels[0], 32);
    if (!prefix || *prefix == 0) {
      why = "IPv4 prefix length not 1..32";
      return false;
    }
    Address16 a{};
    a[10] = a[11] = 0xFF;
    for (unsigned i = 0; i < 4; ++i) {
      const auto octet = decimal(labels[4 - i], 255);
      if (!octet) {
        why = "'" + std::string(labels[4 - i]) + "' is not an IPv4 octet";
        return false;
      }
      a[12 + i] = static_cast<std::uint8_t>(*octet);
    }
    out.prefix = *prefix + 96;
    out.address = masked(a, out.prefix);
    return true;
  }
  const auto prefix = decimal(labels[0], 128);
  if (!prefix || *prefix == 0) {
    why = "IPv6 prefix length not 1..128";
    return false;
  }
  // The groups in address order (the labels are least significant first).
  std::vector<std::string_view> groups(labels.rbegin(), labels.rend() - 1);
  const auto zz = std::count(groups.begin(), groups.end(), std::string_view("zz"));
  if (zz > 1 || groups.size() > 8 || (zz == 0 && groups.size() != 8) || (zz == 1 && groups.size() == 8)) {
    why = "not an IPv6 address in RPZ form (8 groups, or one 'zz' for zeros)";
    return false;
  }
  Address16 a{};
  std::size_t group = 0;
  for (std::string_view text : groups) {
    if (text == "zz") {
      group += 8 - (groups.size() - 1);
      continue;
    }
    const auto value = hex_group(text);
    if (!value) {
      why = "'" + std::string(text) + "' is not an IPv6 group";
      return false;
    }
    a[group * 2] = static_cast<std::uint8_t>(*value >> 8);
    a[group * 2 + 1] = static_cast<std::uint8_t>(*value & 0xFF);
    ++group;
  }
  out.prefix = *prefix;
  out.address = masked(a, out.prefix);
  return true;
}

bool label_is(std::string_view label, std::string_view lower) {
  return label.size() == lower.size() &&
         std::equal(label.begin(), label.end(), lower.begin(),
                    [](char a, char b) { return (a >= 'A' && a <= 'Z' ? a + 32 : a) == b; });
}

std::string wire_of(std::span<const std::string_view> labels) {
  std::string wire;
  for (std::string_view l : labels) {
    wire += static_cast<char>(l.size());
    wire += l;
  }
  wire += '\0';
  return wire;
}

bool is_dnssec_type(std::uint16_t type) {
  return type == dns::rrtype::RRSIG || type == dns::rrtype::NSEC || type == dns::rrtype::NSEC3 ||
         type == dns::rrtype::NSEC3PARAM || type == dns::rrtype::DNSKEY || type == dns::rrtype::DS;
}

/// The action a CNAME's target names (§3), or nullopt when it is local data (a walled garden).
std::optional<Action> cname_action(std::string_view target, const TriggerName& trigger) {
  using namespace std::string_view_literals;
  if (target == "\0"sv) return Action::nxdomain;
  if (target == "\1*\0"sv) return Action::nodata;
  if (target == "\x0crpz-passthru\0"sv) return Action::passthru;
  if (target == "\x08rpz-drop\0"sv) return Action::drop;
  if (target == "\x0crpz-tcp-only\0"sv) return Action::tcp_only;
  // The old PASSTHRU: a QNAME trigger's CNAME to its own name.
  if (trigger.trigger == Trigger::qname && !trigger.wildcard && target == trigger.wire) return Action::passthru;
  return std::nullopt;
}

}  // namespace

std::string_view trigger_name(Trigger trigger) {
  switch (trigger) {
    case Trigger::client_ip: return "client-ip";
    case Trigger::qname: return "qname";
    case Trigger::response_ip: return "response-ip";
    case Trigger::nsdname: return "nsdname";
    case Trigger::nsip: return "nsip";
  }
  return "?";
}

std::string_view action_name(Action action) {
  switch (action) {
    case Action::nxdomain: return "nxdomain";
    case Action::nodata: return "nodata";
    case Action::passthru: return "passthru";
    case Action::drop: return "drop";
    case Action::tcp_only: return "tcp-only";
    case Action::local_data: return "local-data";
  }
  return "?";
}

std::optional<Address16> address16(std::span<const std::uint8_t> octets) {
  Address16 a{};
  if (octets.size() == 16) {
    std::copy(octets.begin(), octets.end(), a.begin());
    return a;
  }
  if (octets.size() != 4) return std::nullopt;
  a[10] = a[11] = 0xFF;
  std::copy(octets.begin(), octets.end(), a.begin() + 12);
  return a;
}

// ---- NameTable ----

void NameTable::add(std::string_view wire, Rule rule) {
  entries_.push_back(Entry{static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint8_t>(wire.size()),
                           rule.action, rule.ttl, rule.data});
  arena_ += wire;
}

void NameTable::seal() {
  // Load factor at most 1/2: a miss ends at the first empty slot after about one probe.
  const std::size_t size = std::bit_ceil(std::max<std::size_t>(entries_.size() * 2, 8));
  slots_.assign(size, 0);
  std::vector<Entry> kept;
  kept.reserve(entries_.size());
  for (const Entry& e : entries_) {
    const std::string_view name = name_of(e);
    const std::size_t hash = hash_wire(name);
    const std::uint64_t tag = static_cast<std::uint64_t>(hash >> 32) << 32;
    std::size_t i = hash & (size - 1);
    bool duplicate = false;
    while (slots_[i] != 0) {
      if ((slots_[i] & ~0xFFFFFFFFull) == tag && name_of(kept[(slots_[i] & 0xFFFFFFFFu) - 1]) == name) {
        duplicate = true;  // the first trigger of a name stays
        break;
      }
      i = (i + 1) & (size - 1);
    }
    if (duplicate) continue;
    kept.push_back(e);
    slots_[i] = tag | kept.size();
  }
  entries_ = std::move(kept);
  entries_.shrink_to_fit();
  arena_.shrink_to_fit();
}

std::optional<Rule> NameTable::find(std::string_view wire) const noexcept {
  if (slots_.empty()) return std::nullopt;
  const std::size_t mask = slots_.size() - 1;
  const std::size_t hash = hash_wire(wire);
  const std::uint64_t tag = static_cast<std::uint64_t>(hash >> 32) << 32;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const std::uint64_t slot = slots_[i];
    if (slot == 0) return std::nullopt;
    if ((slot & ~0xFFFFFFFFull) != tag) continue;
    const Entry& e = entries_[(slot & 0xFFFFFFFFu) - 1];
    if (e.length == wire.size() && std::memcmp(arena_.data() + e.offset, wire.data(), wire.size()) == 0)
      return Rule{e.action, e.ttl, e.data};
  }
}

std::size_t NameTable::memory() const noexcept {
  return arena_.capacity() + entries_.capacity() * sizeof(Entry) + slots_.capacity() * sizeof(std::uint64_t);
}

// ---- PrefixTable ----

void PrefixTable::add(const Address16& address, unsigned prefix, Rule rule) {
  entries_.push_back(Entry{masked(address, prefix), static_cast<std::uint8_t>(prefix), rule});
}

void PrefixTable::seal() {
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return a.prefix != b.prefix ? a.prefix > b.prefix : a.masked < b.masked;
  });
  entries_.erase(std::unique(entries_.begin(), entries_.end(),
                             [](const Entry& a, const Entry& b) { return a.prefix == b.prefix && a.masked == b.masked; }),
                 entries_.end());
  prefixes_.clear();
  for (const Entry& e : entries_)
    if (prefixes_.empty() || prefixes_.back() != e.prefix) prefixes_.push_back(e.prefix);
}

std::optional<Rule> PrefixTable::find(const Address16& address) const noexcept {
  // One binary search per distinct prefix length, longest first.
  for (std::uint8_t prefix : prefixes_) {
    const Address16 key = masked(address, prefix);
    auto it = std::lower_bound(entries_.begin(), entries_.end(), std::pair{prefix, key},
                               [](const Entry& e, const std::pair<std::uint8_t, Address16>& k) {
                                 return e.prefix != k.first ? e.prefix > k.first : e.masked < k.second;
                               });
    if (it != entries_.end() && it->prefix == prefix && it->masked == key) return it->rule;
  }
  return std::nullopt;
}

// ---- triggers ----

std::optional<TriggerName> parse_trigger(std::string_view relative, std::string& why) {
  std::vector<std::string_view> labels = labels_of(relative);
  if (labels.empty()) {
    why = "a trigger needs a name in front of the zone's origin";
    return std::nullopt;
  }
  TriggerName t;
  const std::string_view last = labels.back();
  auto address_trigger = [&](Trigger kind) -> std::optional<TriggerName> {
    t.trigger = kind;
    if (!parse_address(std::span(labels).first(labels.size() - 1), t, why)) return std::nullopt;
    return t;
  };
  if (label_is(last, "rpz-ip")) return address_trigger(Trigger::response_ip);
  if (label_is(last, "rpz-client-ip")) return address_trigger(Trigger::client_ip);
  if (label_is(last, "rpz-nsip")) return address_trigger(Trigger::nsip);
  std::span<const std::string_view> name = labels;
  t.trigger = Trigger::qname;
  if (label_is(last, "rpz-nsdname")) {
    t.trigger = Trigger::nsdname;
    name = name.first(name.size() - 1);
    if (name.empty()) {
      why = "rpz-nsdname needs a name in front of it";
      return std::nullopt;
    }
  } else if (last.size() > 4 && label_is(last.substr(0, 4), "rpz-")) {
    why = "unknown trigger label '" + std::string(last) + "'";
    return std::nullopt;
  }
  if (name.front() == "*") {
    t.wildcard = true;
    name = name.subspan(1);
  }
  for (std::string_view l : name)
    if (l == "*") {
      why = "'*' is only a wildcard as the first label";
      return std::nullopt;
    }
  t.wire = wire_of(name);
  dns::ascii_lowercase(t.wire);
  return t;
}

// ---- PolicyZone ----

bool PolicyZone::add(const dns::Record& record, std::string& why) {
  const std::string& owner = record.owner.wire();
  if (owner.size() < origin_.size() || owner.compare(owner.size() - origin_.size(), origin_.size(), origin_) != 0 ||
      (owner.size() > origin_.size() && !dns::Name::from_wire(owner.substr(owner.size() - origin_.size()))) ) {
    why = "owner " + record.owner.to_text() + " is outside the zone";
    return false;
  }
  ++records_;
  if (records_ > resolver::limits::rpz::max_records) {
    why = "more than " + std::to_string(resolver::limits::rpz::max_records) + " records (resolver/rpz_limits.hpp)";
    return false;
  }
  if (owner.size() == origin_.size()) {  // the apex: SOA and NS are the zone's own
    if (record.type == dns::rrtype::SOA) {
      if (record.rdata.size() < 20) {
        why = "malformed SOA";
        return false;
      }
      const auto* p = reinterpret_cast<const std::uint8_t*>(record.rdata.data()) + record.rdata.size() - 20;
      serial_ = (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
      has_soa_ = true;
    }
    return true;
  }
  // A signed policy zone's proofs and signatures are no triggers.
  if (is_dnssec_type(record.type) || record.type == dns::rrtype::SOA) return true;
  if (record.klass != dns::class_in) {
    why = "only class IN";
    return false;
  }
  const std::string_view relative = std::string_view(owner).substr(0, owner.size() - origin_.size());
  std::optional<TriggerName> trigger = parse_trigger(relative, why);
  if (!trigger) return false;
  Rule rule{Action::local_data, record.ttl, 0};
  if (record.type == dns::rrtype::CNAME) {
    std::string target = record.rdata;
    dns::ascii_lowercase(target);
    if (auto action = cname_action(target, *trigger)) rule.action = *action;
  }
  if (rule.action == Action::local_data) {
    // Several records may share the owner: they are one rule's data.
    if (auto it = data_owners_.find(owner); it != data_owners_.end()) {
      if (local_data_[it->second].size() >= resolver::limits::rpz::max_local_records) {
        why = "more than " + std::to_string(resolver::limits::rpz::max_local_records) + " records of local data at one name";
        return false;
      }
      local_data_[it->second].push_back(record);
      return true;
    }
    rule.data = static_cast<std::uint32_t>(local_data_.size());
    local_data_.push_back({record});
    data_owners_.emplace(owner, rule.data);
  }
  switch (trigger->trigger) {
    case Trigger::qname: (trigger->wildcard ? qname_wildcards_ : qnames_).add(trigger->wire, rule); break;
    case Trigger::nsdname: (trigger->wildcard ? nsdname_wildcards_ : nsdnames_).add(trigger->wire, rule); break;
    case Trigger::client_ip: client_ips_.add(trigger->address, trigger->prefix, rule); break;
    case Trigger::response_ip: response_ips_.add(trigger->address, trigger->prefix, rule); break;
    case Trigger::nsip: nsips_.add(trigger->address, trigger->prefix, rule); break;
  }
  return true;
}

bool PolicyZone::seal(std::string& why) {
  if (!has_soa_) {
    why = "no SOA record at the zone's origin";
    return false;
  }
  data_owners_ = {};
  for (NameTable* t : {&qnames_, &qname_wildcards_, &nsdnames_, &nsdname_wildcards_}) t->seal();
  for (PrefixTable* t : {&client_ips_, &response_ips_, &nsips_}) t->seal();
  return true;
}

std::optional<PolicyZone> PolicyZone::build(const std::string& origin, std::span<const dns::Record> records,
                                            std::string& error) {
  PolicyZone zone(origin);
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::string why;
    if (!zone.add(records[i], why)) {
      error = "record " + std::to_string(i + 1) + " (" + records[i].owner.to_text() + "): " + why;
      return std::nullopt;
    }
  }
  if (!zone.seal(error)) return std::nullopt;
  return zone;
}

std::optional<Rule> PolicyZone::find_name(std::string_view wire, bool nsdname) const noexcept {
  const NameTable& exact = nsdname ? nsdnames_ : qnames_;
  const NameTable& wild = nsdname ? nsdname_wildcards_ : qname_wildcards_;
  if (auto r = exact.find(wire)) return r;
  if (wild.empty()) return std::nullopt;
  // "*.NAME" covers the names strictly below NAME: try each proper ancestor, longest first.
  for (std::size_t pos = 0; pos < wire.size() && wire[pos] != 0;) {
    pos += 1 + static_cast<std::uint8_t>(wire[pos]);
    if (auto r = wild.find(wire.substr(pos))) return r;
  }
  return std::nullopt;
}

std::optional<Rule> PolicyZone::find_address(Trigger trigger, const Address16& address) const noexcept {
  switch (trigger) {
    case Trigger::client_ip: return client_ips_.find(address);
    case Trigger::response_ip: return response_ips_.find(address);
    case Trigger::nsip: return nsips_.find(address);
    default: return std::nullopt;
  }
}

bool PolicyZone::has(Trigger trigger) const noexcept {
  switch (trigger) {
    case Trigger::client_ip: return !client_ips_.empty();
    case Trigger::qname: return !qnames_.empty() || !qname_wildcards_.empty();
    case Trigger::response_ip: return !response_ips_.empty();
    case Trigger::nsdname: return !nsdnames_.empty() || !nsdname_wildcards_.empty();
    case Trigger::nsip: return !nsips_.empty();
  }
  return false;
}

std::size_t PolicyZone::memory() const noexcept {
  return qnames_.memory() + qname_wildcards_.memory() + nsdnames_.memory() + nsdname_wildcards_.memory() +
         (client_ips_.size() + response_ips_.size() + nsips_.size()) * 32 + local_data_.size() * 64;
}

}  // namespace tern::daemon::rpz
