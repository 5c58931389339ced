#include "daemon/process/service_notify.hpp"

#include <string>

#ifdef TERN_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

#include <time.h>
#endif

namespace tern::daemon {

namespace {

void send(const std::string& state) {
#ifdef TERN_HAVE_LIBSYSTEMD
  // unset_environment 0: a reload or the stop must still find the socket.
  sd_notify(0, state.c_str());
#else
  (void)state;
#endif
}

}  // namespace

void notify_ready(std::string_view status) { send("READY=1\nSTATUS=" + std::string(status)); }

void notify_reloading() {
  std::string state = "RELOADING=1";
#ifdef TERN_HAVE_LIBSYSTEMD
  // systemd >= 253 (Type=notify-reload) wants the time the reload began; older ones ignore it.
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  state += "\nMONOTONIC_USEC=" + std::to_string(static_cast<unsigned long long>(now.tv_sec) * 1000000ull +
                                                static_cast<unsigned long long>(now.tv_nsec) / 1000);
#endif
  send(state);
}

void notify_stopping() { send("STOPPING=1"); }

}  // namespace tern::daemon
