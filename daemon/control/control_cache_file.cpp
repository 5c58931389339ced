#include "daemon/control/control_cache_file.hpp"

#include "cache/cache_file.hpp"
#include "resolver/log.hpp"

namespace tern::daemon {

ControlReply cache_dump_binary(cache::AnswerCache& answers, const std::string& path) {
  std::uint64_t written = 0;
  const std::string error = cache::save_cache_file(answers, path, written);
  if (!error.empty()) return {ControlStatus::failed, "cache dump: " + error + "\n"};
  log::notice("cache dump: {} entries written to {}", written, path);
  return {ControlStatus::ok, std::to_string(written) + " entries written to " + path + "\n"};
}

ControlReply cache_load(cache::AnswerCache& answers, const std::string& path) {
  const cache::CacheFileReport report = cache::read_cache_file(path, answers);
  const std::string line = "cache load " + path + ": " + report.summary();
  if (!report.error.empty()) {
    log::warning("{}", line);
    return {ControlStatus::failed, line + "\n"};
  }
  if (report.corrupt || report.truncated) log::warning("{}", line);
  else log::notice("{}", line);
  return {ControlStatus::ok, line + "\n"};
}

}  // namespace tern::daemon
