// One ternd for one test: a config in a fresh temp dir, 127.0.0.1 on a port nobody uses, the
// lab's root hints; waits (bounded) until it answers; stopped by pid at scope exit. When the
// test failed, its log is printed and its directory kept.
#pragma once

#include "support/process.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tern::itest {

struct TerndOptions {
  /// YAML lines appended to the generated config (listen/root-hints/... come first).
  std::string extra_config;
  /// false: no lab settings (root-hints, query-loopback); the lab is then not started.
  bool use_lab = true;
  /// Readiness: probe (an RD=0 query must get any answer) or the "ternd started" log line
  /// (for configs under which ternd never answers 127.0.0.1, e.g. deny).
  enum class Ready { probe, log } ready = Ready::probe;
  std::vector<std::string> extra_args{};
  /// A program (and its arguments) that execs ternd, e.g. setpriv to take capabilities away;
  /// it must exec in place so that the pid stays ternd's.
  std::vector<std::string> command_prefix{};
  std::chrono::milliseconds start_bound{20000};
  /// "KEY=VALUE" added to ternd's environment (NOTIFY_SOCKET for the sd_notify test).
  std::vector<std::string> extra_env{};
  /// The username setting. "" by default: the test's files are root's (mode 0700 temp dirs)
  /// and a ternd that dropped to "tern" could not re-read them on reload; the privilege-drop
  /// tests set it.
  std::string username{};
};

/// The lines of a log that a sanitizer (ASan, LSan, UBSan "runtime error:") wrote; "" if none.
std::string sanitizer_report(const std::string& log);

/// A free port on 127.0.0.1 (UDP and TCP), different for every call in this process.
std::uint16_t allocate_port();

class Ternd {
 public:
  explicit Ternd(TerndOptions options = {});
  ~Ternd();
  Ternd(const Ternd&) = delete;
  Ternd& operator=(const Ternd&) = delete;

  std::uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_; }
  const std::string& config_path() const { return config_path_; }
  const std::string& log_path() const { return log_path_; }
  std::string log() const { return read_file(log_path_); }
  Process& process() { return *process_; }
  bool running() { return !process_->poll(); }
  /// Rewrites the config file (the generated head + `extra_config`), e.g. before a SIGHUP.
  void rewrite_config(const std::string& extra_config);
  /// Writes `text` verbatim as the config file.
  void write_raw_config(const std::string& text);
  /// SIGTERM and wait (SIGKILL after `grace`).
  ExitStatus stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

  /// The config head every test ternd gets: listen, and with the lab the lab settings.
  static std::string base_config(std::uint16_t port, bool use_lab, const std::string& username = "");

 private:
  void wait_ready(const TerndOptions& options);
  std::uint16_t port_ = 0;
  bool use_lab_ = true;
  std::string username_;
  std::string dir_, config_path_, log_path_;
  std::unique_ptr<Process> process_;
};

}  // namespace tern::itest
