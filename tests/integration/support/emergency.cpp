#include "support/emergency.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>

namespace tern::itest {

namespace {

constexpr std::size_t max_children = 256;
std::array<std::atomic<pid_t>, max_children> children{};
std::atomic<bool> cleaned{false};

// The stop command, as fixed C arrays that a signal handler may read.
constexpr std::size_t max_args = 8, max_env = 256, max_chars = 64 * 1024;
char storage[max_chars];
char* stop_argv[max_args + 1];
char* stop_env[max_env + 1];
std::atomic<bool> stop_ready{false};

void handler(int sig) {
  emergency_cleanup();
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

void register_child(pid_t pid) {
  for (auto& slot : children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void unregister_child(pid_t pid) {
  for (auto& slot : children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void set_emergency_lab_stop(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  stop_ready = false;
  if (argv.empty()) return;
  std::size_t used = 0;
  auto copy = [&](const std::string& s) -> char* {
    if (used + s.size() + 1 > max_chars) return nullptr;
    char* at = storage + used;
    std::memcpy(at, s.c_str(), s.size() + 1);
    used += s.size() + 1;
    return at;
  };
  std::size_t a = 0, e = 0;
  for (const auto& s : argv) {
    if (a < max_args) stop_argv[a++] = copy(s);
  }
  stop_argv[a] = nullptr;
  for (const auto& s : env) {
    if (e < max_env) stop_env[e++] = copy(s);
  }
  stop_env[e] = nullptr;
  for (std::size_t i = 0; i < a; ++i)
    if (stop_argv[i] == nullptr) return;
  for (std::size_t i = 0; i < e; ++i)
    if (stop_env[i] == nullptr) return;
  stop_ready = true;
}

void install_emergency_handlers() {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaction(sig, &sa, nullptr);
}

void emergency_cleanup() noexcept {
  if (cleaned.exchange(true)) return;
  for (auto& slot : children) {
    pid_t pid = slot.exchange(0);
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  if (!stop_ready) return;
  const char msg[] = "integration tests: emergency stop of the lab\n";
  (void)!write(2, msg, sizeof msg - 1);
  pid_t pid = fork();
  if (pid == 0) {
    execve(stop_argv[0], stop_argv, stop_env);
    _exit(127);
  }
  if (pid > 0) waitpid(pid, nullptr, 0);
}

}  // namespace tern::itest
