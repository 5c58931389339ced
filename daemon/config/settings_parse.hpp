// What the rows of the settings table share: reading YAML values with errors that name the
// setting, printing values back as YAML, and the apply/dump pairs for the common kinds
// (booleans, integers, sizes, optional paths) as templates over the Config member they fill.
#pragma once

#include "daemon/config/config_values.hpp"
#include "daemon/config/settings_table.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace tern::daemon {

/// The scalar text of `value`; a list, a mapping or no value at all is a type error.
const std::string& scalar_text(const Setting& self, const YAML::Node& value,
                               const SettingSource& source);

/// The items of a list setting; one scalar stands for a one-element list.
std::vector<YAML::Node> list_items(const Setting& self, const YAML::Node& value,
                                   const SettingSource& source);

/// A number checked against the row's range; `parsed` is nullopt when `text` did not parse.
std::uint64_t checked_number(const Setting& self, const YAML::Node& value,
                             const SettingSource& source, const std::string& text,
                             std::optional<std::uint64_t> parsed);

/// `text` as a double-quoted YAML scalar, control characters escaped.
std::string yaml_quote(std::string_view text);

/// A YAML block sequence of quoted items (starting with '\n'), or "[]" when empty.
std::string block_list(const std::vector<std::string>& items);

/// The endpoints of a listen list, each once; `default_port` when an item names none.
std::vector<ListenEndpoint> endpoint_list(const Setting& self, const YAML::Node& value,
                                          const SettingSource& source, std::uint16_t default_port);

/// Endpoints as a block list of "ADDRESS@PORT".
std::string dump_endpoints(const std::vector<ListenEndpoint>& endpoints);

template <bool Config::*Member>
void apply_bool(const Setting& self, const YAML::Node& value, const SettingSource& source,
                Config& config) {
  const std::string& text = scalar_text(self, value, source);
  auto parsed = parse_bool(text);
  if (!parsed) {
    throw_setting_error(self, source, value,
                        "'" + text + "' is not a boolean (yes/no, true/false, on/off)");
  }
  config.*Member = *parsed;
}

template <bool Config::*Member>
std::string dump_bool(const Config& config) {
  return config.*Member ? "yes" : "no";
}

template <auto Member>
void apply_integer(const Setting& self, const YAML::Node& value, const SettingSource& source,
                   Config& config) {
  const std::string& text = scalar_text(self, value, source);
  using Field = std::remove_reference_t<decltype(config.*Member)>;
  config.*Member = static_cast<Field>(
      checked_number(self, value, source, text, parse_unsigned(text)));
}

template <auto Member>
std::string dump_integer(const Config& config) {
  return std::to_string(config.*Member);
}

template <auto Member>
void apply_size(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config) {
  const std::string& text = scalar_text(self, value, source);
  config.*Member = checked_number(self, value, source, text, parse_size(text));
}

template <auto Member>
std::string dump_size(const Config& config) {
  return format_size(config.*Member);
}

/// An absolute path (relative ones are taken from the config file's directory), or "".
template <std::string Config::*Member>
void apply_optional_path(const Setting& self, const YAML::Node& value, const SettingSource& source,
                         Config& config) {
  const std::string text = value.IsNull() ? std::string() : scalar_text(self, value, source);
  if (text.empty()) {
    (config.*Member).clear();
    return;
  }
  namespace fs = std::filesystem;
  config.*Member = (fs::path(source.base_dir) / text).lexically_normal().string();
}

template <std::string Config::*Member>
std::string dump_optional_path(const Config& config) {
  return yaml_quote(config.*Member);
}

}  // namespace tern::daemon
