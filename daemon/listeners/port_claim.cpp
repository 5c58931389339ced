#include "daemon/listeners/port_claim.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <system_error>

namespace tern::daemon {

namespace {

void enable(int fd, int option, const char* what) {
  const int on = 1;
  if (::setsockopt(fd, SOL_SOCKET, option, &on, sizeof on) != 0)
    throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

void prepare_bind(int fd, bool stream, PortClaim claim) {
  // TCP: SO_REUSEADDR only lets the bind ignore TIME_WAIT connections of an earlier run (a
  // restart must not wait for them); it never lets a second listener in. On UDP it would.
  if (stream) enable(fd, SO_REUSEADDR, "SO_REUSEADDR");
  if (claim == PortClaim::join) enable(fd, SO_REUSEPORT, "SO_REUSEPORT");
}

void finish_bind(int fd, PortClaim claim) {
  // Set after bind, the option makes the bound socket joinable by the other workers: the
  // kernel forms the group when the first of them binds (Linux 3.9 and later).
  if (claim == PortClaim::claim) enable(fd, SO_REUSEPORT, "SO_REUSEPORT");
}

}  // namespace tern::daemon
