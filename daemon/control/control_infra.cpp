#include "daemon/control/control_infra.hpp"

#include "resolver/address_key.hpp"
#include "resolver/dns/message.hpp"
#include "resolver/selection.hpp"

#include <asio/ip/address.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>

namespace tern::daemon {

namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;
using InfraItem = cache::ShardedCache<cache::InfraKey, cache::ServerStats, cache::InfraKey::Hash>::Item;

std::string hex(const std::string& octets) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : octets) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

std::string milliseconds(std::uint64_t us) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(us) / 1000.0);
  return text;
}

std::uint64_t seconds_left(cache::TimePoint until, cache::TimePoint now) {
  if (until <= now) return 0;
  return static_cast<std::uint64_t>(std::chrono::ceil<seconds>(until - now).count());
}

/// One server's block: the address (and the NS names it serves as, when known), then its state.
std::string show_server(const std::string& key, const std::optional<InfraItem>& item,
                        const std::string& names, cache::TimePoint now) {
  std::string out = resolver::address_key_text(key) + (names.empty() ? "" : " (" + names + ")") + "\n";
  if (!item || !item->value || item->expiry <= now) return out + "  never asked (or forgotten)\n";
  const cache::ServerStats& s = *item->value;
  out += "  srtt: " + (s.srtt_us == 0 ? std::string("unknown") : milliseconds(s.srtt_us)) +
         ", rttvar " + milliseconds(s.rttvar_us) + "\n";
  out += "  timeout: " + std::to_string(resolver::upstream_timeout(std::optional<cache::ServerStats>(s)).count()) + " ms (the next UDP exchange)\n";
  out += "  queries: " + std::to_string(s.queries) + ", failures: " + std::to_string(s.failures) +
         " (timeouts " + std::to_string(s.timeouts) + "), consecutive: " + std::to_string(s.consecutive_failures) + "\n";
  const std::uint64_t backoff = seconds_left(s.backoff_until, now);
  out += "  backoff: " + (backoff == 0 ? std::string("none") : std::to_string(backoff) + " s left") + "\n";
  out += std::string("  edns: ") + (s.edns_unsupported ? "no (answered FORMERR to EDNS: asked without)" : "yes") + "\n";
  out += "  tcp: " + (s.tcp_failures == 0 ? std::string("no failed retry") : std::to_string(s.tcp_failures) +
                                                                                   " failed retries after TC=1") + "\n";
  out += std::string("  0x20: ") + (s.no_caps_for_id ? "no (does not echo the case: asked without)" : "yes") + "\n";
  out += "  cookie: " + (s.client_cookie.empty() ? std::string("none")
                                                 : "client " + hex(s.client_cookie) + ", server " +
                                                       (s.server_cookie.empty() ? "none" : hex(s.server_cookie))) +
         "\n";
  out += "  expires: " + std::to_string(seconds_left(item->expiry, now)) + " s (then measured afresh)\n";
  return out;
}

std::optional<InfraItem> lookup(ControlContext& context, const std::string& key) {
  std::optional<InfraItem> found;
  // for_each, not find: a look from ternctl must not move the entry in the LRU.
  context.infra.entries().for_each([&](const cache::InfraKey& k, const auto& item) {
    if (k.address == key) found = item;
  });
  return found;
}

/// The live RRset at (owner, type), without counting a hit.
std::shared_ptr<const cache::RRset> cached(ControlContext& context, const dns::Name& owner, std::uint16_t type,
                                           cache::TimePoint now) {
  auto item = context.rrsets.entries().find(cache::RRsetKey{owner, type, dns::class_in});
  if (!item.value || item.expiry <= now) return nullptr;
  return item.value;
}

/// The zone's servers as the cache knows them: NS names, then their A and AAAA addresses.
ControlReply show_zone(ControlContext& context, const dns::Name& zone, cache::TimePoint now) {
  auto ns = cached(context, zone, dns::rrtype::NS, now);
  if (!ns) return {ControlStatus::ok, "no cached NS set for " + zone.to_text() + "\n"};
  std::map<std::string, std::string> servers;  // address key -> NS names
  for (const dns::Record& rr : ns->records) {
    auto target = dns::Name::from_wire(rr.rdata);
    if (!target) continue;
    for (std::uint16_t type : {dns::rrtype::A, dns::rrtype::AAAA}) {
      auto addresses = cached(context, *target, type, now);
      if (!addresses) continue;
      for (const dns::Record& a : addresses->records) {
        std::string& names = servers[a.rdata];
        names += (names.empty() ? "" : ", ") + target->to_text();
      }
    }
  }
  std::string out = "zone " + zone.to_text() + ": " + std::to_string(ns->records.size()) + " NS, " +
                    std::to_string(servers.size()) + " addresses known\n";
  for (const auto& [key, names] : servers) out += "\n" + show_server(key, lookup(context, key), names, now);
  return {ControlStatus::ok, std::move(out)};
}

ControlReply show(const std::vector<std::string>& words, ControlContext& context) {
  const cache::TimePoint now = context.clock.now();
  if (words.size() > 2) {
    asio::error_code ec;
    const asio::ip::address address = asio::ip::make_address(words[2], ec);
    if (!ec) {
      const std::string key = resolver::address_key(address);
      return {ControlStatus::ok, show_server(key, lookup(context, key), "", now)};
    }
    auto zone = dns::Name::from_text(words[2]);
    if (!zone)
      return {ControlStatus::usage, "'" + words[2] + "' is neither an address nor a zone name\n" +
                                        std::string(control_commands_help())};
    return show_zone(context, *zone, now);
  }
  std::map<std::string, InfraItem> all;  // ordered by address octets
  context.infra.entries().for_each([&](const cache::InfraKey& k, const auto& item) {
    if (item.value && item.expiry > now) all.emplace(k.address, item);
  });
  if (all.empty()) return {ControlStatus::ok, "no servers known\n"};
  std::string out;
  for (const auto& [key, item] : all) out += (out.empty() ? "" : "\n") + show_server(key, item, "", now);
  return {ControlStatus::ok, std::move(out)};
}

ControlReply flush(const std::vector<std::string>& words, ControlContext& context) {
  if (words.size() > 2) {
    asio::error_code ec;
    const asio::ip::address address = asio::ip::make_address(words[2], ec);
    if (ec)
      return {ControlStatus::usage, "'" + words[2] + "' is not an address\n" + std::string(control_commands_help())};
    const bool erased = context.infra.erase(resolver::address_key(address));
    return {ControlStatus::ok, std::string("flushed ") + (erased ? "1 server" : "0 servers") + " at " +
                                   address.to_string() + "\n"};
  }
  const std::size_t erased = context.infra.entries().erase_if([](const cache::InfraKey&, const auto&) { return true; });
  return {ControlStatus::ok, "flushed " + std::to_string(erased) + (erased == 1 ? " server" : " servers") + "\n"};
}

}  // namespace

ControlReply infra_command(const std::vector<std::string>& words, ControlContext& context) {
  if (words[1] == "flush") return flush(words, context);
  return show(words, context);
}

}  // namespace tern::daemon
