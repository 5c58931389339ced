// The one table of ternd.yaml settings. The parser (config_loader), the defaults
// (default_config), `--dump-config` and the SETTINGS section of ternd.yaml(5) all read it, so
// a setting cannot exist in one of them and not in the others.
#pragma once

#include "daemon/config/config.hpp"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace YAML {
class Node;
}

namespace tern::daemon {

/// The syntax of a setting's value; names it in the man page and in type errors.
enum class ValueKind {
  boolean, integer, size, path, choice, address_list, endpoint_list, acl_list,
  local_zone_list, record_list, zone_list, path_list, name_list, prefix_list
};

/// What a reload (SIGHUP, `ternctl reload`) does with a new value of a setting. unspecified
/// exists only so that a row that forgets to say is caught by the unit tests.
enum class Reload {
  unspecified,
  applies,  ///< the reload puts the new value in effect
  restart,  ///< fixed at start (sockets, threads, privileges ...): the reload logs the change
            ///< and keeps the running value until the next start
};

/// Where a value being applied came from, so that its errors point there.
struct SettingSource {
  std::string file;           ///< the config file's path, or "--set"
  int key_line = 0;           ///< 1-based line of the key; 0 for --set and built-in defaults
  std::string override_text;  ///< "key=value" when from --set, else empty
  std::string base_dir;       ///< directory that relative paths are resolved against
};

struct Setting;

/// Validates a YAML value and stores it into the config; throws ConfigError (never partial:
/// the config is only written once the whole value is valid).
using ApplyFunction = void (*)(const Setting& self, const YAML::Node& value,
                               const SettingSource& source, Config& config);
/// The config's value as YAML text that the setting's apply() reads back to an equal value;
/// a block sequence starts with '\n'.
using DumpFunction = std::string (*)(const Config& config);

/// One row of the settings table.
struct Setting {
  std::string_view name;          ///< the YAML key; stable, labs script it
  ValueKind kind;                 ///< the value's syntax
  std::string_view default_text;  ///< YAML text of the default; default_config() parses it
  std::uint64_t min = 0;          ///< numeric kinds: smallest accepted value
  std::uint64_t max = 0;          ///< numeric kinds: largest accepted value; 0 for others
  std::string_view values = {};   ///< accepted words ("auto", "off, relaxed, strict"), or ""
  std::string_view help;          ///< one line, the `# comment` of --dump-config
  std::string_view doc;           ///< man-page text; "\n" separates paragraphs
  Reload reload;                  ///< what a reload does with a new value (worker.cpp, ternd.cpp)
  ApplyFunction apply;            ///< parses and stores the value; never null
  DumpFunction dump;              ///< prints the value back; never null
};

/// Every setting, in documentation order.
std::span<const Setting> settings_table();

/// The row named `name`, or nullptr.
const Setting* find_setting(std::string_view name);

/// What the value of a setting looks like, for docs and errors: "boolean", "size in bytes".
std::string_view kind_name(ValueKind kind);

/// Allowed values in words: "0..256, or auto", "1m..1t", "off, relaxed, strict".
std::string allowed_values(const Setting& setting);

/// Every setting at its default (the table's default_text), access control included.
Config default_config();

/// The SETTINGS section of ternd.yaml(5) in roff, as kept between the marker comments.
std::string settings_man_section();

/// The restart-only settings as a roff sentence end, ".BR listen ," lines and the last one
/// ending in "."; spliced into ternd(8) and ternd.yaml(5) between their marker comments.
std::string restart_settings_man_list();

/// The file `text` names, relative to the configuration file's directory, made absolute (a
/// reload after a change of directory finds the same file) and checked readable now: a
/// directory or a file that cannot be opened is a ConfigError at `value`.
std::filesystem::path readable_file(const Setting& self, const YAML::Node& value, const SettingSource& source,
                                    const std::string& text);

/// Throws the ConfigError for a bad value of `setting` at node `at` ("name: message" at the
/// node's line in a file, or "--set key=value: message").
[[noreturn]] void throw_setting_error(const Setting& setting, const SettingSource& source,
                                      const YAML::Node& at, const std::string& message);

}  // namespace tern::daemon
