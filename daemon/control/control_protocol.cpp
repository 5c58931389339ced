#include "daemon/control/control_protocol.hpp"

#include "daemon/config/config_values.hpp"

#include <algorithm>
#include <array>

namespace tern::daemon {

namespace {

/// One command: its words, its arguments' synopsis, and how many arguments it takes.
struct CommandShape {
  std::string_view first;
  std::string_view second;  ///< "" for a one-word command
  std::string_view arguments;
  std::size_t min_arguments;
  std::size_t max_arguments;
};

constexpr std::array<CommandShape, 16> commands{{
    {"cache", "show", "NAME [TYPE]", 1, 2},
    {"cache", "flush", "NAME [TYPE]", 1, 2},
    {"cache", "flush-zone", "NAME", 1, 1},
    {"cache", "flush-all", "", 0, 0},
    {"cache", "dump", "[--binary FILE]", 0, 2},
    {"cache", "load", "FILE", 1, 1},
    {"stats", "", "", 0, 0},
    {"trace", "", "NAME [TYPE]", 1, 2},
    {"reload", "", "", 0, 0},
    {"stop", "", "", 0, 0},
    {"log-reopen", "", "", 0, 0},
    {"infra", "show", "[ADDRESS|ZONE]", 0, 1},
    {"infra", "flush", "[ADDRESS]", 0, 1},
    {"status", "", "", 0, 0},
    {"verbosity", "", "[N]", 0, 1},
    {"rpz", "", "[reload]", 0, 1},
}};

std::string synopsis(const CommandShape& c) {
  std::string out(c.first);
  if (!c.second.empty()) out += " " + std::string(c.second);
  if (!c.arguments.empty()) out += " " + std::string(c.arguments);
  return out;
}

/// " (did you mean 'status'?)" for a typo of one of `candidates`, else "". `prefix` goes
/// before the suggestion ("cache " for the second word of "cache shwo").
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates,
                         const std::string& prefix = "") {
  std::string_view best = closest_match(word, candidates);
  return best.empty() ? "" : " (did you mean '" + prefix + std::string(best) + "'?)";
}

}  // namespace

std::vector<std::string> control_command_synopses() {
  std::vector<std::string> out;
  for (const CommandShape& c : commands) out.push_back(synopsis(c));
  return out;
}

std::string_view control_commands_help() {
  return "commands:\n"
         "  cache show NAME [TYPE]   the cached entries at NAME, with TTLs, rank and source\n"
         "  cache flush NAME [TYPE]  remove the entries at NAME (of TYPE only)\n"
         "  cache flush-zone NAME    remove every entry at or below NAME\n"
         "  cache flush-all          empty the record and answer caches (and Redis)\n"
         "  cache dump [--binary FILE]\n"
         "                           every live entry, one record per line; with --binary,\n"
         "                           ternd writes the answer cache to FILE (a cache file)\n"
         "  cache load FILE          ternd reads a cache file into the answer cache; entries\n"
         "                           keep the time they had left, damaged ones are skipped\n"
         "  stats                    counters as key=value lines\n"
         "  trace NAME [TYPE]        resolve afresh (no cache), print every upstream hop\n"
         "  reload                   reload the configuration (as SIGHUP), wait for the outcome\n"
         "  stop                     stop the daemon (as SIGTERM)\n"
         "  log-reopen               reopen the query log (after it was rotated)\n"
         "  infra show [ADDRESS|ZONE]\n"
         "                           what is known of each authority: RTT, timeouts, back-off,\n"
         "                           EDNS, TCP, 0x20, cookies (a zone: its cached servers)\n"
         "  infra flush [ADDRESS]    forget one server (or all): it is measured afresh\n"
         "  status                   version, pid, uptime, threads, config file, listeners,\n"
         "                           cache fill\n"
         "  verbosity [N]            the log level now, or set it: 0 errors, 1 warnings and\n"
         "                           notices, 2 info, 3 debug (until the next reload)\n"
         "  rpz [reload]             each response policy zone: source, serial, records, hits\n"
         "                           per trigger, last load and error; reload: read the files\n"
         "                           again and ask the primaries for changes now\n";
}

