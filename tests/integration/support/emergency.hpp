// Last-resort cleanup when the test binary is killed (SIGTERM from a meson timeout, Ctrl-C) or
// crashes: every child still running is killed by its recorded pid and the lab is stopped.
// Normal runs never need it: Process and Lab stop what they started from destructors.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace tern::itest {

/// Records a child pid (at most 256 at once); only these pids are ever signalled here.
void register_child(pid_t pid);
void unregister_child(pid_t pid);

/// Prepares the command that stops the lab (argv and environment are copied now, so that the
/// signal handler only calls fork/execve/waitpid). An empty argv clears it.
void set_emergency_lab_stop(const std::vector<std::string>& argv, const std::vector<std::string>& env);

/// Installs SIGTERM/SIGINT/SIGHUP/SIGQUIT handlers that clean up and then die of the signal.
void install_emergency_handlers();

/// Kills the registered children and stops the lab; async-signal-safe, runs at most once.
void emergency_cleanup() noexcept;

}  // namespace tern::itest
