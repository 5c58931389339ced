// A child process owned by the test: fork/exec, output to a log file, stopped by its pid.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tern::itest {

/// How a child ended, decoded from waitpid's status.
struct ExitStatus {
  bool exited = false;    ///< true: exit() with `code`; false: killed by `signal`
  int code = 0;           ///< exit code when exited
  int signal = 0;         ///< terminating signal when !exited
  std::string describe() const;
};

struct ProcessOptions {
  std::vector<std::string> args;       ///< argv, args[0] is the program path (no PATH search)
  std::string log_path;                ///< stdout and stderr are appended here ("" = /dev/null)
  std::vector<std::string> extra_env;  ///< "KEY=VALUE" added to (or replacing in) the environment
  bool die_with_parent = true;         ///< PR_SET_PDEATHSIG(SIGKILL): no orphan if the tests die
};

/// Invariant: while pid_ > 0 the child is ours and not yet reaped; the destructor stops it
/// (SIGTERM, then SIGKILL after a bound) and reaps it, so no test leaves a process behind.
class Process {
 public:
  explicit Process(const ProcessOptions& options);  ///< throws std::runtime_error on fork failure
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  /// Non-blocking: the status if the child has ended (reaping it), nullopt while it runs.
  std::optional<ExitStatus> poll();
  /// Waits at most `bound` for the child to end on its own.
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds bound);
  /// Sends `sig` to the child (only while it is ours and not reaped).
  void signal(int sig);
  /// SIGTERM, wait up to `grace`, then SIGKILL and reap. Returns how the child ended.
  ExitStatus stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  /// The status once reaped (nullopt while it runs).
  const std::optional<ExitStatus>& status() const { return status_; }
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<ExitStatus> status_;
};

/// Runs a program to completion (bounded: killed after `bound`); output goes to `log_path`.
ExitStatus run_to_completion(const ProcessOptions& options, std::chrono::milliseconds bound);

/// The whole content of a file ("" if it cannot be read).
std::string read_file(const std::string& path);
/// stdout+stderr of a shell command (sh -c, in single quotes), bounded by timeout(1) at 15 s.
std::string shell(const std::string& command);
/// The last `lines` lines of a file.
std::string tail_file(const std::string& path, std::size_t lines);

}  // namespace tern::itest
