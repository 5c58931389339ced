// What a reload (SIGHUP, `ternctl reload`) does with a freshly loaded configuration: the
// settings that only a restart can change (the Reload::restart column of the settings table)
// are named when their value changed, and kept at the value the process started with.
#pragma once

#include "daemon/config/config.hpp"

#include <string_view>
#include <vector>

namespace tern::daemon {

/// The names of the restart-only settings whose value differs between `running` and `fresh`,
/// in table order. Values are compared as --dump-config prints them.
std::vector<std::string_view> restart_settings_changed(const Config& running, const Config& fresh);

/// The names of every setting whose value differs between `running` and `fresh`, in table
/// order: the summary of a reload.
std::vector<std::string_view> settings_changed(const Config& running, const Config& fresh);

/// `config` with automatic values replaced by what they come to on this machine (threads:
/// auto by `cores`), so that a reload compares values with what really runs: `threads: 4` on
/// four cores is no change from `threads: auto`.
Config resolve_automatic(Config config, unsigned cores);

/// `fresh` with every restart-only setting back at its value in `running`: what a reload puts
/// in effect, and so what the next reload compares with (a change is named until the restart).
Config keep_restart_settings(const Config& running, Config fresh);

}  // namespace tern::daemon
