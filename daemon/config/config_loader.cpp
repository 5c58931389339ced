#include "daemon/config/config_loader.hpp"

#include "daemon/config/config_values.hpp"
#include "daemon/config/redis_address.hpp"
#include "daemon/config/settings_table.hpp"

#include <yaml-cpp/yaml.h>

#include <glob.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

namespace tern::daemon {
namespace {

std::string locate(const std::string& file, int line, const std::string& message) {
  if (line > 0) return file + ":" + std::to_string(line) + ": " + message;
  if (file == "--set") return "--set " + message;  // message starts with "key=value: "
  return file + ": " + message;
}

/// Where each setting was last set, to blame the right line for a conflict between settings.
struct Origin {
  int order = 0;          ///< increases with every setting applied; the larger was set later
  SettingSource source;   ///< where it was set
};
using Origins = std::map<std::string_view, Origin>;

// Unbound's names for tern's settings, so that a ported unbound.conf gets a useful hint.
constexpr std::array<std::pair<std::string_view, std::string_view>, 11> unbound_names{{
    {"interface", "listen"},
    {"num-threads", "threads"},
    {"outgoing-interface", "outgoing-address"},
    {"msg-cache-size", "cache-size"},
    {"rrset-cache-size", "cache-size"},
    {"incoming-num-tcp", "tcp-max-connections"},
    {"qname-minimisation-strict", "qname-minimisation"},
    {"serve-expired", "serve-stale"},
    {"serve-expired-ttl", "serve-stale-max"},
    {"serve-expired-client-timeout", "serve-stale-client-timeout"},
    {"control-interface", "control-socket"},
}};

std::string unknown_setting_message(const std::string& key) {
  std::string name;
  for (char c : key) name += c == '_' ? '-' : static_cast<char>(std::tolower(
                                                  static_cast<unsigned char>(c)));
  std::string message = "unknown setting '" + key + "'";
  if (name == "server") return message + " (tern's settings are at the top level, not under it)";
  for (auto [unbound, ours] : unbound_names) {
    if (name == unbound) return message + " (did you mean '" + std::string(ours) + "'?)";
  }
  std::vector<std::string_view> names;
  for (const Setting& setting : settings_table()) names.push_back(setting.name);
  std::string_view best = closest_match(name, names);
  if (best.empty()) return message;
  return message + " (did you mean '" + std::string(best) + "'?)";
}

// A bound, so that "-c /dev/zero" fails instead of eating memory.
constexpr std::size_t max_file_size = std::size_t{16} << 20;

int line_of(const YAML::Mark& mark) { return mark.line >= 0 ? mark.line + 1 : 0; }

std::string read_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) {
    throw ConfigError(path, 0, "cannot open: " + std::generic_category().message(errno));
  }
  std::string text;
  char buffer[8192];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0 && text.size() <= max_file_size) {
    text.append(buffer, got);
  }
  int failed = std::ferror(file) != 0 ? errno : 0;  // e.g. EISDIR for a directory
  std::fclose(file);
  if (failed != 0) {
    throw ConfigError(path, 0, "cannot read: " + std::generic_category().message(failed));
  }
  if (text.size() > max_file_size) {
    throw ConfigError(path, 0, "larger than 16 MiB: not a configuration file");
  }
  return text;
}

/// The document of the file: null when it holds none (empty or only comments).
YAML::Node parse_document(const std::string& path, const std::string& text) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(path, line_of(e.mark), e.msg);
  }
  if (documents.size() > 1) {
    throw ConfigError(path, line_of(documents[1].Mark()),
                      "a second YAML document: the configuration is one mapping of settings");
  }
  return documents.empty() ? YAML::Node() : documents[0];
}

/// The files being read, outermost first: an include of one of them is a cycle.
using IncludeStack = std::vector<std::filesystem::path>;

// Deep enough for any sane layout (main -> conf.d -> a shared snippet), and a stop for a
// chain of distinct files that would otherwise run until the stack overflows.
constexpr std::size_t max_include_depth = 8;

void apply_file(const std::string& path, Config& config, Origins& origins, int& order, IncludeStack& stack);

bool has_wildcard(std::string_view pattern) { return pattern.find_first_of("*?[") != std::string_view::npos; }

