#include "support/lab.hpp"

#include "support/emergency.hpp"
#include "support/failures.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>

namespace tern::itest {

namespace {

using namespace std::chrono_literals;

std::unique_ptr<Lab> the_lab;
std::optional<std::string> start_error;  // a failed start is not retried by every test
std::string started_dir;                  // LAB_DIR of the started lab, "" when none

std::string lab_script() { return source_root() + "/zones/lab.sh"; }

std::vector<std::string> lab_env(const std::string& net, const std::string& dir) {
  return {"LAB_NET=" + net, "LAB_DIR=" + dir, "LAB_WAIT=15"};
}

/// The lab binds port 53 on NET.0.1; if that is taken, another lab (someone else's) uses NET.
void check_net_is_free(const std::string& net) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(53);
  inet_pton(AF_INET, (net + ".0.1").c_str(), &a.sin_addr);
  int rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  int err = errno;
  close(fd);
  if (rc != 0 && err == EADDRINUSE) {
    throw std::runtime_error("lab: " + net + ".0.1 port 53 is already in use (another lab on LAB_NET=" +
                             net + "?); set TERN_ITEST_LAB_NET=127.N to use another prefix");
  }
}

/// One lab.sh command, bounded; output to `log`.
ExitStatus lab_command(const std::string& net, const std::string& dir, const std::string& command,
                       const std::string& log, std::chrono::milliseconds bound) {
  ProcessOptions o;
  o.args = {"/bin/bash", lab_script(), command};
  o.log_path = log;
  o.extra_env = lab_env(net, dir);
  o.die_with_parent = false;  // a stop must finish even if we are dying
  return run_to_completion(o, bound);
}

void stop_lab(const std::string& net, const std::string& dir) {
  ExitStatus s = lab_command(net, dir, "stop", dir + "/lab-stop.log", 40s);
  if (!s.exited || s.code != 0) {
    std::cerr << "integration tests: 'lab.sh stop' for " << dir << " ended with " << s.describe()
              << ":\n" << tail_file(dir + "/lab-stop.log", 20);
  }
}

/// Also stops the lab when the binary returns from main without the listener's help.
struct ShutdownAtExit {
  ~ShutdownAtExit() { Lab::shutdown(); }
} shutdown_at_exit;

}  // namespace

std::string lab_net() {
  const char* env_net = std::getenv("TERN_ITEST_LAB_NET");
  return env_net != nullptr && *env_net != '\0' ? env_net : "127.54";
}

Lab& Lab::get() {
  if (the_lab) return *the_lab;
  if (start_error) throw std::runtime_error(*start_error);
  std::string net = lab_net();
  try {
    check_net_is_free(net);
    std::string dir = make_temp_dir("lab");
    // Armed before the start, so that a kill during it still stops what has started.
    std::vector<std::string> env = lab_env(net, dir);
    env.push_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    set_emergency_lab_stop({"/bin/bash", lab_script(), "stop"}, env);
    started_dir = dir;
    std::string log = dir + "/lab-start.log";
    // Rendering signs the lab's DNSSEC zones: over a minute on a 2-core machine shared by
    // several builds (measured 68 s at load 29), seconds otherwise.
    ExitStatus s = lab_command(net, dir, "start", log, 180s);
    if (!s.exited || s.code != 0) {
      std::string why = "lab: 'lab.sh start' (LAB_NET=" + net + " LAB_DIR=" + dir + ") ended with " +
                        s.describe() + ":\n" + tail_file(log, 30);
      stop_lab(net, dir);
      started_dir.clear();
      set_emergency_lab_stop({}, {});
      throw std::runtime_error(why);
    }
    the_lab.reset(new Lab(net, dir));
    return *the_lab;
  } catch (const std::exception& e) {
    start_error = e.what();
    throw;
  }
}

void Lab::shutdown() noexcept {
  if (started_dir.empty()) return;
  std::string dir = started_dir;
  std::string net = the_lab ? the_lab->net_ : "";
  started_dir.clear();
  try {
    if (net.empty()) net = lab_net();
    stop_lab(net, dir);
    set_emergency_lab_stop({}, {});
    if (any_test_failed()) {
      std::cerr << "integration tests: lab state kept in " << dir << " (a test failed)\n";
    } else {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } catch (...) {
  }
  the_lab.reset();
}

bool Lab::all_running() const {
  ExitStatus s = lab_command(net_, dir_, "status", dir_ + "/lab-status.log", 20s);
  return s.exited && s.code == 0;
}

}  // namespace tern::itest
