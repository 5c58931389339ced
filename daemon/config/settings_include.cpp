// The `include` setting: drop-in configuration files. Its row documents it and checks its
// value's shape; config_loader.cpp reads the files it names, where the key stands.
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/settings_parse.hpp"

#include <yaml-cpp/yaml.h>

#include <array>

namespace tern::daemon {
namespace {

/// The loader has read the files by the time a row is applied; here only the shape counts,
/// so that `include: {a: b}` is an error like any other setting's.
void apply_include(const Setting& self, const YAML::Node& value, const SettingSource& source, Config&) {
  if (value.IsScalar() && value.Scalar().empty()) return;
  for (const YAML::Node& item : list_items(self, value, source))
    if (item.Scalar().empty()) throw_setting_error(self, source, item, "an empty file name");
}

/// --dump-config prints the merged result: the included settings are in it, not the include.
std::string dump_include(const Config&) { return "[]"; }

constexpr std::array rows{
    Setting{
        .name = "include", .kind = ValueKind::path, .default_text = "[]",
        .values = "a file, a glob pattern, or a list of them",
        .help = "Files (or globs: /etc/tern/conf.d/*.yaml) whose settings are read here.",
        .doc = "Drop-in configuration: each file named, or each file a glob pattern matches (in "
               "the sorted order glob(3) gives), is read where the include key stands, as if its "
               "settings were written there; relative names are taken from the directory of the "
               "file that includes them. A setting set again later (in a later file, or after the "
               "include in the including file) replaces the earlier value, lists too, as --set "
               "does. A file named without a wildcard must exist; a pattern may match nothing "
               "(an empty conf.d). Included files may include others; a file that includes itself, "
               "directly or not, is refused as a cycle. Errors name the included file and its line. "
               "A reload reads every included file afresh; --dump-config prints the merged settings "
               "(and include: [], since they are in it). Not accepted from --set.",
        .reload = Reload::applies,
        .apply = apply_include, .dump = dump_include},
};

}  // namespace

std::span<const Setting> include_rows() { return rows; }

}  // namespace tern::daemon