/// The files `pattern` names, relative to `base_dir`: itself when it has no wildcard (it must
/// then exist: read_file says so), else the sorted matches of glob(3), maybe none.
std::vector<std::string> include_files(const std::string& pattern, const std::string& base_dir) {
  const std::string path = (std::filesystem::path(base_dir) / pattern).lexically_normal().string();
  if (!has_wildcard(pattern)) return {path};
  glob_t matches{};
  // A directory that does not exist matches nothing (no conf.d yet); one that cannot be read
  // is an error, not a silently smaller configuration.
  const auto unreadable = [](const char*, int error) { return error == ENOENT || error == ENOTDIR ? 0 : 1; };
  const int status = ::glob(path.c_str(), 0, unreadable, &matches);
  if (status == GLOB_ABORTED) {
    ::globfree(&matches);
    throw ConfigError(path, 0, "include: cannot read the directory of this pattern");
  }
  std::vector<std::string> files;
  if (status == 0)
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
  ::globfree(&matches);
  return files;
}

/// The `include` key at `line` of `path`: reads each file it names, in order, where it stands.
void apply_include(const std::string& path, int line, const YAML::Node& value, const std::string& base_dir,
                   Config& config, Origins& origins, int& order, IncludeStack& stack) {
  const Setting& self = *find_setting("include");
  const SettingSource source{path, line, "", base_dir};
  self.apply(self, value, source, config);  // the shape: a file, a pattern, or a list of them
  std::vector<std::string> patterns;
  if (value.IsSequence()) {
    for (const YAML::Node& item : value) patterns.push_back(item.Scalar());
  } else if (!value.Scalar().empty()) {
    patterns.push_back(value.Scalar());
  }
  for (const std::string& pattern : patterns) {
    for (const std::string& file : include_files(pattern, base_dir)) {
      std::error_code ec;
      const std::filesystem::path canonical = std::filesystem::weakly_canonical(file, ec);
      for (const std::filesystem::path& open : stack) {
        if (open == canonical)
          throw ConfigError(path, line, "include: " + file + " is already being read (an include cycle)");
      }
      if (stack.size() >= max_include_depth)
        throw ConfigError(path, line, "include: more than " + std::to_string(max_include_depth) +
                                          " files deep");
      apply_file(file, config, origins, order, stack);
    }
  }
}

void apply_file(const std::string& path, Config& config, Origins& origins, int& order, IncludeStack& stack) {
  YAML::Node document = parse_document(path, read_file(path));
  std::error_code ec;
  stack.push_back(std::filesystem::weakly_canonical(path, ec));
  if (document.IsNull()) {
    stack.pop_back();
    return;
  }
  if (!document.IsMap()) {
    throw ConfigError(path, line_of(document.Mark()),
                      "the top level must be a mapping of settings (name: value)");
  }
  std::string base_dir = std::filesystem::absolute(path).parent_path().string();
  std::map<std::string, int> seen;  // setting name -> line of its first occurrence
  for (auto it = document.begin(); it != document.end(); ++it) {
    int line = line_of(it->first.Mark());
    if (!it->first.IsScalar()) throw ConfigError(path, line, "a setting name must be a word");
    const std::string& key = it->first.Scalar();
    const Setting* setting = find_setting(key);
    if (setting == nullptr) throw ConfigError(path, line, unknown_setting_message(key));
    auto [first, inserted] = seen.emplace(key, line);
    if (!inserted) {
      throw ConfigError(path, line, "'" + key + "' is set twice (first on line " +
                                        std::to_string(first->second) + ")");
    }
    if (key == "include") {
      apply_include(path, line, it->second, base_dir, config, origins, order, stack);
      continue;
    }
    SettingSource source{path, line, "", base_dir};
    setting->apply(*setting, it->second, source, config);
    origins[setting->name] = Origin{++order, std::move(source)};
  }
  stack.pop_back();
}

void apply_override(const std::string& text, Config& config, Origins& origins, int& order) {
  auto equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw ConfigError("--set", 0, text + ": expected KEY=VALUE");
  }
  std::string key = text.substr(0, equals);
  std::string value_text = text.substr(equals + 1);
  const Setting* setting = find_setting(key);
  if (setting == nullptr) throw ConfigError("--set", 0, text + ": " + unknown_setting_message(key));
  if (key == "include") throw ConfigError("--set", 0, text + ": include is read from a file, not from --set");
  YAML::Node value;
  try {
    // An empty value is an empty string ("root-hints=" means the built-in hints), not null.
    value = value_text.empty() ? YAML::Node(std::string()) : YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError("--set", 0, text + ": " + e.msg);
  }
  std::error_code ec;
  SettingSource source{"--set", 0, text, std::filesystem::current_path(ec).string()};
  setting->apply(*setting, value, source, config);
  origins[setting->name] = Origin{++order, std::move(source)};
}

