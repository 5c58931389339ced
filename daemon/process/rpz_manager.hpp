// The response policy zones of the running daemon: loads the zone files, runs one transfer
// thread per zone with primaries (AXFR, then IXFR at the SOA's refresh or on NOTIFY), keeps
// each zone's last good contents when a load or transfer fails, and publishes a new PolicySet
// to the workers after every change. `ternctl rpz` reads status(), `ternctl rpz reload` calls
// reload(). Owned by main (daemon top level); its threads stop in its destructor.
#pragma once

#include "daemon/answering/rpz_policy.hpp"
#include "daemon/config/config.hpp"

#include <asio/ip/address.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tern::daemon {

class RpzManager {
 public:
  /// Called with each new set (null when no zone is configured), from whichever thread made it.
  using Publish = std::function<void(std::shared_ptr<const rpz::PolicySet>)>;

  RpzManager();
  RpzManager(const RpzManager&) = delete;
  RpzManager& operator=(const RpzManager&) = delete;
  ~RpzManager();

  void set_publish(Publish publish);

  /// Puts `zones` in force: loads the files (a zone whose file fails keeps what it had, or is
  /// empty when new), keeps the contents of zones whose source did not change, and (once
  /// start_transfers() was called) starts or stops transfer threads. Returns the problems,
  /// one "zone: FILE:LINE: why" line each; empty when all loaded.
  std::string configure(const std::vector<RpzZoneConfig>& zones);
  /// Starts the transfer threads (after the daemon has forked and dropped privileges).
  void start_transfers();
  /// ternctl rpz reload: every file read again, every transferred zone asked for its changes
  /// now. The outcome, one line per zone.
  std::string reload();
  /// A NOTIFY (RFC 1996) for `zone` from `from`: true when `from` is a primary of that zone
  /// (its transfer starts now), false to refuse it.
  bool notify(const dns::Name& zone, const asio::ip::address& from);
  /// ternctl rpz: per zone, its source, serial, records, memory, hits per trigger, last load.
  std::string status() const;
  /// The set in force now (tests; null when no zone).
  std::shared_ptr<const rpz::PolicySet> current() const;

 private:
  struct Zone;
  void publish_locked();
  void run_transfers(Zone& zone);
  std::string load_file(Zone& zone);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Zone>> zones_;
  Publish publish_;
  std::shared_ptr<const rpz::PolicySet> current_;
  bool transfers_started_ = false;
};

}  // namespace tern::daemon
