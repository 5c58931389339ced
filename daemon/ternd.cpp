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
#include "daemon/control/status_server.hpp"
#include "daemon/process/privileges.hpp"
#include "daemon/process/root_key_upkeep.hpp"
#include "daemon/process/reload_waiters.hpp"
#include "daemon/process/service_notify.hpp"
#include "daemon/process/saved_cache.hpp"
#include "daemon/process/startup_checks.hpp"
#include "daemon/process/validation_setup.hpp"
#include "daemon/process/worker.hpp"
#include "resolver/dns/types.hpp"
#include "resolver/log.hpp"
#include "resolver/root_hints.hpp"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <functional>
#include <future>
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

void apply_verbosity(int verbosity) { log::threshold = static_cast<int>(log::level_for_verbosity(verbosity)); }

/// Worker threads for `threads: auto`.
unsigned cores() { return std::max(1u, std::thread::hardware_concurrency()); }

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

/// Reads the configuration again and applies what a reload can change. The outcome, for
/// `ternctl reload`: status 0 and a summary, or status 1 and "FILE:LINE: message" (nothing
/// changed then, but the query log, which SIGHUP also reopens for logrotate). A bad trust
/// anchor file rejects the reload like a bad setting.
daemon::ControlReply reload(const daemon::CommandLine& command, daemon::Config& running,
                            daemon::SharedState& shared, std::vector<std::unique_ptr<daemon::Worker>>& workers,
                            bool detached, const daemon::RootKeyUpkeep* root_keys) {
  daemon::Config fresh;
  daemon::ValidationBuild validation;
  try {
    fresh = daemon::resolve_automatic(daemon::config_from_command_line(command), cores());
  } catch (const daemon::ConfigError& e) {
    validation.error = daemon::format_config_error(e);
  }
  if (validation.error.empty())
    validation = daemon::build_validation(daemon::keep_restart_settings(running, fresh), managed_root(root_keys));
  if (!validation.error.empty()) {
    const std::string& error = validation.error;
    log::error("reload rejected, keeping the running configuration: {}", error);
    // SIGHUP is also logrotate's "reopen your files": the query log is reopened regardless.
    if (std::string reopen = shared.query_log.reopen(); !reopen.empty()) log::error("{}", reopen);
    return {daemon::ControlStatus::failed, error + "\nreload rejected: ternd keeps the running configuration\n"};
  }
  std::string summary;
  const auto restart_only = daemon::restart_settings_changed(running, fresh);
  for (std::string_view name : restart_only) {
    log::warning("reload: {} changed: takes effect at restart", name);
    summary += std::string(name) + " changed: takes effect at restart\n";
  }
  fresh = daemon::keep_restart_settings(running, std::move(fresh));
  const auto applied = daemon::settings_changed(running, fresh);
  shared.validation = std::move(validation.settings);
  // The configuration keeps the path as written (what the next reload compares with); inside
  // a chroot the file is opened at its place there.
  if (std::string error = shared.query_log.configure(daemon::path_inside_chroot(fresh.query_log, running.chroot));
      !error.empty()) {
    log::error("reload: {}; the query log stays as it was", error);
    summary += error + "; the query log stays as it was\n";
  }
  shared.reconfigure(fresh);
  for (auto& w : workers) w->reconfigure(fresh);
  // A policy zone that does not load keeps its contents: logged, not a rejected reload.
  if (std::string problems = shared.rpz.configure(fresh.rpz); !problems.empty())
    log::error("reload: rpz: {}", problems);
  apply_verbosity(fresh.verbosity);
  apply_log_settings(fresh, detached);
  running = std::move(fresh);
  std::string names;
  for (std::string_view name : applied) names += (names.empty() ? "" : ", ") + std::string(name);
  log::notice("configuration reloaded{}{}", names.empty() ? "" : ": changed ", names);
  const std::string file = command.config_path.empty() ? std::string("(defaults)") : command.config_path;
  return {daemon::ControlStatus::ok, "configuration reloaded from " + file + ": " +
                                         (names.empty() ? std::string("no reloadable setting changed") : "changed " + names) +
                                         "\n" + summary};
}

void log_summary(const std::vector<std::unique_ptr<daemon::Worker>>& workers) {
  std::uint64_t queries = 0, hits = 0, misses = 0, upstream = 0;
  for (const auto& w : workers) {
    queries += w->stats().queries_udp + w->stats().queries_tcp + w->stats().queries_tls + w->stats().queries_https;
    hits += w->stats().cache_hits;
    misses += w->stats().cache_misses;
    upstream += w->resolver_stats().upstream_queries;
  }
  log::notice("stopped: {} queries, {} cache hits, {} misses, {} upstream queries", queries, hits, misses, upstream);
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
  } catch (const std::runtime_error& e) {  // fstrm refused the dnstap setup
    throw daemon::StartupFailure(1, std::string("ternd: ") + e.what());
  }
  shared->reconfigure(config);
  return shared;
}