std::optional<std::string> check_command(const std::vector<std::string>& words) {
  if (words.empty()) return "no command";
  // A command of two words ("cache show") has its first word on more than one row.
  std::vector<std::string_view> firsts, seconds;
  for (const CommandShape& c : commands) {
    if (std::find(firsts.begin(), firsts.end(), c.first) == firsts.end()) firsts.push_back(c.first);
    if (c.first == words[0] && !c.second.empty()) seconds.push_back(c.second);
  }
  if (std::find(firsts.begin(), firsts.end(), words[0]) == firsts.end())
    return "unknown command '" + words[0] + "'" + did_you_mean(words[0], firsts);
  const bool has_second = !seconds.empty();
  if (has_second && words.size() < 2) {
    std::string choices;
    for (std::string_view second : seconds) choices += (choices.empty() ? "" : "|") + std::string(second);
    return "usage: " + words[0] + " " + choices;
  }
  auto shape = std::find_if(commands.begin(), commands.end(), [&](const CommandShape& c) {
    return c.first == words[0] && (!has_second || c.second == words[1]);
  });
  if (shape == commands.end())
    return "unknown command '" + words[0] + " " + words[1] + "'" + did_you_mean(words[1], seconds, words[0] + " ");
  std::size_t arguments = words.size() - (has_second ? 2 : 1);
  if (arguments < shape->min_arguments || arguments > shape->max_arguments) {
    return "usage: " + synopsis(*shape);
  }
  return std::nullopt;
}

bool valid_word(std::string_view word) noexcept {
  if (word.empty()) return false;
  for (char c : word) {
    auto octet = static_cast<unsigned char>(c);
    if (octet < 0x21 || octet > 0x7e) return false;
  }
  return true;
}

std::optional<std::string> join_request(const std::vector<std::string>& words) {
  if (words.empty()) return std::nullopt;
  std::string line;
  for (const std::string& word : words) {
    if (!valid_word(word)) return std::nullopt;
    if (!line.empty()) line += ' ';
    line += word;
  }
  if (line.size() > max_request_line) return std::nullopt;
  return line + '\n';
}

std::optional<std::vector<std::string>> split_request(std::string_view line, std::string& error) {
  if (line.size() > max_request_line) {
    error = "line too long (more than " + std::to_string(max_request_line) + " octets)";
    return std::nullopt;
  }
  if (line.empty()) {
    error = "empty line: no command";
    return std::nullopt;
  }
  std::vector<std::string> words;
  std::size_t start = 0;
  while (true) {
    std::size_t end = line.find(' ', start);
    std::string_view word = line.substr(start, end == std::string_view::npos ? end : end - start);
    if (word.empty()) {
      error = "words must be separated by single spaces";
      return std::nullopt;
    }
    if (!valid_word(word)) {
      error = "the line holds a control or non-ASCII octet";
      return std::nullopt;
    }
    words.emplace_back(word);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return words;
}

std::string format_reply(const ControlReply& reply) {
  std::string out = "status " + std::to_string(static_cast<int>(reply.status)) + "\n";
  out += reply.text;
  if (!reply.text.empty() && reply.text.back() != '\n') out += '\n';
  return out;
}

std::optional<ControlReply> parse_reply(std::string_view stream) {
  constexpr std::string_view prefix = "status ";
  if (!stream.starts_with(prefix) || stream.size() < prefix.size() + 2 ||
      stream[prefix.size() + 1] != '\n') {
    return std::nullopt;
  }
  char digit = stream[prefix.size()];
  if (digit < '0' || digit > '2') return std::nullopt;
  return ControlReply{static_cast<ControlStatus>(digit - '0'),
                      std::string(stream.substr(prefix.size() + 2))};
}

}  // namespace tern::daemon
