#include "daemon/answering/rpz_policy.hpp"

#include <algorithm>

namespace tern::daemon::rpz {

namespace {

std::uint64_t bit(std::size_t zone) { return std::uint64_t{1} << zone; }

std::string address_text(const Address16& a) {
  asio::ip::address_v6::bytes_type bytes;
  std::copy(a.begin(), a.end(), bytes.begin());
  const asio::ip::address_v6 v6(bytes);
  return v6.is_v4_mapped() ? asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string() : v6.to_string();
}

std::optional<Action> override_action(Override o) {
  switch (o) {
    case Override::none: return std::nullopt;
    case Override::nxdomain: return Action::nxdomain;
    case Override::nodata: return Action::nodata;
    case Override::passthru: return Action::passthru;
    case Override::drop: return Action::drop;
    case Override::tcp_only: return Action::tcp_only;
  }
  return std::nullopt;
}

}  // namespace

Address16 address16(const asio::ip::address& address) {
  if (address.is_v4()) {
    const auto b = address.to_v4().to_bytes();
    return *rpz::address16(std::span<const std::uint8_t>(b.data(), b.size()));
  }
  const auto b = address.to_v6().to_bytes();
  return *rpz::address16(std::span<const std::uint8_t>(b.data(), b.size()));
}

PolicySet::PolicySet(std::vector<ZoneInForce> zones) : zones_(std::move(zones)) {
  for (std::size_t i = 0; i < zones_.size() && i < 64; ++i) {
    const PolicyZone& z = *zones_[i].data;
    if (z.has(Trigger::client_ip) || z.has(Trigger::qname)) before_mask_ |= bit(i);
    if (z.has(Trigger::qname)) qname_mask_ |= bit(i);
    if (z.has(Trigger::response_ip)) address_mask_ |= bit(i);
    if (z.has(Trigger::nsdname) || z.has(Trigger::nsip)) servers_mask_ |= bit(i);
  }
}

std::optional<Match> PolicySet::hit(std::size_t zone, Trigger trigger, Rule rule, std::string matched) const {
  const ZoneInForce& z = zones_[zone];
  if (auto action = override_action(z.override_action)) rule.action = *action;
  return Match{zone, trigger, rule, std::move(matched)};
}

std::optional<Match> PolicySet::before(std::string_view qname_wire, const Address16& client) const {
  for (std::size_t i = 0; i < zones_.size(); ++i) {
    if (!(before_mask_ & bit(i))) continue;
    const PolicyZone& z = *zones_[i].data;
    if (auto r = z.find_address(Trigger::client_ip, client)) return hit(i, Trigger::client_ip, *r, address_text(client));
    if (auto r = z.find_name(qname_wire)) {
      auto name = dns::Name::from_wire(qname_wire);
      return hit(i, Trigger::qname, *r, name ? name->to_text() : std::string());
    }
  }
  return std::nullopt;
}

bool PolicySet::address_matches(std::span<const std::uint8_t> rdata) const {
  auto a = rpz::address16(rdata);
  if (!a) return false;
  for (std::size_t i = 0; i < zones_.size(); ++i)
    if ((address_mask_ & bit(i)) && zones_[i].data->find_address(Trigger::response_ip, *a)) return true;
  return false;
}

bool PolicySet::any_after_before(std::size_t limit) const noexcept {
  const std::uint64_t below = limit >= 64 ? ~std::uint64_t{0} : bit(limit) - 1;
  // QNAME triggers count only through CNAME targets, which a zone's own QNAME match already
  // settled for the zone that matched.
  return ((qname_mask_ | address_mask_ | servers_mask_) & below) != 0;
}

std::optional<Match> PolicySet::after(const std::vector<dns::Record>& answer, const NameServers* servers,
                                      std::size_t limit) const {
  const std::size_t end = std::min(limit, zones_.size());
  for (std::size_t i = 0; i < end; ++i) {
    const PolicyZone& z = *zones_[i].data;
    if (qname_mask_ & bit(i)) {
      for (const dns::Record& rr : answer) {
        if (rr.type != dns::rrtype::CNAME) continue;
        std::string target = rr.rdata;
        dns::ascii_lowercase(target);
        if (auto r = z.find_name(target)) {
          auto name = dns::Name::from_wire(target);
          return hit(i, Trigger::qname, *r, name ? name->to_text() : std::string());
        }
      }
    }
    if (address_mask_ & bit(i)) {
      for (const dns::Record& rr : answer) {
        if (rr.type != dns::rrtype::A && rr.type != dns::rrtype::AAAA) continue;
        auto a = rpz::address16(std::span(reinterpret_cast<const std::uint8_t*>(rr.rdata.data()), rr.rdata.size()));
        if (!a) continue;
        if (auto r = z.find_address(Trigger::response_ip, *a)) return hit(i, Trigger::response_ip, *r, address_text(*a));
      }
    }
    if (servers && (servers_mask_ & bit(i))) {
      for (const std::string& ns : servers->names)
        if (auto r = z.find_name(ns, true)) {
          auto name = dns::Name::from_wire(ns);
          return hit(i, Trigger::nsdname, *r, name ? name->to_text() : std::string());
        }
      for (const Address16& a : servers->addresses)
        if (auto r = z.find_address(Trigger::nsip, a)) return hit(i, Trigger::nsip, *r, address_text(a));
    }
  }
  return std::nullopt;
}

Rewrite rewrite(const PolicySet& set, const Match& match, const dns::Question& question, bool over_stream) {
  const ZoneInForce& zone = set.zones()[match.zone];
  Rewrite out;
  resolver::Outcome& o = out.outcome;
  o.rcode = dns::rcode::noerror;
  if (zone.ede != EdeCode::none) {
    o.ede = static_cast<std::uint16_t>(zone.ede);
    o.ede_text = "rpz " + zone.name;
  }
  switch (match.rule.action) {
    case Action::nxdomain: o.rcode = dns::rcode::nxdomain; break;
    case Action::nodata: break;
    case Action::passthru: out.passthru = true; break;
    case Action::drop: out.drop = true; break;
    case Action::tcp_only:
      if (over_stream) out.passthru = true;
      else out.truncate = true;
      break;
    case Action::local_data: {
      const std::vector<dns::Record>& data = zone.data->local_data(match.rule.data);
      const dns::Record* cname = nullptr;
      for (const dns::Record& rr : data) {
        if (rr.type == question.type || question.type == dns::rrtype::ANY) {
          dns::Record copy = rr;
          copy.owner = question.name;
          o.answer.push_back(std::move(copy));
        } else if (rr.type == dns::rrtype::CNAME) {
          cname = &rr;
        }
      }
      if (o.answer.empty() && cname) {
        dns::Record copy = *cname;
        copy.owner = question.name;
        // The walled garden's name is resolved as any name is (§3.6: local data CNAME).
        std::string target = cname->rdata;
        dns::ascii_lowercase(target);
        out.follow = dns::Name::from_wire(target);
        o.answer.push_back(std::move(copy));
      }
      break;
    }
  }
  return out;
}

}  // namespace tern::daemon::rpz
