// systemd's readiness protocol (sd_notify(3)) for Type=notify: READY=1 once ternd answers,
// RELOADING=1 ... READY=1 around a reload, STOPPING=1 when it starts to drain. Without
// NOTIFY_SOCKET in the environment (not under systemd) every call does nothing.
#pragma once

#include <string_view>

namespace tern::daemon {

void notify_ready(std::string_view status);
void notify_reloading();
void notify_stopping();

}  // namespace tern::daemon
