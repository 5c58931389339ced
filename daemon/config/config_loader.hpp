// Loading ternd.yaml: read, parse, validate every setting, apply --set overrides. Nothing of a
// configuration is used before all of it is valid, so a reload either applies whole or not.
#pragma once

#include "daemon/config/config.hpp"

#include <string>
#include <vector>

namespace tern::daemon {

/// Loads the file at `path` (empty: no file, start from the defaults), then applies
/// `overrides` in order ("key=value" from --set; the value is a YAML scalar or flow sequence,
/// as in "listen=[127.0.0.1@5353]"). Throws ConfigError located at the offending line, with file
/// "--set" and line 0 for an override (message "key=value: ...").
Config load_config(const std::string& path, const std::vector<std::string>& overrides);

/// "file:line: message"; "file: message" when the line is 0; "--set key=value: message".
std::string format_config_error(const ConfigError& error);

/// The configuration as YAML with every setting, each after a `# help` comment; load_config
/// reads it back to an equal Config (access control lists the built-in rules too).
std::string dump_config(const Config& config);

}  // namespace tern::daemon
