// ternd: the process. Command line and configuration, root hints, shared caches, one worker
// per thread, then signals: SIGHUP reloads, SIGTERM/SIGINT stop after draining.
#include "daemon/command_line.hpp"
#include "daemon/config_loader.hpp"
#include "daemon/control_commands.hpp"  // control socket
#include "daemon/control_server.hpp"    // control socket
#include "daemon/worker.hpp"
#include "resolver/log.hpp"
#include "resolver/root_hints.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <memory>
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
  log::use_syslog();
}

resolver::RootHints load_hints(const daemon::Config& config) {
  return config.root_hints.empty() ? resolver::builtin_root_hints()
                                   : resolver::load_root_hints(config.root_hints);
}

void reload(const daemon::CommandLine& command, daemon::Config& running, daemon::SharedState& shared,
            std::vector<std::unique_ptr<daemon::Worker>>& workers) {
  daemon::Config fresh;
  try {
    fresh = daemon::config_from_command_line(command);
  } catch (const daemon::ConfigError& e) {
    log::error("reload rejected, keeping the running configuration: {}", daemon::format_config_error(e));
    return;
  }
  if (fresh.listen != running.listen || fresh.threads != running.threads ||
      fresh.root_hints != running.root_hints || fresh.cache_size != running.cache_size ||
      fresh.control_socket != running.control_socket || fresh.outgoing_address != running.outgoing_address ||
      fresh.tls_listen != running.tls_listen)
    log::warning("reload: listen, tls-listen, threads, root-hints, cache-size, outgoing-address and "
                 "control-socket take effect at restart only");
  shared.reconfigure(fresh);
  for (auto& w : workers) w->reconfigure(fresh);
  apply_verbosity(fresh.verbosity);
  running = std::move(fresh);
  log::warning("configuration reloaded");
}

void log_summary(const std::vector<std::unique_ptr<daemon::Worker>>& workers) {
  std::uint64_t queries = 0, hits = 0, misses = 0, upstream = 0;
  for (const auto& w : workers) {
    queries += w->stats().queries_udp + w->stats().queries_tcp;
    hits += w->stats().cache_hits;
    misses += w->stats().cache_misses;
    upstream += w->resolver_stats().upstream_queries;
  }
  log::info("stopped: {} queries, {} cache hits, {} misses, {} upstream queries", queries, hits, misses, upstream);
}

}  // namespace

int main(int argc, char** argv) {
  daemon::CommandLine command = daemon::parse_command_line(argc, argv);
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
  if (!command.foreground) daemonize();
  for (auto& w : workers) w->start();
  log::warning("ternd started: {} worker(s), {} listen address(es)", threads, config.listen.size());

  // ---- control socket (ternctl): started after the workers, stopped before them ----
  // A socket that cannot be set up is logged and the daemon runs on without it.
  daemon::ControlContext control_context = daemon::make_control_context(shared, workers);
  std::unique_ptr<daemon::ControlServer> control;
  if (!config.control_socket.empty()) {
    control = std::make_unique<daemon::ControlServer>(
        config.control_socket, [&control_context](const std::vector<std::string>& words) {
          return daemon::execute_control(words, control_context);
        });
    if (!control->start()) control.reset();
  }
  // ---- end of control socket ----

  // The main thread waits for signals and, once a second, reclaims expired cache entries.
  const timespec sweep_interval{1, 0};
  while (true) {
    int sig = sigtimedwait(&signals, nullptr, &sweep_interval);
    if (sig < 0) {
      shared.sweep();
      continue;
    }
    if (sig == SIGHUP) {
      reload(command, config, shared, workers);
      continue;
    }
    log::warning("signal {}: stopping", sig == SIGTERM ? "TERM" : "INT");
    break;
  }
  if (control) control->stop();  // control socket: no command may run while workers stop
  for (auto& w : workers) w->stop(shutdown_drain);
  for (auto& w : workers) w->join();
  log_summary(workers);
  return 0;
}
