// The settings of dnstap (https://dnstap.info): where the Frame Streams go (a unix socket or a
// TCP collector), which of the four message kinds are logged, and what each payload says of
// its sender, with Unbound's names and meanings (dnstap-send-identity, dnstap-identity,
// dnstap-send-version, dnstap-version). All need a restart: the I/O thread and the workers'
// queues are made at start.
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/settings_parse.hpp"

#include <yaml-cpp/yaml.h>

#include <array>

namespace tern::daemon {
namespace {

// A sun_path holds 108 octets with its terminating NUL (unix(7)).
constexpr std::size_t max_socket_path = 107;
// dnstap sets no bound on identity and version; they travel in every payload, so keep them short.
constexpr std::size_t max_sender_text = 255;

void apply_dnstap_socket(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config) {
  apply_optional_path<&Config::dnstap_socket>(self, value, source, config);
  if (config.dnstap_socket.size() > max_socket_path)
    throw_setting_error(self, source, value,
                        "longer than " + std::to_string(max_socket_path) + " octets: too long for a unix socket");
}

void apply_dnstap_address(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config) {
  const std::string text = value.IsNull() ? std::string() : scalar_text(self, value, source);
  if (text.empty()) {
    config.dnstap_address.reset();
    return;
  }
  std::string error;
  auto endpoint = parse_listen_endpoint(text, error, std::nullopt);  // the port is required
  if (!endpoint) throw_setting_error(self, source, value, error);
  config.dnstap_address = *endpoint;
}

std::string dump_dnstap_address(const Config& config) {
  return config.dnstap_address ? yaml_quote(format_listen_endpoint(*config.dnstap_address)) : R"("")";
}

template <std::string Config::*Member>
void apply_sender_text(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config) {
  const std::string text = value.IsNull() ? std::string() : scalar_text(self, value, source);
  if (text.size() > max_sender_text)
    throw_setting_error(self, source, value, "longer than " + std::to_string(max_sender_text) + " octets");
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) throw_setting_error(self, source, value, "holds a control character");
  config.*Member = text;
}

template <std::string Config::*Member>
std::string dump_sender_text(const Config& config) {
  return yaml_quote(config.*Member);
}

constexpr std::array rows{
    Setting{
        .name = "dnstap-socket", .kind = ValueKind::path, .default_text = R"("")",
        .help = "dnstap to this collector's unix socket (Frame Streams); \"\" = not there.",
        .doc = "The unix socket of a dnstap collector (such as fstrm_capture -t protobuf:dnstap.Dnstap "
               "-u PATH), to which ternd sends the messages the dnstap-log-* settings choose, as Frame "
               "Streams (bidirectional: READY, ACCEPT, START) carrying the dnstap protobuf. dnstap is on "
               "when this or dnstap-address is set (not both). A collector that is absent at start, or "
               "goes away, is connected to again every second; meanwhile messages are dropped. Writing "
               "never makes a worker wait: each worker queues up to 4096 messages for the writing "
               "thread, and a message that finds its queue full is dropped and counted "
               "(dnstap.dropped). The first connection is made at start; reconnections come after ternd "
               "has changed user (username must be able to connect) and, with chroot, look for the "
               "path inside the chroot. Restart to change.",
        .reload = Reload::restart,
        .apply = apply_dnstap_socket, .dump = dump_optional_path<&Config::dnstap_socket>},
    Setting{
        .name = "dnstap-address", .kind = ValueKind::choice, .default_text = R"("")",
        .values = "ADDRESS@PORT, or \"\"",
        .help = "dnstap to this TCP collector, ADDRESS@PORT (Frame Streams); \"\" = not there.",
        .doc = "A dnstap collector reached over TCP, written ADDRESS@PORT (127.0.0.1@6000, [::1]:6000; "
               "the port is required), instead of dnstap-socket: the same Frame Streams, the same "
               "reconnection every second and the same bounded queues. The stream is not "
               "encrypted: keep it on a loopback address or a trusted network. Restart to change.",
        .reload = Reload::restart,
        .apply = apply_dnstap_address, .dump = dump_dnstap_address},
    Setting{
        .name = "dnstap-log-client-query", .kind = ValueKind::boolean, .default_text = "no",
        .help = "dnstap CLIENT_QUERY: each query a client sent.",
        .doc = "Log a CLIENT_QUERY message for every query received from a client, over UDP, TCP or "
               "DoT (socket protocol UDP, TCP or DOT), before it is answered: when it was received, the "
               "client's address and port, ternd's listening address and port, and the query as "
               "received. Cache hits included. Restart to change.",
        .reload = Reload::restart,
        .apply = apply_bool<&Config::dnstap_log_client_query>, .dump = dump_bool<&Config::dnstap_log_client_query>},
    Setting{
        .name = "dnstap-log-client-response", .kind = ValueKind::boolean, .default_text = "no",
        .help = "dnstap CLIENT_RESPONSE: each response sent to a client.",
        .doc = "Log a CLIENT_RESPONSE message for every response sent to a client: the query's "
               "reception time and the response's, both ends' addresses and ports, the protocol and "
               "the response as sent (before TCP framing). A query answered with silence (a drop) "
               "has none. With this on, a cache hit reads the wall clock and encodes one message: "
               "README's dnstap section gives the measured cost. Restart to change.",
        .reload = Reload::restart,
        .apply = apply_bool<&Config::dnstap_log_client_response>,
        .dump = dump_bool<&Config::dnstap_log_client_response>},
    Setting{
        .name = "dnstap-log-resolver-query", .kind = ValueKind::boolean, .default_text = "no",
        .help = "dnstap RESOLVER_QUERY: each query sent to an authority or forwarder.",
        .doc = "Log a RESOLVER_QUERY message for every query ternd sends upstream (to an authority, "
               "or a forward or stub zone's server), over UDP, TCP (after TC=1, or 0x20 checks) or "
               "DoT: when it left, ternd's source address and port, the server's, the zone cut asked "
               "(query_zone) and the query as sent (its ID, 0x20 case and cookie included). An "
               "identical question already in flight is not sent again, and not logged. Restart to change.",
        .reload = Reload::restart,
        .apply = apply_bool<&Config::dnstap_log_resolver_query>,
        .dump = dump_bool<&Config::dnstap_log_resolver_query>},
    Setting{
        .name = "dnstap-log-resolver-response", .kind = ValueKind::boolean, .default_text = "no",
        .help = "dnstap RESOLVER_RESPONSE: each reply accepted from upstream.",
        .doc = "Log a RESOLVER_RESPONSE message for every reply ternd accepts from upstream (its ID, "
               "question, 0x20 case and cookie matched; a truncated reply is logged too, then the "
               "TCP one): the query's and the reply's times, both ends, the zone and the reply as "
               "received. Replies ignored as spoofing near-misses or malformed are not logged. "
               "Restart to change.",
        .reload = Reload::restart,
        .apply = apply_bool<&Config::dnstap_log_resolver_response>,
        .dump = dump_bool<&Config::dnstap_log_resolver_response>},
    Setting{
        .name = "dnstap-send-identity", .kind = ValueKind::boolean, .default_text = "no",
        .help = "Put dnstap-identity in every dnstap message.",
        .doc = "Whether each dnstap payload carries the identity field (dnstap-identity), as "
               "Unbound's dnstap-send-identity. Restart to change.",
        .reload = Reload::restart,
        .apply = apply_bool<&Config::dnstap_send_identity>, .dump = dump_bool<&Config::dnstap_send_identity>},
    Setting{
        .name = "dnstap-identity", .kind = ValueKind::choice, .default_text = R"("")",
        .values = "a text of up to 255 octets, or \"\"",
        .help = "dnstap's identity field; \"\" = the host name.",
        .doc = "The identity each dnstap payload carries when dnstap-send-identity is yes. Empty (the "
               "default) means the host name (gethostname), as in Unbound. Restart to change.",
        .reload = Reload::restart,
        .apply = apply_sender_text<&Config::dnstap_identity>, .dump = dump_sender_text<&Config::dnstap_identity>},
    Setting{
        .name = "dnstap-send-version", .kind = ValueKind::boolean, .default_text = "no",
        .help = "Put dnstap-version in every dnstap message.",
        .doc = "Whether each dnstap payload carries the version field (dnstap-version), as Unbound's "
               "dnstap-send-version. Restart to change.",
        .reload = Reload::restart,
        .apply = apply_bool<&Config::dnstap_send_version>, .dump = dump_bool<&Config::dnstap_send_version>},
    Setting{
        .name = "dnstap-version", .kind = ValueKind::choice, .default_text = R"("")",
        .values = "a text of up to 255 octets, or \"\"",
        .help = "dnstap's version field; \"\" = \"tern VERSION\".",
        .doc = "The version each dnstap payload carries when dnstap-send-version is yes. Empty (the "
               "default) means \"tern\" and the version ternd --version prints. Restart to change.",
        .reload = Reload::restart,
        .apply = apply_sender_text<&Config::dnstap_version>, .dump = dump_sender_text<&Config::dnstap_version>},
};

}  // namespace

std::span<const Setting> dnstap_rows() { return rows; }

}  // namespace tern::daemon