/// One worker per thread, each binding every listen address (SO_REUSEPORT). The first claims
/// each address (port_claim.hpp): an address another process serves stops the start here.
Workers bind_workers(daemon::SharedState& shared, const daemon::Config& config) {
  const unsigned threads = config.threads;  // resolved: resolve_automatic
  Workers workers;
  try {
    for (unsigned i = 0; i < threads; ++i) workers.push_back(std::make_unique<daemon::Worker>(i, shared, config));
  } catch (const daemon::ListenError& e) {
    std::string why = e.code().value() == EADDRINUSE
                          ? "another process already serves it (another ternd?); not starting a second one"
                          : e.code().message();
    throw daemon::StartupFailure(1, "ternd: cannot listen on " + e.where() + ": " + why);
  } catch (const std::system_error& e) {
    throw daemon::StartupFailure(1, std::string("ternd: cannot set up the listeners: ") + e.what());
  }
  return workers;
}

/// The response policy zones: every new set goes to every worker (with NOTIFY routed to the
/// manager); the files load now, and one that does not stops the start with FILE:LINE.
void load_policy_zones(daemon::SharedState& shared, Workers& workers, const daemon::Config& config) {
  shared.rpz.set_publish([&shared, &workers](std::shared_ptr<const daemon::rpz::PolicySet> set) {
    daemon::QueryHandler::RpzNotify notify;
    if (set) notify = [&shared](const dns::Name& zone, const asio::ip::address& from) { return shared.rpz.notify(zone, from); };
    for (auto& w : workers) w->set_rpz(set, notify);
  });
  if (std::string problems = shared.rpz.configure(config.rpz); !problems.empty())
    throw daemon::StartupFailure(1, "ternd: rpz " + problems);
}

