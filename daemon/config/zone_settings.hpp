// The settings that route names: local-zone, local-data (answered by ternd itself),
// forward-zone and stub-zone (sent to given servers), tls-ca-file. Their rows are in the
// settings table; their parsers and printers live here, out of the table's way.
#pragma once

#include "daemon/config/settings_table.hpp"

#include <string>
#include <string_view>

namespace tern::daemon {

void apply_local_zone(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config);
std::string dump_local_zone(const Config& config);
void apply_local_data(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config);
std::string dump_local_data(const Config& config);
void apply_forward_zone(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config);
std::string dump_forward_zone(const Config& config);
void apply_stub_zone(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config);
std::string dump_stub_zone(const Config& config);
void apply_tls_ca_file(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config);
std::string dump_tls_ca_file(const Config& config);

/// "static", "deny" ... as written in ternd.yaml.
std::string_view local_zone_type_name(LocalZoneType type);

}  // namespace tern::daemon
