#include "daemon/process/saved_cache.hpp"

#include "cache/cache_file.hpp"
#include "daemon/process/privileges.hpp"
#include "resolver/log.hpp"

#include <filesystem>
#include <system_error>

namespace tern::daemon {

void load_saved_cache(cache::AnswerCache& answers, const Config& config) {
  if (config.cache_save_file.empty()) return;
  std::error_code ec;
  if (!std::filesystem::exists(config.cache_save_file, ec)) {
    log::notice("cache-save-file {}: not there yet, starting with an empty cache", config.cache_save_file);
    return;
  }
  const cache::CacheFileReport report = cache::read_cache_file(config.cache_save_file, answers);
  const bool damaged = !report.error.empty() || report.corrupt > 0 || report.truncated;
  if (damaged)
    log::warning("cache-save-file {}: {}", config.cache_save_file, report.summary());
  else
    log::notice("cache-save-file {}: {}", config.cache_save_file, report.summary());
}

void save_cache_at_stop(cache::AnswerCache& answers, const Config& config) {
  if (config.cache_save_file.empty()) return;
  const std::string path = path_inside_chroot(config.cache_save_file, config.chroot);
  std::uint64_t written = 0;
  const std::string error = cache::save_cache_file(answers, path, written);
  if (!error.empty())
    log::warning("cache-save-file: not saved: {}", error);
  else
    log::notice("cache-save-file {}: {} entries saved", config.cache_save_file, written);
}

}  // namespace tern::daemon
