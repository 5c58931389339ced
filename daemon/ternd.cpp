// ternd: the process. Command line and configuration, root hints, shared caches, one worker
// per thread, then signals: SIGHUP reloads, SIGTERM/SIGINT stop after draining. Everything
// that needs root (ports, control socket, metrics port, query log, pid file) is opened before
// ternd changes root and user; the threads start after.
#include "daemon/config/command_line.hpp"
#include "daemon/config/config_loader.hpp"
#include "daemon/config/config_reload.hpp"
#include "daemon/config/config_values.hpp"
#include "daemon/control/control_commands.hpp"  // control socket
#include "daemon/control/control_server.hpp"    // control socket
#include "daemon/control/metrics.hpp"
#include "daemon/control/metrics_server.hpp"
#include "daemon/process/privileges.hpp"
#include "daemon/process/root_key_upkeep.hpp"
#include "daemon/process/service_notify.hpp"
#include "daemon/process/startup_checks.hpp"
#include "daemon/process/validation_setup.hpp"
#include "daemon/process/worker.hpp"
#include "resolver/dns/types.hpp"
#include "resolver/log.hpp"
#include "resolver/root_hints.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace tern;

constexpr std::chrono::milliseconds shutdown_drain{3000};

void apply_verbosity(int verbosity) {
  log::threshold = std::min(verbosity, static_cast<int>(log::Level::debug));
}

/// Detaches from the terminal after the sockets are bound, so bind errors reach the user.
void daemonize() {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid > 0) _exit(0);
  setsid();
  if (chdir("/") != 0) { /* nothing depends on the working directory after start-up */ }
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null);
  }
}

/// Where log lines go, and how many a kind may write: at start and on every reload.
void apply_log_settings(const daemon::Config& config, bool detached) {
  const bool syslog = config.log_destination == daemon::LogDestination::syslog ||
                      (config.log_destination == daemon::LogDestination::automatic && detached);
  if (syslog) {
    log::use_syslog();
  } else {
    log::use_stderr();
  }
  log::set_rate_limit(config.log_rate_limit);
}

/// The root's anchor kept by trust-anchor-auto-file, when there is one.
std::optional<resolver::dnssec::TrustAnchor> managed_root(const daemon::RootKeyUpkeep* root_keys) {
  return root_keys ? std::optional(root_keys->anchor()) : std::nullopt;
}

void reload(const daemon::CommandLine& command, daemon::Config& running, daemon::SharedState& shared,
            std::vector<std::unique_ptr<daemon::Worker>>& workers, bool detached,
            const daemon::RootKeyUpkeep* root_keys) {
  daemon::Config loaded, fresh;
  daemon::ValidationBuild validation;
  try {
    loaded = daemon::config_from_command_line(command);
  } catch (const daemon::ConfigError& e) {
    validation.error = daemon::format_config_error(e);
  }
  if (validation.error.empty()) {
    fresh = daemon::keep_restart_settings(running, loaded);
    validation = daemon::build_validation(fresh, managed_root(root_keys));  // a bad anchor file rejects the reload
  }
  if (!validation.error.empty()) {
    log::error("reload rejected, keeping the running configuration: {}", validation.error);
    // SIGHUP is also logrotate's "reopen your files": the query log is reopened regardless.
    if (std::string error = shared.query_log.reopen(); !error.empty()) log::error("{}", error);
    return;
  }
  for (std::string_view name : daemon::restart_settings_changed(running, loaded))
    log::warning("reload: {} changed: takes effect at restart", name);
  shared.validation = std::move(validation.settings);
  fresh.query_log = daemon::path_inside_chroot(fresh.query_log, running.chroot);
  if (std::string error = shared.query_log.configure(fresh.query_log); !error.empty()) {
    log::error("reload: {}; the query log stays as it was", error);
  }
  shared.reconfigure(fresh);
  for (auto& w : workers) w->reconfigure(fresh);
  apply_verbosity(fresh.verbosity);
  apply_log_settings(fresh, detached);
  running = std::move(fresh);
  log::warning("configuration reloaded");
}

