#include "daemon/process/startup_checks.hpp"

#include "daemon/listeners/tls_context.hpp"
#include "daemon/observe/query_log.hpp"
#include "daemon/process/root_key_upkeep.hpp"
#include "daemon/process/validation_setup.hpp"

#include <unistd.h>

#include <filesystem>

namespace tern::daemon {
namespace {

resolver::RootHints load_hints(const Config& config) {
  try {
    return config.root_hints.empty() ? resolver::builtin_root_hints()
                                     : resolver::load_root_hints(config.root_hints);
  } catch (const std::exception& e) {
    throw StartupFailure(2, e.what());
  }
}

/// A missing user stops the start at once, before anything is bound.
std::optional<RunAs> plan_privileges(const Config& config, std::string& warning) {
  try {
    return plan_user(config.username, warning);
  } catch (const std::exception& e) {
    throw StartupFailure(1, std::string("ternd: ") + e.what());
  }
}

/// The same loading the DoT listener does (TlsContextStore), on a context thrown away.
void check_tls_files(const Config& config) {
  if (config.tls_listen.empty() && config.https_listen.empty()) return;
  try {
    TlsContextStore probe(config);
  } catch (const TlsSetupError& e) {  // e.g. a world-readable key: refuse to start
    throw StartupFailure(2, std::string("ternd: ") + e.what());
  }
}

/// Opened as start-up opens it (QueryLog::configure); --check-config must leave no file behind.
void check_query_log(const Config& config) {
  if (config.query_log.empty() || config.query_log == "stderr") return;
  std::error_code ec;
  const bool existed = std::filesystem::exists(config.query_log, ec);
  {
    QueryLog probe;
    if (std::string error = probe.configure(config.query_log); !error.empty())
      throw StartupFailure(1, "ternd: " + error);
  }
  if (!existed) ::unlink(config.query_log.c_str());
}

/// The anchors as start-up and every reload read them (validation_setup.hpp).
void plan_validation(const Config& config, StartupPlan& plan) {
  if (!config.trust_anchor_auto_file.empty())
    plan.root_keys = std::make_shared<RootKeyUpkeep>(config.trust_anchor_auto_file);
  ValidationBuild build = build_validation(
      config, plan.root_keys ? std::optional(plan.root_keys->anchor()) : std::nullopt);
  if (!build.error.empty()) throw StartupFailure(2, "ternd: " + build.error);
  plan.validation = std::move(build.settings);
}

}  // namespace

StartupPlan check_startup(const Config& config) {
  StartupPlan plan{load_hints(config), std::nullopt, {}, nullptr, nullptr};
  plan.run_as = plan_privileges(config, plan.user_warning);
  check_tls_files(config);
  plan_validation(config, plan);
  check_query_log(config);
  return plan;
}

}  // namespace tern::daemon
