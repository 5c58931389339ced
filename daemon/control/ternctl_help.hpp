// ternctl's --help and usage line: in their own file so that a unit test can check that the
// help lists every command the daemon's command table has (control_command_synopses).
#pragma once

#include <string>

namespace tern::daemon {

inline constexpr const char* ternctl_default_socket = "/run/tern/ternd.ctl";
inline constexpr const char* ternctl_usage_line =
    "Usage: ternctl [-s SOCKET] [-c CONFIG] COMMAND [ARGUMENT]... (ternctl --help lists the commands)\n";

/// The whole of `ternctl --help`: options, every command, exit statuses.
std::string ternctl_help_text();

}  // namespace tern::daemon