void log_summary(const std::vector<std::unique_ptr<daemon::Worker>>& workers) {
  std::uint64_t queries = 0, hits = 0, misses = 0, upstream = 0;
  for (const auto& w : workers) {
    queries += w->stats().queries_udp + w->stats().queries_tcp + w->stats().queries_tls;
    hits += w->stats().cache_hits;
    misses += w->stats().cache_misses;
    upstream += w->resolver_stats().upstream_queries;
  }
  log::info("stopped: {} queries, {} cache hits, {} misses, {} upstream queries", queries, hits, misses, upstream);
}

using Workers = std::vector<std::unique_ptr<daemon::Worker>>;

daemon::Config load_configuration(const daemon::CommandLine& command) {
  try {
    return daemon::config_from_command_line(command);
  } catch (const daemon::ConfigError& e) {
    throw daemon::StartupFailure(2, daemon::format_config_error(e));
  }
}

/// Signals are taken by sigwait in the main thread only: blocked before any thread exists.
sigset_t block_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return signals;
}

std::unique_ptr<daemon::SharedState> make_shared_state(const daemon::Config& config, resolver::RootHints hints) {
  std::unique_ptr<daemon::SharedState> shared;
  try {
    shared = std::make_unique<daemon::SharedState>(config, std::move(hints));
  } catch (const daemon::TlsSetupError& e) {  // e.g. a world-readable key: refuse to start
    throw daemon::StartupFailure(2, std::string("ternd: ") + e.what());
  }
  shared->reconfigure(config);
  return shared;
}

/// One worker per thread, each binding every listen address (SO_REUSEPORT).
Workers bind_workers(daemon::SharedState& shared, const daemon::Config& config) {
  unsigned threads = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  Workers workers;
  try {
    for (unsigned i = 0; i < threads; ++i) workers.push_back(std::make_unique<daemon::Worker>(i, shared, config));
  } catch (const std::system_error& e) {
    std::string where;
    for (const auto& l : config.listen) where += " " + l.address.to_string() + "@" + std::to_string(l.port);
    throw daemon::StartupFailure(1, "ternd: cannot listen on" + where + ": " + e.what());
  }
  return workers;
}

/// The metrics endpoint: bound now (a port below 1024 needs root), served once running.
std::unique_ptr<daemon::MetricsServer> bind_metrics(const daemon::Config& config,
                                                    daemon::ControlContext& control_context) {
  if (config.metrics_listen.empty()) return nullptr;
  try {
    return std::make_unique<daemon::MetricsServer>(
        config.metrics_listen, [&control_context] { return daemon::render_metrics(control_context); });
  } catch (const std::system_error& e) {
    std::string where;
    for (const auto& l : config.metrics_listen) where += " " + daemon::format_listen_endpoint(l);
    throw daemon::StartupFailure(1, "ternd: cannot listen for metrics on" + where + ": " + e.what());
  }
}

void open_query_log(daemon::SharedState& shared, const daemon::Config& config) {
  if (std::string error = shared.query_log.configure(config.query_log); !error.empty())
    throw daemon::StartupFailure(1, "ternd: " + error);
}

/// The control socket (ternctl): started before the workers, stopped before them. A socket
/// that cannot be set up is logged and the daemon runs on without it.
std::unique_ptr<daemon::ControlServer> start_control_socket(const daemon::Config& config,
                                                            daemon::ControlContext& control_context) {
  if (config.control_socket.empty()) return nullptr;
  auto control = std::make_unique<daemon::ControlServer>(
      config.control_socket, [&control_context](const std::vector<std::string>& words) {
        return daemon::execute_control(words, control_context);
      });
  if (!control->start()) control.reset();
  return control;
}

