// What start-up refuses before it binds anything, written once: ternd runs these checks at
// start, and `ternd --check-config` runs the same ones and stops, so that "config OK" means
// start-up will not refuse the configuration (a port held by another program can still stop
// it: that is the system's state, not the configuration's).
#pragma once

#include "daemon/config/config.hpp"
#include "daemon/process/privileges.hpp"
#include "resolver/dnssec/validation_settings.hpp"
#include "resolver/root_hints.hpp"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace tern::daemon {

/// A start-up step that failed before ternd detached: the message is what the operator reads
/// on stderr, `exit_code` what ternd exits with (2 for a configuration that cannot be used, 1
/// for the system: a user missing, a file that cannot be opened).
class RootKeyUpkeep;

struct StartupFailure : std::runtime_error {
  StartupFailure(int code, const std::string& message) : std::runtime_error(message), exit_code(code) {}
  int exit_code;
};

/// What the checks found that start-up goes on with.
struct StartupPlan {
  resolver::RootHints hints;         ///< root-hints loaded (or the built-in ones)
  std::optional<RunAs> run_as;       ///< whom to become after binding; nullopt: stay
  std::string user_warning;          ///< a line to log when ternd cannot become `username`
  /// DNSSEC validation from the trust anchors read (null: dnssec off).
  std::shared_ptr<const resolver::dnssec::ValidationSettings> validation;
  /// The RFC 5011 state of trust-anchor-auto-file; null without it.
  std::shared_ptr<RootKeyUpkeep> root_keys;
};

/// Loads the root hints, looks up `username`, loads tls-certificate and tls-private-key when
/// tls-listen is set (refusing a world-readable key), reads the trust anchors
/// (trust-anchor-file, trust-anchor-auto-file: a bad record is "FILE:LINE: reason", exit 2),
/// and opens query-log for appending (a file it had to create is removed again). Throws
/// StartupFailure naming the setting.
StartupPlan check_startup(const Config& config);

}  // namespace tern::daemon
