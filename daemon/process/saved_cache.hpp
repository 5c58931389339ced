// cache-save-file: the answer cache read from its file at start, before the workers answer, and
// written to it at a clean stop, after they have stopped (cache/cache_file.hpp has the format).
#pragma once

#include "cache/answer_cache.hpp"
#include "daemon/config/config.hpp"

namespace tern::daemon {

/// Loads config.cache_save_file into `answers` when set and present; logs what was loaded and
/// what was skipped. A missing file is a first start, not an error; nothing here stops ternd.
void load_saved_cache(cache::AnswerCache& answers, const Config& config);

/// Writes `answers` to config.cache_save_file (inside the chroot, if any) when set; logs the
/// outcome. Called once the workers are stopped, so the file is what the cache finally held.
void save_cache_at_stop(cache::AnswerCache& answers, const Config& config);

}  // namespace tern::daemon