/// Leaving root: pid file, chroot, user. False (logged) when a step failed: ternd stops.
bool leave_root(const daemon::Config& config, const std::optional<daemon::RunAs>& run_as,
                daemon::CommandLine& command, daemon::SharedState& shared, daemon::ControlServer* control,
                daemon::RootKeyUpkeep* root_keys) {
  try {
    if (!config.pidfile.empty()) daemon::write_pidfile(config.pidfile);
    if (run_as) {
      // Owned by the user we become, so that it can remove them at exit; root reaches the
      // control socket whatever its owner (mode 0600 keeps everyone else out).
      if (control) daemon::hand_over(config.control_socket, *run_as);
      daemon::hand_over(config.pidfile, *run_as);
      if (!config.query_log.empty() && config.query_log != "stderr") daemon::hand_over(config.query_log, *run_as);
    }
    if (!config.chroot.empty()) {
      daemon::enter_chroot(config.chroot);
      // A reload reads the configuration (and a log reopen the query log) inside the chroot.
      command.config_path = daemon::path_inside_chroot(command.config_path, config.chroot);
      shared.query_log.retarget(daemon::path_inside_chroot(config.query_log, config.chroot));
      if (root_keys) root_keys->retarget(daemon::path_inside_chroot(config.trust_anchor_auto_file, config.chroot));
    }
    if (run_as) daemon::drop_to(*run_as);
    return true;
  } catch (const std::exception& e) {
    log::error("{}; stopping", e.what());
    if (control) control->stop();
    return false;
  }
}

void warn_about_setup(const daemon::Config& config, const std::string& user_warning) {
  if (!user_warning.empty()) log::warning("{}", user_warning);
  for (const auto& l : config.metrics_listen)
    if (!l.address.is_loopback())
      log::warning("metrics endpoint on {}, not a loopback address: it has no access control of its own",
                   daemon::format_listen_endpoint(l));
}

void start_serving(Workers& workers, daemon::MetricsServer* metrics, const daemon::Config& config) {
  for (auto& w : workers) w->start();
  if (metrics) metrics->start();
  log::warning("ternd started: {} worker(s), {} listen address(es), running as uid {}", workers.size(),
               config.listen.size(), ::geteuid());
  daemon::notify_ready("answering queries");
}

/// RFC 5011: asks for the root's DNSKEY set when due (on the first worker) and, when a key
/// changed state, gives every worker validation settings with the new root anchor.
void upkeep_root_keys(daemon::RootKeyUpkeep& root_keys, const daemon::Config& config, daemon::SharedState& shared,
                      Workers& workers) {
  if (!config.dnssec || workers.empty()) return;
  const auto now = static_cast<std::uint64_t>(daemon::unix_now());
  daemon::Worker& asker = *workers.front();
  const bool changed = root_keys.tick(now, [&asker] {
    return asker.refresh(dns::Question{dns::Name(), dns::rrtype::DNSKEY, dns::class_in});
  });
  if (!changed) return;
  daemon::ValidationBuild build = daemon::build_validation(config, root_keys.anchor());
  if (!build.error.empty()) {  // an anchor file changed on disk since the last reload
    log::error("trust-anchor-auto-file: the new root key stays unused until a reload: {}", build.error);
    return;
  }
  shared.validation = std::move(build.settings);
  for (auto& w : workers) w->set_validation(shared.validation);
}

/// Once a second without a signal: reclaims expired cache entries, returns freed heap pages to
/// the kernel, reports log lines the rate limit suppressed and keeps the RFC 5011 root anchor.
void housekeeping(daemon::SharedState& shared, Workers& workers, const daemon::Config& config,
                  daemon::RootKeyUpkeep* root_keys) {
  if (root_keys) upkeep_root_keys(*root_keys, config, shared, workers);
  shared.sweep();
#ifdef __GLIBC__
  // Hand the pages freed since the last second back to the kernel. glibc only returns the
  // top of a heap by itself; a burst of resolutions in flight (a flood of uncached names)
  // leaves free pages between live cache entries that RSS would keep for ever, growing at
  // each new peak (issue 8). Measured: 17-131 us a call with the caches of cache-size 1m.
  ::malloc_trim(0);
#endif
  log::report_suppressed();
}