/// Throws `message` blamed on whichever of `a` and `b` was set last (their rows' defaults
/// count as set first), so the error points at the line that made the pair inconsistent.
[[noreturn]] void throw_conflict(const Origins& origins, std::string_view a, std::string_view b,
                                 const std::string& message) {
  auto order_of = [&](std::string_view name) {
    auto it = origins.find(name);
    return it == origins.end() ? 0 : it->second.order;
  };
  std::string_view last = order_of(b) > order_of(a) ? b : a;
  auto origin = origins.find(last);
  SettingSource source = origin != origins.end() ? origin->second.source : SettingSource{};
  throw_setting_error(*find_setting(last), source, YAML::Node(), message);
}

/// A lower bound must not exceed its upper bound (cache-min-ttl <= cache-max-ttl ...).
void check_bounds(const Origins& origins, std::string_view min_name, std::uint64_t min,
                  std::string_view max_name, std::uint64_t max) {
  if (min <= max) return;
  throw_conflict(origins, min_name, max_name,
                 std::string(min_name) + " (" + std::to_string(min) + ") is above " +
                     std::string(max_name) + " (" + std::to_string(max) + ")");
}

/// Rules that involve more than one setting, blamed on the one set last.
void check_consistency(const Config& config, const Origins& origins) {
  if (!config.do_ip4 && !config.do_ip6) {
    throw_conflict(origins, "do-ip4", "do-ip6",
                   "do-ip4 and do-ip6 are both off; at least one must stay on");
  }
  for (const ZoneRouteConfig& stub : config.stub_zone) {
    for (const ZoneRouteConfig& forward : config.forward_zone) {
      if (stub.name == forward.name) {
        throw_conflict(origins, "forward-zone", "stub-zone",
                       stub.name + " is both a forward zone and a stub zone");
      }
    }
  }
  if (!config.tls_listen.empty() && (config.tls_certificate.empty() || config.tls_private_key.empty())) {
    throw_conflict(origins, "tls-listen",
                   config.tls_certificate.empty() ? "tls-certificate" : "tls-private-key",
                   "tls-listen needs tls-certificate and tls-private-key");
  }
  if (!config.https_listen.empty() && (config.tls_certificate.empty() || config.tls_private_key.empty())) {
    throw_conflict(origins, "https-listen",
                   config.tls_certificate.empty() ? "tls-certificate" : "tls-private-key",
                   "https-listen needs tls-certificate and tls-private-key");
  }
  // A fleet shares its keys: a secret made up per process would share nothing, and a short
  // one lets whoever reads Redis compute which names are cached.
  if (!config.redis_server.empty() && config.redis_key_secret.size() < min_redis_key_secret)
    throw_conflict(origins, "redis-server", "redis-key-secret",
                   "redis-server needs redis-key-secret, at least " + std::to_string(min_redis_key_secret) +
                       " characters, the same on every member of the fleet");
  if (!config.dnstap_socket.empty() && config.dnstap_address) {
    throw_conflict(origins, "dnstap-socket", "dnstap-address",
                   "dnstap-socket and dnstap-address are both set; dnstap goes to one collector");
  }
  check_bounds(origins, "cache-min-ttl", config.cache_min_ttl, "cache-max-ttl",
               config.cache_max_ttl);
  check_bounds(origins, "cache-min-negative-ttl", config.cache_min_negative_ttl,
               "cache-max-negative-ttl", config.cache_max_negative_ttl);
  if (config.cache_max_failure_ttl != 0)  // 0: no failure cache, whatever the minimum
    check_bounds(origins, "cache-min-failure-ttl", config.cache_min_failure_ttl,
                 "cache-max-failure-ttl", config.cache_max_failure_ttl);
}

}  // namespace

ConfigError::ConfigError(std::string file, int line, const std::string& message)
    : std::runtime_error(locate(file, line, message)),
      file_(std::move(file)),
      line_(line),
      message_(message) {}

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  Config config = default_config();
  Origins origins;
  int order = 0;
  IncludeStack stack;
  if (!path.empty()) apply_file(path, config, origins, order, stack);
  for (const std::string& text : overrides) apply_override(text, config, origins, order);
  check_consistency(config, origins);
  return config;
}

std::string format_config_error(const ConfigError& error) {
  return locate(error.file(), error.line(), error.message());
}

std::string dump_config(const Config& config) {
  std::string out =
      "# ternd effective configuration (ternd --dump-config): every setting, see "
      "ternd.yaml(5).\n";
  for (const Setting& setting : settings_table()) {
    std::string value = setting.dump(config);
    out += "\n# " + std::string(setting.help) + "\n" + std::string(setting.name) + ":" +
           (value.starts_with('\n') ? value : " " + value) + "\n";
  }
  return out;
}

}  // namespace tern::daemon
