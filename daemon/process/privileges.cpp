#include "daemon/process/privileges.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace tern::daemon {

namespace {

std::string errno_text() { return std::generic_category().message(errno); }

}  // namespace

std::optional<RunAs> plan_user(const std::string& username, std::string& warning) {
  warning.clear();
  const bool root = geteuid() == 0;
  if (username.empty()) return std::nullopt;
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  int error = getpwnam_r(username.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (found == nullptr) {
    if (!root) {
      warning = "username '" + username + "' does not exist; running on as uid " + std::to_string(geteuid());
      return std::nullopt;
    }
    throw std::runtime_error("username: user '" + username + "' " +
                             (error != 0 ? "cannot be looked up: " + std::generic_category().message(error)
                                         : std::string("does not exist")) +
                             "; create it, or set username: \"\" to keep running as root");
  }
  RunAs user{username, entry.pw_uid, entry.pw_gid, {}};
  if (!root) {
    if (user.uid != geteuid())
      warning = "not started as root: cannot become '" + username + "', running on as uid " +
                std::to_string(geteuid());
    return std::nullopt;
  }
  int count = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(count));
  if (getgrouplist(username.c_str(), user.gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<std::size_t>(count));
    getgrouplist(username.c_str(), user.gid, groups.data(), &count);
  }
  groups.resize(static_cast<std::size_t>(count));
  user.groups = std::move(groups);
  return user;
}

void write_pidfile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) throw std::runtime_error("pidfile: cannot write '" + path + "': " + errno_text());
  const std::string text = std::to_string(getpid()) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) throw std::runtime_error("pidfile: cannot write '" + path + "': " + errno_text());
}

void hand_over(const std::string& path, const RunAs& user) {
  if (!path.empty() && ::lchown(path.c_str(), user.uid, user.gid) != 0) {
    // Not fatal: root still reaches the file, only its removal at exit may fail.
  }
}

void enter_chroot(const std::string& dir) {
  if (::chroot(dir.c_str()) != 0) throw std::runtime_error("chroot '" + dir + "': " + errno_text());
  if (::chdir("/") != 0) throw std::runtime_error("chdir / in the chroot: " + errno_text());
}

void drop_to(const RunAs& user) {
  // Groups first: once the uid is no longer 0 they cannot be changed any more.
  if (::setgroups(user.groups.size(), user.groups.data()) != 0)
    throw std::runtime_error("setgroups for '" + user.name + "': " + errno_text());
  if (::setgid(user.gid) != 0) throw std::runtime_error("setgid " + std::to_string(user.gid) + ": " + errno_text());
  if (::setuid(user.uid) != 0) throw std::runtime_error("setuid " + std::to_string(user.uid) + ": " + errno_text());
  // setuid by root sets all three uids; a process that could get root back did not drop.
  if (user.uid != 0 && (::setuid(0) == 0 || ::geteuid() == 0))
    throw std::runtime_error("still able to regain root after setuid; refusing to run");
}

std::string path_inside_chroot(const std::string& path, const std::string& root) {
  if (root.empty()) return path;
  namespace fs = std::filesystem;
  const fs::path p = fs::path(path).lexically_normal(), r = fs::path(root).lexically_normal();
  const fs::path relative = p.lexically_relative(r);
  if (relative.empty() || *relative.begin() == "..") return path;
  return (fs::path("/") / relative).string();
}

}  // namespace tern::daemon