/// Waits for signals: SIGHUP reloads, SIGTERM or SIGINT returns.
void signal_loop(const sigset_t& signals, const daemon::CommandLine& command, daemon::Config& config,
                 daemon::SharedState& shared, Workers& workers, bool detached, daemon::RootKeyUpkeep* root_keys) {
  const timespec sweep_interval{1, 0};
  if (root_keys) upkeep_root_keys(*root_keys, config, shared, workers);  // the first refresh at once
  while (true) {
    int sig = sigtimedwait(&signals, nullptr, &sweep_interval);
    if (sig < 0) {
      housekeeping(shared, workers, config, root_keys);
    } else if (sig == SIGHUP) {
      daemon::notify_reloading();
      reload(command, config, shared, workers, detached, root_keys);
      daemon::notify_ready("answering queries");
    } else {
      log::warning("signal {}: stopping", sig == SIGTERM ? "TERM" : "INT");
      return;
    }
  }
}

/// Stops taking work, lets the queries in flight finish (up to shutdown_drain), says what was done.
void drain(daemon::MetricsServer* metrics, daemon::ControlServer* control, Workers& workers,
           const daemon::Config& config) {
  daemon::notify_stopping();
  if (metrics) metrics->stop();
  if (control) control->stop();  // control socket: no command may run while workers stop
  for (auto& w : workers) w->stop(shutdown_drain);
  for (auto& w : workers) w->join();
  log_summary(workers);
  log::report_suppressed();
  if (!config.pidfile.empty()) ::unlink(daemon::path_inside_chroot(config.pidfile, config.chroot).c_str());
}

/// The daemon's life, step by step. Everything that needs root is opened before leaving root;
/// the threads start after.
int run(daemon::CommandLine& command) {
  daemon::Config config = load_configuration(command);
  apply_verbosity(config.verbosity);
  daemon::StartupPlan plan = daemon::check_startup(config);  // what --check-config checks
  const std::optional<daemon::RunAs>& run_as = plan.run_as;
  const sigset_t signals = block_signals();
  std::unique_ptr<daemon::SharedState> shared = make_shared_state(config, std::move(plan.hints));
  shared->validation = plan.validation;  // before the workers: each starts with it
  Workers workers = bind_workers(*shared, config);
  daemon::ControlContext control_context = daemon::make_control_context(*shared, workers);
  control_context.reopen_logs = [&shared] { return shared->query_log.reopen(); };
  std::unique_ptr<daemon::MetricsServer> metrics = bind_metrics(config, control_context);
  open_query_log(*shared, config);
  const bool detached = !command.foreground;
  if (detached) daemonize();
  apply_log_settings(config, detached);
  std::unique_ptr<daemon::ControlServer> control = start_control_socket(config, control_context);
  if (!leave_root(config, run_as, command, *shared, control.get(), plan.root_keys.get())) return 1;
  warn_about_setup(config, plan.user_warning);
  start_serving(workers, metrics.get(), config);
  signal_loop(signals, command, config, *shared, workers, detached, plan.root_keys.get());
  drain(metrics.get(), control.get(), workers, config);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  daemon::CommandLine command = daemon::parse_command_line(argc, argv);  // its path may change at chroot
  if (command.exit_code) return *command.exit_code;
  const daemon::StartupCheck startup_check = [](const daemon::Config& config) {
    return daemon::check_startup(config).user_warning;
  };
  if (auto code = daemon::run_config_only_modes(command, std::cout, std::cerr, startup_check)) return *code;
  try {
    return run(command);
  } catch (const daemon::StartupFailure& failure) {  // before detaching: the user sees why
    std::cerr << failure.what() << "\n";
    return failure.exit_code;
  }
}
