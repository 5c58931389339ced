#include "daemon/process/rpz_manager.hpp"

#include "daemon/config/config_values.hpp"
#include "daemon/process/rpz_transfer.hpp"
#include "resolver/log.hpp"
#include "resolver/rpz_limits.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace tern::daemon {

namespace {

using SystemClock = std::chrono::system_clock;

/// The contents of a transferred zone, kept by its thread to apply IXFR changes to: records
/// told apart by owner, type and RDATA (RFC 1995 §2: the TTL is not part of the identity).
using RecordKey = std::tuple<std::string, std::uint16_t, std::string>;
using ZoneRecords = std::map<RecordKey, dns::Record>;

RecordKey key_of(const dns::Record& rr) { return {rr.owner.wire(), rr.type, rr.rdata}; }

rpz::EdeCode ede_of(RpzEde ede) {
  switch (ede) {
    case RpzEde::none: return rpz::EdeCode::none;
    case RpzEde::blocked: return rpz::EdeCode::blocked;
    case RpzEde::censored: return rpz::EdeCode::censored;
    case RpzEde::filtered: return rpz::EdeCode::filtered;
  }
  return rpz::EdeCode::blocked;
}

rpz::Override override_of(RpzOverride o) {
  switch (o) {
    case RpzOverride::none: return rpz::Override::none;
    case RpzOverride::nxdomain: return rpz::Override::nxdomain;
    case RpzOverride::nodata: return rpz::Override::nodata;
    case RpzOverride::passthru: return rpz::Override::passthru;
    case RpzOverride::drop: return rpz::Override::drop;
    case RpzOverride::tcp_only: return rpz::Override::tcp_only;
  }
  return rpz::Override::none;
}

std::string endpoint_text(const ZoneServer& s) { return format_listen_endpoint(ListenEndpoint{s.address, s.port}); }

std::string source_text(const RpzZoneConfig& c) {
  if (!c.file.empty()) return "file " + c.file;
  std::string out = "primaries";
  for (const ZoneServer& s : c.primaries) out += " " + endpoint_text(s);
  return out;
}

bool same_source(const RpzZoneConfig& a, const RpzZoneConfig& b) {
  return a.name == b.name && a.file == b.file && a.primaries == b.primaries;
}

/// The SOA's refresh and retry, bounded (resolver/rpz_limits.hpp).
std::pair<std::chrono::seconds, std::chrono::seconds> soa_timers(const dns::Record& soa) {
  using std::chrono::seconds;
  seconds refresh = resolver::limits::rpz::max_refresh, retry = resolver::limits::rpz::min_refresh * 5;
  if (soa.rdata.size() >= 20) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(soa.rdata.data()) + soa.rdata.size() - 16;
    auto u32 = [](const std::uint8_t* q) {
      return (std::uint32_t(q[0]) << 24) | (std::uint32_t(q[1]) << 16) | (std::uint32_t(q[2]) << 8) | q[3];
    };
    refresh = seconds(u32(p));
    retry = seconds(u32(p + 4));
  }
  auto bound = [](seconds s) {
    return std::clamp(s, seconds(resolver::limits::rpz::min_refresh), seconds(resolver::limits::rpz::max_refresh));
  };
  return {bound(refresh), bound(retry)};
}

}  // namespace

struct RpzManager::Zone {
  RpzZoneConfig config;
  std::string origin;  ///< wire form
  std::shared_ptr<const rpz::PolicyZone> data;
  std::shared_ptr<rpz::ZoneCounters> counters = std::make_shared<rpz::ZoneCounters>();
  bool loaded = false;           ///< data holds a zone that loaded (not the empty placeholder)
  std::string last_load;         ///< "2026-... AXFR from 127.0.0.1@53", for ternctl
  std::string last_error;        ///< the last failure, kept until a load succeeds
  unsigned loads = 0;            ///< successful loads and transfers
  // Transfers (primaries only), guarded by the manager's mutex:
  std::thread thread;
  std::condition_variable wake;
  bool stop = false;
  bool refresh_now = false;
};

RpzManager::RpzManager() = default;

RpzManager::~RpzManager() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    publish_ = nullptr;  // the workers it reaches may be gone already
    for (auto& z : zones_) {
      z->stop = true;
      z->wake.notify_all();
      if (z->thread.joinable()) threads.push_back(std::move(z->thread));
    }
  }
  for (auto& t : threads) t.join();
}

void RpzManager::set_publish(Publish publish) {
  std::lock_guard lock(mutex_);
  publish_ = std::move(publish);
}

