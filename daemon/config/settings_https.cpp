// The settings of DNS over HTTPS (RFC 8484): where it listens, its path, and its stream bound.
// The certificate, the connection bounds and the timeouts are DoT's (settings_connections.cpp).
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/settings_parse.hpp"

#include <yaml-cpp/yaml.h>

#include <array>

namespace tern::daemon {
namespace {

/// RFC 8484 uses the https scheme: port 443 unless told otherwise; an empty list turns it off.
void apply_https_listen(const Setting& self, const YAML::Node& value, const SettingSource& source,
                        Config& config) {
  config.https_listen = endpoint_list(self, value, source, 443);
}

std::string dump_https_listen(const Config& config) { return dump_endpoints(config.https_listen); }

/// An absolute path without a query string: the one requests must name (RFC 8484 §3: the
/// URI Template's path; ternd takes the dns variable from the query string).
void apply_https_endpoint(const Setting& self, const YAML::Node& value, const SettingSource& source,
                          Config& config) {
  const std::string& text = scalar_text(self, value, source);
  if (text.empty() || text.front() != '/')
    throw_setting_error(self, source, value, "'" + text + "' is not an absolute path (it must start with /)");
  for (char c : text) {
    if (c == '?' || c == '#' || static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f)
      throw_setting_error(self, source, value,
                          "'" + text + "' has a character a path cannot have here (?, #, a space or a control)");
  }
  if (text.size() > 256) throw_setting_error(self, source, value, "longer than 256 characters");
  config.https_endpoint = text;
}

std::string dump_https_endpoint(const Config& config) { return yaml_quote(config.https_endpoint); }

const std::array rows{
    Setting{
        .name = "https-listen", .kind = ValueKind::endpoint_list, .default_text = "[]",
        .help = "Addresses to answer DNS over HTTPS (RFC 8484, HTTP/2) on, as ADDRESS[@PORT]; empty = off.",
        .doc = "The addresses ternd answers DNS over HTTPS (RFC 8484) on, each written "
               "ADDRESS[@PORT], the port 443 when none is given. Empty (the default) means no "
               "DNS over HTTPS. ternd speaks HTTP/2 only (ALPN \"h2\"), over the TLS of DNS over "
               "TLS: tls-certificate and tls-private-key must be set, and their reload, the "
               "session tickets (tls-ticket-key-rotation), tls-early-data and tls-handshake-timeout "
               "apply alike. DoH connections count against tls-max-connections and "
               "tls-max-connections-per-client together with DoT connections (one bound on TLS "
               "connections, so that neither protocol can take the other's memory), and close "
               "after tcp-idle-timeout without a request (shortened under pressure, as DoT). "
               "Requests: GET with the query in the dns parameter (base64url without padding), or "
               "POST with content-type application/dns-message, on the path https-endpoint; the "
               "answer is application/dns-message with cache-control max-age set to the smallest "
               "TTL of the answer (the negative TTL for NXDOMAIN and NODATA). Refused requests get "
               "400 (bad base64url, not a DNS query), 404 (another path), 405 (another method), "
               "413 (a message over 65535 octets), 415 (another content type), 425 (a POST in "
               "TLS 1.3 early data, RFC 8470: the client sends it again after the handshake) or "
               "431 (headers over 16 KiB, which stops HPACK bombs), counted in https.status.N, "
               "and the connection's other streams go on. A client that resets streams faster "
               "than 10 a second after a burst of 100 (HTTP/2 rapid reset, CVE-2023-44487: each "
               "reset stream would start a resolution the stream bound never sees) gets GOAWAY "
               "and is disconnected (https.reset-floods). Flow control: 64 KiB per stream (one DNS "
               "message) and 1 MiB per connection, so that a client cannot make ternd buffer more; "
               "a client that stops reading its answers is closed at the idle timeout. Responses "
               "to queries with an EDNS padding option are padded as on DoT (RFC 8467). "
               "Discovery (DDR, RFC 9462): while tls-listen or https-listen is set, ternd answers "
               "_dns.resolver.arpa SVCB with one record per encrypted transport (DoT: alpn dot; "
               "DoH: alpn h2 and dohpath https-endpoint{?dns}), its port and the address of the "
               "first listener, so that clients that look can move from plain DNS to it.",
        .reload = Reload::restart,
        .apply = apply_https_listen, .dump = dump_https_listen},
    Setting{
        .name = "https-endpoint", .kind = ValueKind::path, .default_text = R"("/dns-query")",
        .help = "The path DNS-over-HTTPS requests must name; any other gets 404.",
        .doc = "The path of the DNS-over-HTTPS URI (RFC 8484 section 3); the URI Template "
               "clients are given is https://HOST{https-endpoint}{?dns}. Requests for any other "
               "path get 404. Must start with / and carry no query string.",
        .reload = Reload::applies,
        .apply = apply_https_endpoint, .dump = dump_https_endpoint},
    Setting{
        .name = "https-max-streams", .kind = ValueKind::integer, .default_text = "100",
        .min = 1, .max = 1000,
        .help = "HTTP/2 streams (requests in progress) one DoH connection may have open at once.",
        .doc = "SETTINGS_MAX_CONCURRENT_STREAMS: the requests one DNS-over-HTTPS client "
               "connection may have in progress at once; more are refused (RST_STREAM "
               "REFUSED_STREAM) while the others go on. It bounds what one connection can make "
               "ternd hold and resolve at once (a stream flood); the reset bound above stops a "
               "client from getting around it by cancelling streams. A reload applies it to new "
               "connections.",
        .reload = Reload::applies,
        .apply = apply_integer<&Config::https_max_streams>,
        .dump = dump_integer<&Config::https_max_streams>},
};

}  // namespace

std::span<const Setting> https_rows() { return rows; }

}  // namespace tern::daemon
