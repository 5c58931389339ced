// Names ternd answers itself, without asking anyone: the special-use names of RFC 6761 and
// RFC 7686 (localhost, test, invalid, onion), home.arpa (RFC 8375), the reverse zones of
// loopback and of the private and special ranges (RFC 6303), and the operator's own
// `local-zone` / `local-data`. Built once per configuration, never modified, shared by every
// worker (like Unbound's default local zones and its local-zone types).
#pragma once

#include "daemon/config/config.hpp"
#include "resolver/dns/message.hpp"
#include "resolver/outcome.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace tern::daemon {

/// What to do with a query that falls in a local zone.
struct LocalAnswer {
  bool drop = false;         ///< deny: send nothing
  resolver::Outcome outcome; ///< otherwise: the response (rcode, answer, authority)
};

/// The zones ternd serves by itself when nothing switches them off (`nodefault` or
/// `transparent` on the same name does), in presentation form.
std::vector<std::string> default_local_zone_names();

class LocalZones {
 public:
  /// The built-in zones, then the operator's rules (which replace a built-in zone of the same
  /// name), then the operator's data. `local_data` must already be valid (the config loader
  /// checked each record); an unparsable entry is skipped.
  LocalZones(const std::vector<LocalZoneRule>& rules, const std::vector<std::string>& local_data);
  LocalZones(const LocalZones&) = delete;  // root_zone_ points into zones_
  LocalZones& operator=(const LocalZones&) = delete;

  /// The response for `question`, or nullopt when it is not answered locally (outside every
  /// local zone, or in a transparent zone without data for it): then resolve as usual.
  std::optional<LocalAnswer> answer(const dns::Question& question) const;

  /// Cheap test for the hot path: whether `wire` (a checked, lower-cased wire name) lies in
  /// any local zone. One hash probe per label until the names leave every local zone's
  /// ancestry, so that a ".com" query costs one probe.
  bool covers(std::string_view wire) const { return closest_zone(wire) != nullptr; }

 private:
  struct Zone {
    dns::Name name;
    LocalZoneType type = LocalZoneType::static_zone;
    dns::Record soa;  ///< for the authority section of negative answers
  };
  struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using WireSet = std::unordered_set<std::string, TransparentHash, std::equal_to<>>;

  void add_zone(const dns::Name& name, LocalZoneType type);
  void add_record(dns::Record record);
  const Zone* closest_zone(std::string_view wire) const;
  /// Records of `type` at `name`, through a wildcard ("*.parent") when `name` has none of
  /// its own; the owner of wildcard records is rewritten to `name`. Empty when none.
  std::vector<dns::Record> find_data(const dns::Name& name, std::uint16_t type, const Zone& zone) const;
  /// Whether `name` owns data, directly, as an empty non-terminal, or through a wildcard.
  bool name_exists(const dns::Name& name, const Zone& zone) const;

  std::unordered_map<std::string, Zone, TransparentHash, std::equal_to<>> zones_;  ///< by wire name
  WireSet ancestry_;  ///< every zone name and every name above one: where the walk down may go
  std::map<std::pair<std::string, std::uint16_t>, std::vector<dns::Record>> data_;  ///< (wire, type)
  WireSet nodes_;     ///< owners of data and the names between them and their zone
  const Zone* root_zone_ = nullptr;  ///< a local zone at ".", looked at without a probe
};

}  // namespace tern::daemon
