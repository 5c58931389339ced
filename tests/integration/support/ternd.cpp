#include "support/ternd.hpp"

#include "support/dns_wire.hpp"
#include "support/failures.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"

#include <cstdlib>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tern::itest {

namespace {
using namespace std::chrono_literals;

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}
}  // namespace

std::uint16_t allocate_port() {
  // Stay below the ephemeral range (32768+). $TERN_ITEST_PORT_BASE gives each shard of the suite
  // running at the same time (tests/integration/meson.build) 5000 ports of its own; without it,
  // start somewhere that depends on the pid, so that two binaries started by hand rarely probe
  // the same ports.
  static const char* const shard_base = std::getenv("TERN_ITEST_PORT_BASE");
  static const bool sharded = shard_base != nullptr && *shard_base != '\0';
  static const unsigned base = sharded ? static_cast<unsigned>(std::strtoul(shard_base, nullptr, 10)) : 15000;
  static const unsigned span = sharded ? 5000 : 15000;
  static unsigned next = sharded ? 0 : static_cast<unsigned>(getpid() % 500) * 20;
  for (unsigned tries = 0; tries < 2000; ++tries) {
    auto port = static_cast<std::uint16_t>(base + next++ % span);
    if (port_is_free(port)) return port;
  }
  throw std::runtime_error("no free port found from " + std::to_string(base));
}

std::string Ternd::base_config(std::uint16_t port, bool use_lab, const std::string& username) {
  std::string config = "# written by the integration tests\n"
                       "listen: [\"127.0.0.1@" + std::to_string(port) + "\"]\n"
                       "username: \"" + username + "\"\n";
  if (use_lab) {
    // Validation is on by default: the lab's root is signed with its own key, not IANA's.
    config += "root-hints: " + Lab::get().hints() + "\n"
              "trust-anchor-file: [\"" + Lab::get().trust_anchor() + "\"]\n"
              "query-loopback: yes\n"
              "do-ip6: no\n";
  }
  return config;
}

Ternd::Ternd(TerndOptions options) : use_lab_(options.use_lab), username_(options.username) {
  if (use_lab_) Lab::get();  // the lab first: its start must not eat ternd's start bound
  dir_ = make_temp_dir("ternd");
  config_path_ = dir_ + "/ternd.yaml";
  log_path_ = dir_ + "/ternd.log";
  port_ = allocate_port();
  rewrite_config(options.extra_config);
  ProcessOptions p;
  p.args = options.command_prefix;
  p.args.insert(p.args.end(), {ternd_path(), "-c", config_path_, "-d"});
  p.args.insert(p.args.end(), options.extra_args.begin(), options.extra_args.end());
  p.log_path = log_path_;
  p.extra_env = options.extra_env;
  process_ = std::make_unique<Process>(p);
  try {
    wait_ready(options);
  } catch (...) {
    process_->stop(2s);
    throw;
  }
}

void Ternd::rewrite_config(const std::string& extra_config) {
  // A control socket of its own unless the test names one: the default /run/tern/ternd.ctl is
  // shared with every other ternd on the machine (the other shard's, a lab's), so a ternctl
  // there could reach the wrong daemon.
  const bool names_socket = extra_config.find("control-socket:") != std::string::npos;
  write_text(config_path_, base_config(port_, use_lab_, username_) +
                               (names_socket ? "" : "control-socket: " + dir_ + "/ternd.ctl\n") + extra_config);
}

void Ternd::write_raw_config(const std::string& text) { write_text(config_path_, text); }

void Ternd::wait_ready(const TerndOptions& options) {
  auto deadline = std::chrono::steady_clock::now() + options.start_bound;
  std::uint16_t id = 1;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto status = process_->poll()) {
      throw std::runtime_error("ternd exited during start-up (" + status->describe() + "); log:\n" +
                               tail_file(log_path_, 40));
    }
    if (options.ready == TerndOptions::Ready::log) {
      if (log().find("ternd started") != std::string::npos) return;
      std::this_thread::sleep_for(20ms);
      continue;
    }
    QueryOptions q;
    q.id = id++;
    q.rd = false;  // answered REFUSED at once: no resolution needed to see that ternd is up
    if (auto answer = udp_exchange(port_, make_query(".", rrtype::SOA, q), 200ms)) {
      if (auto r = parse_response(*answer, true); r && r->id == q.id) return;
    }
    std::this_thread::sleep_for(20ms);
  }
  throw std::runtime_error("ternd on port " + std::to_string(port_) + " did not answer within " +
                           std::to_string(options.start_bound.count()) + " ms; log:\n" +
                           tail_file(log_path_, 40));
}

ExitStatus Ternd::stop(std::chrono::milliseconds grace) { return process_->stop(grace); }

std::string sanitizer_report(const std::string& log) {
  std::string found;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("AddressSanitizer") != std::string::npos || line.find("LeakSanitizer") != std::string::npos ||
        line.find("runtime error:") != std::string::npos || line.find("ThreadSanitizer") != std::string::npos)
      found += line + "\n";
  }
  return found;
}

Ternd::~Ternd() {
  bool unwinding = std::uncaught_exceptions() > 0;
  if (process_) {
    // Every ternd must stop cleanly: exit 0 within 5 s of SIGTERM, nothing from a sanitizer.
    ExitStatus status = process_->stop(5s);
    std::string sanitizer = sanitizer_report(log());
    if (!unwinding && (!status.exited || status.code != 0 || !sanitizer.empty())) {
      FAIL_CHECK("ternd (port " << port_ << ") ended with " << status.describe()
                                << (sanitizer.empty() ? "" : "; sanitizer:\n" + sanitizer));
    }
  }
  bool keep = keep_current_artifacts() || unwinding;
  if (current_test_failed() || unwinding) {
    std::cerr << "---- ternd log (port " << port_ << (keep ? ", kept in " + dir_ : std::string()) << ") ----\n"
              << tail_file(log_path_, 60) << "---- end of ternd log ----\n";
  }
  std::error_code ec;
  if (!keep && !dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

}  // namespace tern::itest