/// A control socket that accepts is another ternd's (or this configuration's daemon, already
/// running): starting would take its ternctl channel, so ternd refuses, before binding anything.
void refuse_live_control_socket(const daemon::Config& config) {
  if (!config.control_socket.empty() && daemon::control_socket_answers(config.control_socket))
    throw daemon::StartupFailure(1, "ternd: control socket " + config.control_socket +
                                        ": a process already accepts on it (another ternd?); not starting a second one");
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

/// The status page (http-listen): bound now like the metrics endpoint, served once running.
std::unique_ptr<daemon::StatusServer> bind_status_page(const daemon::Config& config,
                                                       daemon::ControlContext& control_context) {
  if (config.http_listen.empty()) return nullptr;
  try {
    return std::make_unique<daemon::StatusServer>(config.http_listen, config.http_access_control, control_context);
  } catch (const std::system_error& e) {
    std::string where;
    for (const auto& l : config.http_listen) where += " " + daemon::format_listen_endpoint(l);
    throw daemon::StartupFailure(1, "ternd: cannot listen for the status page (http-listen) on" + where + ": " + e.what());
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
      config.control_socket,
      [&control_context](const std::vector<std::string>& words, const daemon::ControlPeer& peer) {
        return daemon::execute_control(words, control_context, peer);
      });
  if (!control->start()) control.reset();
  return control;
}

/// What `ternctl status` says about this process besides counters.
daemon::ProcessFacts process_facts(const daemon::CommandLine& command, const daemon::Config& config,
                                   std::size_t workers) {
  daemon::ProcessFacts facts;
  facts.config_file = command.config_path;
  facts.threads = static_cast<unsigned>(workers);
  for (const auto& l : config.listen) facts.listeners.push_back(daemon::format_listen_endpoint(l) + " UDP TCP");
  for (const auto& l : config.tls_listen) facts.listeners.push_back(daemon::format_listen_endpoint(l) + " DoT");
  for (const auto& l : config.https_listen) facts.listeners.push_back(daemon::format_listen_endpoint(l) + " DoH");
  for (const auto& l : config.metrics_listen) facts.listeners.push_back(daemon::format_listen_endpoint(l) + " metrics");
  for (const auto& l : config.http_listen) facts.listeners.push_back(daemon::format_listen_endpoint(l) + " status-page");
  if (!config.control_socket.empty()) facts.listeners.push_back(config.control_socket + " control");
  facts.cache_size = config.cache_size;
  return facts;
}

/// `ternctl reload`: raises SIGHUP and waits for the main thread to say how that reload went.
std::function<daemon::ControlReply()> reload_and_wait(daemon::ReloadWaiters& waiters) {
  return [&waiters] {
    std::future<daemon::ControlReply> outcome = waiters.add();
    ::kill(::getpid(), SIGHUP);
    // A reload reads a file and maybe a certificate: seconds at worst. The bound only keeps
    // a wedged main thread from holding ternctl for ever.
    if (outcome.wait_for(std::chrono::seconds(60)) != std::future_status::ready)
      return daemon::ControlReply{daemon::ControlStatus::failed, "no outcome of the reload within 60 s\n"};
    return outcome.get();
  };
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
  log::notice("ternd started: {} worker(s), {} listen address(es), running as uid {}", workers.size(),
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

/// Who sent a signal, for the log: "SIGTERM from pid 1 (uid 0)".
std::string signal_origin(const siginfo_t& info) {
  const char* name = info.si_signo == SIGTERM ? "SIGTERM" : info.si_signo == SIGINT ? "SIGINT" : "SIGHUP";
  if (info.si_code != SI_USER && info.si_code != SI_QUEUE) return name;  // from the terminal, say
  if (info.si_pid == ::getpid()) return std::string(name) + " from ternctl";  // the control thread raised it
  return std::string(name) + " from pid " + std::to_string(info.si_pid) + " (uid " + std::to_string(info.si_uid) + ")";
}

/// Waits for signals: SIGHUP reloads (answering the `ternctl reload` waiters), SIGTERM or
/// SIGINT returns.
void signal_loop(const sigset_t& signals, const daemon::CommandLine& command, daemon::Config& config,
                 daemon::SharedState& shared, Workers& workers, bool detached, daemon::ReloadWaiters& waiters,
                 daemon::RootKeyUpkeep* root_keys) {
  const timespec sweep_interval{1, 0};
  if (root_keys) upkeep_root_keys(*root_keys, config, shared, workers);  // the first refresh at once
  while (true) {
    siginfo_t info{};
    int sig = sigtimedwait(&signals, &info, &sweep_interval);
    if (sig < 0) {
      housekeeping(shared, workers, config, root_keys);
    } else if (sig == SIGHUP) {
      auto waiting = waiters.take();  // before the file is read: they asked before this read
      daemon::notify_reloading();
      const daemon::ControlReply outcome = reload(command, config, shared, workers, detached, root_keys);
      daemon::notify_ready("answering queries");
      for (auto& waiter : waiting) waiter.set_value(outcome);
    } else {
      log::notice("{}: stopping", signal_origin(info));
      return;
    }
  }
}

/// Stops taking work, lets the queries in flight finish (up to shutdown_drain), says what was done.
void drain(daemon::MetricsServer* metrics, daemon::ControlServer* control, Workers& workers,
           daemon::SharedState& shared, const daemon::Config& config) {
  daemon::notify_stopping();
  if (metrics) metrics->stop();
  if (control) control->stop();  // control socket: no command may run while workers stop
  for (auto& w : workers) w->stop(shutdown_drain);
  for (auto& w : workers) w->join();
  daemon::save_cache_at_stop(shared.answers, config);  // the workers are stopped: the final cache
  log_summary(workers);
  log::report_suppressed();
  if (!config.pidfile.empty()) ::unlink(daemon::path_inside_chroot(config.pidfile, config.chroot).c_str());
}

/// The daemon's life, step by step. Everything that needs root is opened before leaving root;
/// the threads start after.
int run(daemon::CommandLine& command) {
  log::use_stderr();  // journal or not, from the first line on (apply_log_settings decides again)
  // Automatic values resolved: what runs is what a reload compares with.
  daemon::Config config = daemon::resolve_automatic(load_configuration(command), cores());
  apply_verbosity(config.verbosity);
  daemon::StartupPlan plan = daemon::check_startup(config);  // what --check-config checks
  const std::optional<daemon::RunAs>& run_as = plan.run_as;
  refuse_live_control_socket(config);
  const sigset_t signals = block_signals();
  std::unique_ptr<daemon::SharedState> shared = make_shared_state(config, std::move(plan.hints));
  shared->validation = plan.validation;  // before the workers: each starts with it
  daemon::load_saved_cache(shared->answers, config);  // before any query: hits from the start
  Workers workers = bind_workers(*shared, config);
  load_policy_zones(*shared, workers, config);
  daemon::ControlContext control_context = daemon::make_control_context(*shared, workers);
  control_context.reopen_logs = [&shared] { return shared->query_log.reopen(); };
  control_context.facts = process_facts(command, config, workers.size());
  daemon::ReloadWaiters reload_waiters;
  control_context.reload = reload_and_wait(reload_waiters);
  control_context.rpz_status = [&shared] { return shared->rpz.status(); };
  control_context.rpz_reload = [&shared] { return shared->rpz.reload(); };
  std::unique_ptr<daemon::MetricsServer> metrics = bind_metrics(config, control_context);
  std::unique_ptr<daemon::StatusServer> status_page = bind_status_page(config, control_context);
  open_query_log(*shared, config);
  const bool detached = !command.foreground;
  if (detached) daemonize();
  apply_log_settings(config, detached);
  std::unique_ptr<daemon::ControlServer> control = start_control_socket(config, control_context);
  if (!leave_root(config, run_as, command, *shared, control.get(), plan.root_keys.get())) {
    log::notice("stopped: start-up did not complete");
    return 1;
  }
  warn_about_setup(config, plan.user_warning);
  start_serving(workers, metrics.get(), config);
  shared->rpz.start_transfers();  // threads: after the fork and the change of user
  if (status_page) status_page->start();
  signal_loop(signals, command, config, *shared, workers, detached, reload_waiters, plan.root_keys.get());
  // A `ternctl reload` that raised SIGHUP after the stop began gets an answer, not silence
  // (and the control thread is free to stop).
  reload_waiters.answer_all({daemon::ControlStatus::failed, "ternd is stopping: the configuration was not reloaded\n"});
  if (status_page) status_page->stop();  // it reads the workers' counters: before they stop
  drain(metrics.get(), control.get(), workers, *shared, config);
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
