// ternd's command line, and the modes that only load the configuration. ternd's main does:
//
//   CommandLine command = parse_command_line(argc, argv);
//   if (command.exit_code) return *command.exit_code;          // --help, --version, usage error
//   if (auto code = run_config_only_modes(command, out, err, check_startup)) return *code;
//   Config config = config_from_command_line(command);  // ConfigError: print, exit 2
//   check_startup(config);  // the same checks --check-config ran: files, user, query log
//
// and again config_from_command_line(command) on SIGHUP.
#pragma once

#include "daemon/config/config.hpp"

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace tern::daemon {

/// Where ternd looks for its configuration when -c is not given.
inline constexpr const char* default_config_path = "/etc/tern/ternd.yaml";

/// What ternd was asked to do; filled by parse_command_line.
struct CommandLine {
  std::string config_path = default_config_path;  ///< -c FILE
  bool config_path_given = false;  ///< -c was given: a missing file is then an error
  bool foreground = false;         ///< -d: stay in the foreground, do not fork
  int verbose = 0;                 ///< how many -v: added to the configured verbosity
  bool check_config = false;       ///< --check-config: validate, report, exit
  bool dump_config = false;        ///< --dump-config: print the effective config, exit
  std::vector<std::string> overrides;  ///< --set KEY=VALUE, in command-line order
  /// Set when the command line alone ends the run: 0 after --help or --version (printed),
  /// 2 after a usage error (message and usage printed on the error stream).
  std::optional<int> exit_code;
};

/// Parses ternd's arguments; prints help, version and usage errors on stdout/stderr.
CommandLine parse_command_line(int argc, char** argv);

/// The same, printing on `out` (help, version) and `err` (usage errors).
CommandLine parse_command_line(int argc, const char* const* argv, std::ostream& out,
                               std::ostream& err);

/// The configuration the command line designates: the -c file (the default path is skipped
/// when it does not exist and -c was not given), then each --set, then -v added to verbosity
/// (at most 5). Throws ConfigError.
Config config_from_command_line(const CommandLine& command);

/// What start-up checks beyond the file itself (certificate and key, user, query log: the
/// rooms above this one know how): throws std::exception with the message start-up would
/// print; returns a warning to show ("" when none). --check-config runs it so that "config OK"
/// means start-up will not refuse the configuration.
using StartupCheck = std::function<std::string(const Config&)>;

/// Runs --check-config ("config OK" on `out`, after any warning of `startup_check` on `err`) or
/// --dump-config (the effective config on `out`) and returns the exit code: 0, or 2 after
/// printing the error on `err`. Nullopt when neither mode was asked for: the daemon should run.
std::optional<int> run_config_only_modes(const CommandLine& command, std::ostream& out,
                                         std::ostream& err, const StartupCheck& startup_check = {});

}  // namespace tern::daemon
