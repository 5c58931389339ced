// ternd: the process. Command line and configuration, root hints, shared caches, one worker
// per thread, then signals: SIGHUP reloads, SIGTERM/SIGINT stop after draining. Everything
// that needs root (ports, control socket, metrics port, query log, pid file) is opened before
// ternd changes root and user; the threads start after.
#include "daemon/config/command_line.hpp"
#include "daemon/config/config_loader.hpp"
#include "daemon/config/config_values.hpp"
#include "daemon/control/control_commands.hpp"  // control socket
#include "daemon/control/control_server.hpp"    // control socket
#include "daemon/control/metrics.hpp"
#include "daemon/control/metrics_server.hpp"
#include "daemon/process/privileges.hpp"
#include "daemon/process/service_notify.hpp"
#include "daemon/process/worker.hpp"
#include "resolver/log.hpp"
#include "resolver/root_hints.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>
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

resolver::RootHints load_hints(const daemon::Config& config) {
  return config.root_hints.empty() ? resolver::builtin_root_hints()
                                   : resolver::load_root_hints(config.root_hints);
}

void reload(const daemon::CommandLine& command, daemon::Config& running, daemon::SharedState& shared,
            std::vector<std::unique_ptr<daemon::Worker>>& workers, bool detached) {
  daemon::Config fresh;
  try {
    fresh = daemon::config_from_command_line(command);
  } catch (const daemon::ConfigError& e) {
    log::error("reload rejected, keeping the running configuration: {}", daemon::format_config_error(e));
    // SIGHUP is also logrotate's "reopen your files": the query log is reopened regardless.
    if (std::string error = shared.query_log.reopen(); !error.empty()) log::error("{}", error);
    return;
  }
  if (fresh.listen != running.listen || fresh.threads != running.threads ||
      fresh.root_hints != running.root_hints || fresh.cache_size != running.cache_size ||
      fresh.control_socket != running.control_socket || fresh.outgoing_address != running.outgoing_address ||
      fresh.tls_listen != running.tls_listen || fresh.udp_batch_size != running.udp_batch_size ||
      fresh.so_rcvbuf != running.so_rcvbuf || fresh.so_sndbuf != running.so_sndbuf)
    log::warning("reload: listen, tls-listen, threads, udp-batch-size, so-rcvbuf, so-sndbuf, root-hints, "
                 "cache-size, outgoing-address and control-socket take effect at restart only");
  if (fresh.username != running.username || fresh.chroot != running.chroot || fresh.pidfile != running.pidfile ||
      fresh.metrics_listen != running.metrics_listen)
    log::warning("reload: username, chroot, pidfile and metrics-listen take effect at restart only");
  // What is in effect for those stays what it was: the exit removes the pid file written at
  // start, paths are mapped into the chroot entered at start.
  fresh.username = running.username;
  fresh.chroot = running.chroot;
  fresh.pidfile = running.pidfile;
  fresh.metrics_listen = running.metrics_listen;
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

}  // namespace

