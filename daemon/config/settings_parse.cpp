#include "daemon/config/settings_parse.hpp"

#include "daemon/config/config_values.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace tern::daemon {
namespace {

std::string_view node_kind(const YAML::Node& value) {
  if (value.IsSequence()) return "a list";
  if (value.IsMap()) return "a mapping";
  return "nothing";
}

}  // namespace

/// The scalar text of `value`; a list, a mapping or no value at all is a type error.
const std::string& scalar_text(const Setting& self, const YAML::Node& value,
                               const SettingSource& source) {
  if (value.IsNull()) throw_setting_error(self, source, value, "missing value");
  if (!value.IsScalar()) {
    throw_setting_error(self, source, value,
                        "expected " + std::string(kind_name(self.kind)) + ", got " +
                            std::string(node_kind(value)));
  }
  return value.Scalar();
}

/// The items of a list setting; one scalar stands for a one-element list.
std::vector<YAML::Node> list_items(const Setting& self, const YAML::Node& value,
                                   const SettingSource& source) {
  if (value.IsScalar()) return {value};
  if (!value.IsSequence()) {
    if (value.IsNull()) throw_setting_error(self, source, value, "missing value");
    throw_setting_error(self, source, value,
                        "expected " + std::string(kind_name(self.kind)) + ", got a mapping");
  }
  std::vector<YAML::Node> items;
  for (const YAML::Node& item : value) {
    if (!item.IsScalar()) {
      throw_setting_error(self, source, item.IsNull() ? value : item,
                          "list items must be single values, got " +
                              std::string(node_kind(item)));
    }
    items.push_back(item);
  }
  return items;
}

/// A number checked against the row's range; `parsed` is nullopt when `text` did not parse.
std::uint64_t checked_number(const Setting& self, const YAML::Node& value,
                             const SettingSource& source, const std::string& text,
                             std::optional<std::uint64_t> parsed) {
  bool negative = !text.empty() && text[0] == '-' && parse_unsigned(text.substr(1));
  if (!parsed && !negative) {
    throw_setting_error(self, source, value,
                        "'" + text + "' is not " +
                            (self.kind == ValueKind::size ? "a size" : "a number") + " (" +
                            allowed_values(self) + ")");
  }
  if (negative || *parsed < self.min || *parsed > self.max) {
    throw_setting_error(self, source, value,
                        text + " is out of range (" + allowed_values(self) + ")");
  }
  return *parsed;
}

std::string yaml_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string block_list(const std::vector<std::string>& items) {
  if (items.empty()) return "[]";
  std::string out;
  for (const std::string& item : items) out += "\n  - " + yaml_quote(item);
  return out;
}

/// The endpoints of a listen list, each once; `default_port` when an item names none.
std::vector<ListenEndpoint> endpoint_list(const Setting& self, const YAML::Node& value,
                                          const SettingSource& source, std::uint16_t default_port) {
  std::vector<ListenEndpoint> endpoints;
  for (const YAML::Node& item : list_items(self, value, source)) {
    std::string error;
    auto endpoint = parse_listen_endpoint(item.Scalar(), error, default_port);
    if (!endpoint) throw_setting_error(self, source, item, error);
    if (std::find(endpoints.begin(), endpoints.end(), *endpoint) != endpoints.end()) {
      throw_setting_error(self, source, item, "'" + item.Scalar() + "' is listed twice");
    }
    endpoints.push_back(*endpoint);
  }
  return endpoints;
}

std::string dump_endpoints(const std::vector<ListenEndpoint>& endpoints) {
  std::vector<std::string> items;
  for (const ListenEndpoint& endpoint : endpoints) items.push_back(format_listen_endpoint(endpoint));
  return block_list(items);
}

std::filesystem::path readable_file(const Setting& self, const YAML::Node& value, const SettingSource& source,
                                    const std::string& text) {
  namespace fs = std::filesystem;
  // Absolute, so that a reload after the daemon changed directory finds the same file.
  fs::path path = (fs::path(source.base_dir) / text).lexically_normal();
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw_setting_error(self, source, value, "'" + path.string() + "' is a directory");
  }
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) {
    std::string why = std::generic_category().message(errno);
    throw_setting_error(self, source, value, "cannot read '" + path.string() + "': " + why);
  }
  std::fclose(file);
  return path;
}

}  // namespace tern::daemon
