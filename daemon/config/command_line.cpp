#include "daemon/config/command_line.hpp"

#include "daemon/config/config_loader.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>

#ifndef TERN_VERSION
#define TERN_VERSION "unknown"
#endif

namespace tern::daemon {
namespace {

constexpr const char* usage =
    "Usage: ternd [-d] [-v]... [-c FILE] [--set KEY=VALUE]... [--check-config | --dump-config]\n"
    "Run 'ternd --help' for more information.\n";

constexpr const char* footer =
    "Signals: SIGHUP reloads the configuration (the cache is kept), SIGTERM stops gracefully.\n"
    "Settings and their values: ternd.yaml(5); the daemon: ternd(8).";

void define_options(CLI::App& app, CommandLine& command) {
  app.add_option("-c,--config", command.config_path,
                 std::string("configuration file (default ") + default_config_path +
                     "; built-in defaults when that file does not exist)")
      ->type_name("FILE");
  app.add_flag("-d,--foreground", command.foreground, "stay in the foreground, do not fork");
  app.add_flag_function(
      "-v,--verbose", [&command](std::int64_t count) { command.verbose = static_cast<int>(count); },
      "log more: each -v raises the configured verbosity by one");
  auto* check = app.add_flag("--check-config", command.check_config,
                             "load and validate the configuration and run the checks start-up "
                             "makes (TLS certificate and key, username, query-log), print "
                             "\"config OK\" or the error (exit 2), and exit");
  app.add_flag("--dump-config", command.dump_config,
               "print the effective configuration, every setting, as YAML and exit")
      ->excludes(check);
  app.add_option("--set", command.overrides,
                 "override a setting of the file, as KEY=VALUE with a YAML value "
                 "(--set threads=2 --set 'listen=[127.0.0.1@5353]'); repeatable")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)  // "--set a=1 b=2" is a mistake, not two overrides
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.set_version_flag("--version", "ternd " TERN_VERSION);
  app.footer(footer);
}

}  // namespace

CommandLine parse_command_line(int argc, char** argv) {
  return parse_command_line(argc, argv, std::cout, std::cerr);
}

CommandLine parse_command_line(int argc, const char* const* argv, std::ostream& out,
                               std::ostream& err) {
  CommandLine command;
  CLI::App app{"ternd: a caching recursive DNS resolver.", "ternd"};
  define_options(app, command);
  try {
    app.parse(argc, argv);
    command.config_path_given = app.get_option("--config")->count() > 0;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      app.exit(e, out, err);  // --help or --version
      command.exit_code = 0;
    } else {
      err << "ternd: " << e.what() << "\n" << usage;
      command.exit_code = 2;
    }
  }
  return command;
}

Config config_from_command_line(const CommandLine& command) {
  std::string path = command.config_path;
  std::error_code ec;
  if (!command.config_path_given && !std::filesystem::exists(path, ec)) path.clear();
  Config config = load_config(path, command.overrides);
  config.verbosity = std::min(5, config.verbosity + command.verbose);
  return config;
}

std::optional<int> run_config_only_modes(const CommandLine& command, std::ostream& out,
                                         std::ostream& err, const StartupCheck& startup_check) {
  if (!command.check_config && !command.dump_config) return std::nullopt;
  Config config;
  try {
    config = config_from_command_line(command);
  } catch (const ConfigError& e) {
    err << format_config_error(e) << "\n";
    return 2;
  }
  if (command.dump_config) {
    out << dump_config(config);
    return 0;
  }
  try {
    if (startup_check) {
      if (std::string warning = startup_check(config); !warning.empty()) err << warning << "\n";
    }
  } catch (const std::exception& e) {  // what start-up would refuse, with start-up's words
    err << e.what() << "\n";
    return 2;
  }
  out << "config OK\n";
  return 0;
}

}  // namespace tern::daemon
