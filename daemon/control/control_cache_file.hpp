// `ternctl cache dump --binary FILE` and `ternctl cache load FILE`: the answer cache to and from
// a cache file (cache/cache_file.hpp), written and read by ternd itself, so FILE is a path on
// ternd's side (ternctl makes a relative one absolute) that ternd's user may write or read.
#pragma once

#include "cache/answer_cache.hpp"
#include "daemon/control/control_protocol.hpp"

#include <string>

namespace tern::daemon {

/// Writes every live answer to `path`; "N entries written to PATH", or failed with why.
ControlReply cache_dump_binary(cache::AnswerCache& answers, const std::string& path);

/// Loads `path`: the report's summary (entries loaded, what was skipped), logged as well;
/// failed when the file is unusable as a whole, ok otherwise (even with skipped entries).
ControlReply cache_load(cache::AnswerCache& answers, const std::string& path);

}  // namespace tern::daemon