int main(int argc, char** argv) {
  daemon::CommandLine command = daemon::parse_command_line(argc, argv);  // its path may change at chroot
  if (command.exit_code) return *command.exit_code;
  if (auto code = daemon::run_config_only_modes(command)) return *code;
  daemon::Config config;
  try {
    config = daemon::config_from_command_line(command);
  } catch (const daemon::ConfigError& e) {
    std::cerr << daemon::format_config_error(e) << "\n";
    return 2;
  }
  apply_verbosity(config.verbosity);
  resolver::RootHints hints;
  try {
    hints = load_hints(config);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  // Whom to become, decided before anything is bound: a missing user stops the start at once.
  std::optional<daemon::RunAs> run_as;
  std::string user_warning;
  try {
    run_as = daemon::plan_user(config.username, user_warning);
  } catch (const std::exception& e) {
    std::cerr << "ternd: " << e.what() << "\n";
    return 1;
  }

  // Signals are taken by sigwait in this thread only: block them before any thread exists.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<daemon::SharedState> shared_state;
  try {
    shared_state = std::make_unique<daemon::SharedState>(config, std::move(hints));
  } catch (const daemon::TlsSetupError& e) {  // e.g. a world-readable key: refuse to start
    std::cerr << "ternd: " << e.what() << "\n";
    return 2;
  }
  daemon::SharedState& shared = *shared_state;
  shared.reconfigure(config);
  unsigned threads = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::unique_ptr<daemon::Worker>> workers;
  try {
    for (unsigned i = 0; i < threads; ++i) workers.push_back(std::make_unique<daemon::Worker>(i, shared, config));
  } catch (const std::system_error& e) {
    std::string where;
    for (const auto& l : config.listen) where += " " + l.address.to_string() + "@" + std::to_string(l.port);
    std::cerr << "ternd: cannot listen on" << where << ": " << e.what() << "\n";
    return 1;
  }
  daemon::ControlContext control_context = daemon::make_control_context(shared, workers);
  control_context.reopen_logs = [&shared] { return shared.query_log.reopen(); };
  // ---- metrics endpoint: bound now (a port below 1024 needs root), served once running ----
  std::unique_ptr<daemon::MetricsServer> metrics;
  if (!config.metrics_listen.empty()) {
    try {
      metrics = std::make_unique<daemon::MetricsServer>(
          config.metrics_listen, [&control_context] { return daemon::render_metrics(control_context); });
    } catch (const std::system_error& e) {
      std::string where;
      for (const auto& l : config.metrics_listen) where += " " + daemon::format_listen_endpoint(l);
      std::cerr << "ternd: cannot listen for metrics on" << where << ": " << e.what() << "\n";
      return 1;
    }
  }
  if (std::string error = shared.query_log.configure(config.query_log); !error.empty()) {
    std::cerr << "ternd: " << error << "\n";
    return 1;
  }
  const bool detached = !command.foreground;
  if (detached) daemonize();
  apply_log_settings(config, detached);

  // ---- control socket (ternctl): started before the workers, stopped before them ----
  // A socket that cannot be set up is logged and the daemon runs on without it.
  std::unique_ptr<daemon::ControlServer> control;
  if (!config.control_socket.empty()) {
    control = std::make_unique<daemon::ControlServer>(
        config.control_socket, [&control_context](const std::vector<std::string>& words) {
          return daemon::execute_control(words, control_context);
        });
    if (!control->start()) control.reset();
  }
  // ---- end of control socket ----

  // ---- leaving root: pid file, chroot, user ----
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
    }
    if (run_as) daemon::drop_to(*run_as);
  } catch (const std::exception& e) {
    log::error("{}; stopping", e.what());
    if (control) control->stop();
    return 1;
  }
  if (!user_warning.empty()) log::warning("{}", user_warning);
  for (const auto& l : config.metrics_listen)
    if (!l.address.is_loopback())
      log::warning("metrics endpoint on {}, not a loopback address: it has no access control of its own",
                   daemon::format_listen_endpoint(l));

  for (auto& w : workers) w->start();
  if (metrics) metrics->start();
  log::warning("ternd started: {} worker(s), {} listen address(es), running as uid {}", threads,
               config.listen.size(), ::geteuid());
  daemon::notify_ready("answering queries");

  // The main thread waits for signals and, once a second, reclaims expired cache entries,
  // returns freed heap pages to the kernel and reports log lines the rate limit suppressed.
  const timespec sweep_interval{1, 0};
  while (true) {
    int sig = sigtimedwait(&signals, nullptr, &sweep_interval);
    if (sig < 0) {
      shared.sweep();
#ifdef __GLIBC__
      // Hand the pages freed since the last second back to the kernel. glibc only returns the
      // top of a heap by itself; a burst of resolutions in flight (a flood of uncached names)
      // leaves free pages between live cache entries that RSS would keep for ever, growing at
      // each new peak (issue 8). Measured: 17-131 us a call with the caches of cache-size 1m.
      ::malloc_trim(0);
#endif
      log::report_suppressed();
      continue;
    }
    if (sig == SIGHUP) {
      daemon::notify_reloading();
      reload(command, config, shared, workers, detached);
      daemon::notify_ready("answering queries");
      continue;
    }
    log::warning("signal {}: stopping", sig == SIGTERM ? "TERM" : "INT");
    break;
  }
  daemon::notify_stopping();
  if (metrics) metrics->stop();
  if (control) control->stop();  // control socket: no command may run while workers stop
  for (auto& w : workers) w->stop(shutdown_drain);
  for (auto& w : workers) w->join();
  log_summary(workers);
  log::report_suppressed();
  if (!config.pidfile.empty()) ::unlink(daemon::path_inside_chroot(config.pidfile, config.chroot).c_str());
  return 0;
}
