// Leaving root: the user to become, chroot and the pid file. ternd binds its ports, opens its
// control socket, metrics endpoint and logs as root, then calls these in this order:
//   plan_user (before anything: a missing user is a start-up error) -> write_pidfile ->
//   hand_over (socket, pid file) -> enter_chroot -> drop_to.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace tern::daemon {

/// The user ternd becomes, looked up while /etc/passwd is still reachable (before chroot).
struct RunAs {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  ///< supplementary groups, from /etc/group
};

/// Whom to become. Nullopt: stay as we are (username "" , or not started as root, or already
/// that user). Throws std::runtime_error when started as root and the user does not exist:
/// ternd never keeps running as root unless the operator said username: "".
/// `warning` receives a line to log when ternd stays as a user other than the one asked for.
std::optional<RunAs> plan_user(const std::string& username, std::string& warning);

/// Writes our pid to `path` (created or truncated, mode 0644); throws std::runtime_error.
void write_pidfile(const std::string& path);

/// chown(2) of a file we created as root to the user we become, so that it can remove it at
/// exit; failures are ignored (the file then stays root's, which is safe).
void hand_over(const std::string& path, const RunAs& user);

/// chroot(2) to `dir` and chdir("/"); throws std::runtime_error.
void enter_chroot(const std::string& dir);

/// setgroups, setgid, setuid to `user`, then checks that root cannot be regained; throws
/// std::runtime_error (the caller must then exit: never run on half-dropped).
void drop_to(const RunAs& user);

/// `path` as seen from inside the chroot `root`: the prefix removed when `path` starts with
/// it, otherwise unchanged.
std::string path_inside_chroot(const std::string& path, const std::string& root);

}  // namespace tern::daemon