std::shared_ptr<const rpz::PolicySet> RpzManager::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void RpzManager::publish_locked() {
  if (zones_.empty()) {
    current_ = nullptr;
  } else {
    std::vector<rpz::ZoneInForce> in_force;
    for (const auto& z : zones_)
      in_force.push_back(rpz::ZoneInForce{z->config.name, z->data, ede_of(z->config.ede),
                                          override_of(z->config.policy_override), z->config.log, z->counters});
    current_ = std::make_shared<const rpz::PolicySet>(std::move(in_force));
  }
  if (publish_) publish_(current_);
}

std::string RpzManager::load_file(Zone& zone) {
  std::string error;
  const auto started = std::chrono::steady_clock::now();
  std::optional<rpz::PolicyZone> loaded = rpz::load_policy_file(zone.config.file, zone.origin, error);
  if (!loaded) {
    zone.last_error = error;
    log::error("rpz {}: {}; {}", zone.config.name, error,
               zone.loaded ? "the zone keeps its previous contents" : "the zone is empty");
    return zone.config.name + " " + error;
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  zone.data = std::make_shared<const rpz::PolicyZone>(std::move(*loaded));
  zone.loaded = true;
  zone.last_error.clear();
  ++zone.loads;
  zone.last_load = fmt::format("{:%Y-%m-%dT%H:%M:%SZ} from the file", fmt::gmtime(SystemClock::to_time_t(SystemClock::now())));
  log::notice("rpz {}: loaded serial {}, {} records in {} ms", zone.config.name, zone.data->serial(),
              zone.data->record_count(), took.count());
  return {};
}

std::string RpzManager::configure(const std::vector<RpzZoneConfig>& configs) {
  std::vector<std::unique_ptr<Zone>> dropped;  // outlives the joins below: its threads use it
  std::vector<std::thread> stopped;
  std::string problems;
  {
    std::lock_guard lock(mutex_);
    std::vector<std::unique_ptr<Zone>> next;
    for (const RpzZoneConfig& c : configs) {
      auto same = std::find_if(zones_.begin(), zones_.end(),
                               [&](const std::unique_ptr<Zone>& z) { return z && same_source(z->config, c); });
      std::unique_ptr<Zone> zone;
      if (same != zones_.end()) {
        zone = std::move(*same);
        zone->config = c;  // ede, policy-override and log apply at once
      } else {
        zone = std::make_unique<Zone>();
        zone->config = c;
        zone->origin = dns::Name::from_text(c.name)->wire();
        zone->data = std::make_shared<const rpz::PolicyZone>(zone->origin);
      }
      if (!c.file.empty()) {
        if (std::string problem = load_file(*zone); !problem.empty()) problems += problem + "\n";
      }
      next.push_back(std::move(zone));
    }
    for (auto& z : zones_) {
      if (!z) continue;
      z->stop = true;
      z->wake.notify_all();
      if (z->thread.joinable()) stopped.push_back(std::move(z->thread));
    }
    dropped = std::move(zones_);
    zones_ = std::move(next);
    if (transfers_started_)
      for (auto& z : zones_)
        if (!z->config.primaries.empty() && !z->thread.joinable()) z->thread = std::thread([this, &zone = *z] { run_transfers(zone); });
    publish_locked();
  }
  for (auto& t : stopped) t.join();
  return problems;
}

void RpzManager::start_transfers() {
  std::lock_guard lock(mutex_);
  transfers_started_ = true;
  for (auto& z : zones_)
    if (!z->config.primaries.empty() && !z->thread.joinable()) z->thread = std::thread([this, &zone = *z] { run_transfers(zone); });
}

void RpzManager::run_transfers(Zone& zone) {
  ZoneRecords records;  // this thread's copy of the zone, for IXFR
  std::optional<std::uint32_t> have;
  const auto origin = *dns::Name::from_wire(zone.origin);
  std::unique_lock lock(mutex_);
  while (!zone.stop) {
    const std::vector<ZoneServer> primaries = zone.config.primaries;
    lock.unlock();
    rpz::TransferResult result;
    std::string errors;
    std::string from;
    for (const ZoneServer& primary : primaries) {
      result = rpz::transfer_zone(origin, primary, have);
      if (result.kind != rpz::TransferResult::Kind::failed) {
        from = endpoint_text(primary);
        break;
      }
      errors += (errors.empty() ? "" : "; ") + result.error;
    }
    std::optional<rpz::PolicyZone> built;
    std::string error = errors;
    std::string how;
    if (result.kind == rpz::TransferResult::Kind::full) {
      ZoneRecords fresh;
      for (dns::Record& rr : result.records) fresh.emplace(key_of(rr), std::move(rr));
      records = std::move(fresh);
      how = have ? "IXFR (answered with the whole zone)" : "AXFR";
    } else if (result.kind == rpz::TransferResult::Kind::incremental) {
      for (const rpz::ZoneDiff& diff : result.diffs) {
        for (const dns::Record& rr : diff.deleted) records.erase(key_of(rr));
        for (const dns::Record& rr : diff.added) records.insert_or_assign(key_of(rr), rr);
      }
      how = "IXFR (" + std::to_string(result.diffs.size()) + " change set(s))";
    }
    if (!how.empty()) {
      std::vector<dns::Record> all;
      all.reserve(records.size());
      // The SOA of the new serial only: the diffs' old SOAs were deleted, the new one added.
      for (const auto& [key, rr] : records) all.push_back(rr);
      std::string why;
      built = rpz::PolicyZone::build(zone.origin, all, why);
      if (!built) {
        error = "transfer from " + from + ": " + why;
        records.clear();  // the next transfer starts afresh with an AXFR
        have.reset();
      } else {
        have = built->serial();
      }
    }
    lock.lock();
    if (zone.stop) break;
    std::chrono::seconds wait = resolver::limits::rpz::min_refresh * 5;
    if (built) {
      zone.data = std::make_shared<const rpz::PolicyZone>(std::move(*built));
      zone.loaded = true;
      zone.last_error.clear();
      ++zone.loads;
      zone.last_load = fmt::format("{:%Y-%m-%dT%H:%M:%SZ} {} from {}",
                                   fmt::gmtime(SystemClock::to_time_t(SystemClock::now())), how, from);
      log::notice("rpz {}: serial {}, {} records by {} from {}", zone.config.name, zone.data->serial(),
                  zone.data->record_count(), how, from);
      publish_locked();
    } else if (result.kind == rpz::TransferResult::Kind::up_to_date) {
      zone.last_error.clear();
    } else {
      zone.last_error = error;
      log::error("rpz {}: transfer failed: {}; {}", zone.config.name, error,
                 zone.loaded ? "the zone keeps its previous contents" : "the zone stays empty");
    }
    // Refresh after a success (or an up-to-date answer), retry after a failure (RFC 1035
    // §3.3.13), by the SOA of the contents this thread holds.
    for (const auto& [key, rr] : records)
      if (rr.type == dns::rrtype::SOA && rr.owner.wire() == zone.origin) {
        const auto [refresh, retry] = soa_timers(rr);
        wait = built || result.kind == rpz::TransferResult::Kind::up_to_date ? refresh : retry;
        break;
      }
    zone.wake.wait_for(lock, wait, [&] { return zone.stop || zone.refresh_now; });
    zone.refresh_now = false;
  }
}

std::string RpzManager::reload() {
  std::lock_guard lock(mutex_);
  std::string out;
  for (auto& z : zones_) {
    if (!z->config.file.empty()) {
      const std::string problem = load_file(*z);
      out += problem.empty() ? fmt::format("{} reloaded: serial {}, {} records\n", z->config.name, z->data->serial(),
                                           z->data->record_count())
                             : problem + " (previous contents kept)\n";
    } else {
      z->refresh_now = true;
      z->wake.notify_all();
      out += z->config.name + " transfer requested\n";
    }
  }
  publish_locked();
  if (zones_.empty()) out = "no rpz zone configured\n";
  return out;
}

bool RpzManager::notify(const dns::Name& zone_name, const asio::ip::address& from) {
  std::lock_guard lock(mutex_);
  for (auto& z : zones_) {
    if (z->origin != zone_name.wire()) continue;
    const bool primary = std::any_of(z->config.primaries.begin(), z->config.primaries.end(),
                                     [&](const ZoneServer& s) { return s.address == from; });
    if (!primary) return false;
    z->refresh_now = true;
    z->wake.notify_all();
    log::notice("rpz {}: NOTIFY from {}", z->config.name, from.to_string());
    return true;
  }
  return false;
}

std::string RpzManager::status() const {
  std::lock_guard lock(mutex_);
  if (zones_.empty()) return "no rpz zone configured\n";
  std::string out;
  for (const auto& z : zones_) {
    const rpz::PolicyZone& d = *z->data;
    out += "zone: " + z->config.name + "\n";
    out += "  source: " + source_text(z->config) + "\n";
    out += z->loaded ? fmt::format("  serial: {}\n  records: {}\n  memory: {}\n", d.serial(), d.record_count(), d.memory())
                     : std::string("  serial: none (not loaded)\n  records: 0\n  memory: 0\n");
    out += "  loads: " + std::to_string(z->loads) + "\n";
    out += "  last-load: " + (z->last_load.empty() ? std::string("never") : z->last_load) + "\n";
    out += "  error: " + (z->last_error.empty() ? std::string("none") : z->last_error) + "\n";
    out += "  hits:";
    for (std::size_t t = 0; t < rpz::trigger_count; ++t)
      out += fmt::format(" {}={}", rpz::trigger_name(static_cast<rpz::Trigger>(t)),
                         z->counters->hits[t].load(std::memory_order_relaxed));
    out += "\n";
  }
  return out;
}

}  // namespace tern::daemon
