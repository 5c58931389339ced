// The table as a whole: the groups of rows joined in documentation order, lookup by name, the
// defaults, the man-page section and the located errors every row throws.
#include "daemon/config/settings_table.hpp"

#include "daemon/config/config_values.hpp"
#include "daemon/config/roff_text.hpp"
#include "daemon/config/settings_rows.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <vector>

namespace tern::daemon {
namespace {

/// Every row once, the groups in the order of settings_rows.hpp; built once, never changed.
const std::vector<Setting>& joined_rows() {
  static const std::vector<Setting> rows = [] {
    std::vector<Setting> all;
    for (std::span<const Setting> group : {include_rows(), startup_rows(), resolution_rows(), pressure_rows(), client_rows(), cache_rows(), redis_rows(),
                                           zone_rows(), dnssec_rows(), connection_rows(), https_rows(), operations_rows(), rpz_rows(),
                                           status_page_rows(), identity_rows(), dnstap_rows()}) {
      all.insert(all.end(), group.begin(), group.end());
    }
    return all;
  }();
  return rows;
}

}  // namespace

std::span<const Setting> settings_table() { return joined_rows(); }

const Setting* find_setting(std::string_view name) {
  std::span<const Setting> table = settings_table();
  auto row = std::find_if(table.begin(), table.end(),
                          [&](const Setting& s) { return s.name == name; });
  return row == table.end() ? nullptr : &*row;
}

std::string_view kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::boolean: return "a boolean";
    case ValueKind::integer: return "an integer";
    case ValueKind::size: return "a size in bytes";
    case ValueKind::path: return "a file path";
    case ValueKind::choice: return "a word";
    case ValueKind::address_list: return "a list of addresses";
    case ValueKind::endpoint_list: return "a list of ADDRESS[@PORT]";
    case ValueKind::acl_list: return "a list of \"PREFIX ACTION\"";
    case ValueKind::local_zone_list: return "a list of \"NAME TYPE\"";
    case ValueKind::record_list: return "a list of resource records";
    case ValueKind::zone_list: return "a list of zones (name, servers ...)";
    case ValueKind::path_list: return "a list of file paths";
    case ValueKind::name_list: return "a list of domain names";
    case ValueKind::prefix_list: return "a list of PREFIX[/LENGTH]";
  }
  return "a value";
}

std::string allowed_values(const Setting& setting) {
  if (setting.max == 0) return std::string(setting.values);
  std::string range = setting.kind == ValueKind::size
                          ? format_size(setting.min) + ".." + format_size(setting.max)
                          : std::to_string(setting.min) + ".." + std::to_string(setting.max);
  return setting.values.empty() ? range : range + ", or " + std::string(setting.values);
}

Config default_config() {
  Config config;
  SettingSource source{"<built-in defaults>", 0, "", "/"};
  for (const Setting& setting : settings_table()) {
    // A failure here is a bug in the table, which the unit tests catch.
    setting.apply(setting, YAML::Load(std::string(setting.default_text)), source, config);
  }
  return config;
}

/// The comment that heads every generated section.
constexpr std::string_view generated_note =
    ".\\\" Generated from the settings table (daemon/config/settings_*.cpp) by gen_settings_doc:\n"
    ".\\\" edit the table and run man/update-settings.sh, not this section.\n";

std::string settings_man_section() {
  std::string out(generated_note);
  for (const Setting& setting : settings_table()) {
    std::string allowed = allowed_values(setting);
    // The tag line names the setting, its syntax and its default; the text goes below it.
    out += ".TP\n\\fB" + roff_text(setting.name) + "\\fR: \\fI" +
           roff_text(kind_name(setting.kind)) + "\\fR" +
           (allowed.empty() ? "" : " (" + roff_text(allowed) + ")") + "; default \\fB" +
           roff_text(setting.default_text) + "\\fR\n";
    std::string_view doc = setting.doc;
    for (std::size_t start = 0; start <= doc.size();) {
      std::size_t end = std::min(doc.find('\n', start), doc.size());
      if (start > 0) out += ".IP\n";
      out += roff_paragraph(doc.substr(start, end - start));
      start = end + 1;
    }
    out += setting.reload == Reload::restart
               ? ".IP\nReload: restart (a reload logs the change and keeps the running value).\n"
               : ".IP\nReload: yes.\n";
  }
  return out;
}

std::string restart_settings_man_list() {
  std::vector<std::string_view> names;
  for (const Setting& setting : settings_table())
    if (setting.reload == Reload::restart) names.push_back(setting.name);
  std::string out(generated_note);
  for (std::size_t i = 0; i < names.size(); ++i)
    out += ".BR " + roff_text(names[i]) + (i + 1 < names.size() ? " ,\n" : " .\n");
  return out;
}

void throw_setting_error(const Setting& setting, const SettingSource& source,
                         const YAML::Node& at, const std::string& message) {
  if (!source.override_text.empty()) {
    throw ConfigError(source.file, 0, source.override_text + ": " + message);
  }
  // A missing value's mark is where the next token starts: the key's line is the one to show.
  int line = source.key_line;
  if (!at.IsNull() && at.Mark().line >= 0 && source.key_line > 0) line = at.Mark().line + 1;
  throw ConfigError(source.file, line, std::string(setting.name) + ": " + message);
}

}  // namespace tern::daemon
