// ternctl trace NAME [TYPE]: a fresh walk on a worker (Resolver::trace), printed hop by hop
// next to what the same question costs when the answer cache has it.
#pragma once

#include "daemon/control/control_commands.hpp"

namespace tern::daemon {

/// How long the control thread waits for a traced walk: the walk's own deadline and a margin.
inline constexpr std::chrono::seconds trace_wait{15};

ControlReply trace_command(const dns::Question& question, ControlContext& context);

}  // namespace tern::daemon
