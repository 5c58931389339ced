// ternctl infra show [ADDRESS|ZONE] and infra flush [ADDRESS]: what tern has learnt about each
// authority address (the infra cache: smoothed RTT, timeouts, back-off, EDNS, 0x20, cookies,
// TCP), like Unbound's dump_infra and PowerDNS Recursor's dump-throttle.
#pragma once

#include "daemon/control/control_commands.hpp"

namespace tern::daemon {

/// `words` is "infra show ..." or "infra flush ..." (check_command vetted its shape).
ControlReply infra_command(const std::vector<std::string>& words, ControlContext& context);

}  // namespace tern::daemon
