// The settings of the live status page (issue 22): where it listens and who may load it.
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/access_control.hpp"
#include "daemon/config/settings_parse.hpp"

#include <yaml-cpp/yaml.h>

#include <array>

namespace tern::daemon {
namespace {

void apply_http_listen(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config) {
  std::vector<ListenEndpoint> endpoints;
  if (!(value.IsScalar() && value.Scalar().empty())) {
    for (const YAML::Node& item : list_items(self, value, source)) {
      // No default port: 53 would clash with the DNS listeners, 80 is rarely free.
      std::string error;
      auto endpoint = parse_listen_endpoint(item.Scalar(), error, std::nullopt);
      if (!endpoint) throw_setting_error(self, source, item, error);
      if (std::find(endpoints.begin(), endpoints.end(), *endpoint) != endpoints.end())
        throw_setting_error(self, source, item, "'" + item.Scalar() + "' is listed twice");
      endpoints.push_back(*endpoint);
    }
  }
  config.http_listen = std::move(endpoints);
}

std::string dump_http_listen(const Config& config) {
  if (config.http_listen.empty()) return R"("")";
  std::vector<std::string> items;
  for (const ListenEndpoint& endpoint : config.http_listen) items.push_back(format_listen_endpoint(endpoint));
  return block_list(items);
}

void apply_http_access_control(const Setting& self, const YAML::Node& value, const SettingSource& source,
                               Config& config) {
  std::vector<AclRule> rules;
  for (const YAML::Node& item : list_items(self, value, source)) {
    std::string error;
    auto rule = parse_acl_rule(item.Scalar(), error);
    if (!rule) throw_setting_error(self, source, item, error);
    rules.push_back(*rule);
  }
  // On top of the loopback-only rules: an empty list never opens the page to the network.
  config.http_access_control = merge_acl_rules(default_http_access_control(), rules);
}

std::string dump_http_access_control(const Config& config) {
  std::vector<std::string> items;
  for (const AclRule& rule : config.http_access_control) items.push_back(format_acl_rule(rule));
  return block_list(items);
}

constexpr std::array rows{
    Setting{
        .name = "http-listen", .kind = ValueKind::endpoint_list, .default_text = R"("")",
        .help = "Live status page and event stream, ADDRESS@PORT; \"\" = off.",
        .doc = "The addresses on which ternd serves its live status page over HTTP/1.1, each "
               "written ADDRESS@PORT (e.g. 127.0.0.1@8053; the port is required). GET / is one "
               "self-contained page (HTML, CSS and JavaScript built into ternd, nothing fetched "
               "from elsewhere) charting queries per second, the cache hit ratio, answer latency "
               "and the upstream queries and RTTs per authority, and for pinned names their "
               "remaining TTL, every change of their answer and where the authority changed or "
               "the cache let go. GET /events is the same as a server-sent event stream "
               "(text/event-stream): one event a second sampled from the counters ternctl stats "
               "prints (the cache-hit path does nothing for it), each with an id; a client that "
               "reconnects with Last-Event-ID (or ?last_event_id=N) gets what it missed from a ring of "
               "the last 600 events (the page is served with the last 120 of them in it); a comment line every 5 s keeps proxies from closing the stream; at most "
               "8 streams are served at once (more get 503) and a client that does not read its "
               "events within 5 s is dropped. GET /watch?name=NAME&type=TYPE pins a name for the "
               "page (at most 8; pinning a ninth forgets the oldest): its cache entry is looked at "
               "once a second, never resolved or refreshed, so nothing on the page changes "
               "ternd's state. Only GET and HEAD are served (405 otherwise), requests are bounded "
               "at 4096 bytes. Empty (the default) means no status page. Who may connect is "
               "http-access-control's decision.",
        .reload = Reload::restart,
        .apply = apply_http_listen, .dump = dump_http_listen},
    Setting{
        .name = "http-access-control", .kind = ValueKind::acl_list, .default_text = "[]",
        .help = "Who may load the status page: \"PREFIX ACTION\" after the loopback-only rules.",
        .doc = "Who may connect to http-listen. Each rule is \"PREFIX ACTION\" as in "
               "access-control; allow serves the client, refuse answers 403 Forbidden, deny "
               "closes the connection without a word. The rules given here follow built-in "
               "rules that allow 127.0.0.0/8 and ::1 and refuse 0.0.0.0/0 and ::/0, so that the "
               "page is the local operator's unless told otherwise (\"192.0.2.0/24 allow\" opens "
               "it to that network; a rule with a built-in rule's prefix replaces it). The page "
               "has no write actions either way. --dump-config shows the effective list.",
        .reload = Reload::restart,
        .apply = apply_http_access_control, .dump = dump_http_access_control},
};

}  // namespace

std::span<const Setting> status_page_rows() { return rows; }

}  // namespace tern::daemon
