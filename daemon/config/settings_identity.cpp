// The settings of what ternd says about itself: the CH TXT identity names and NSID (RFC 4892,
// RFC 5001), with Unbound's names (hide-identity, identity, hide-version, version, nsid) and
// the opposite default: hidden until the operator opts in.
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/settings_parse.hpp"

#include <yaml-cpp/yaml.h>

#include <array>
#include <cctype>

namespace tern::daemon {
namespace {

// A TXT character-string holds 255 octets; a longer identity is a typo, not a need.
constexpr std::size_t max_identity_text = 255;
// RFC 5001 sets no bound; one that fits any response's OPT is enough for a server's name.
constexpr std::size_t max_nsid_octets = 128;

template <std::string Config::*Member>
void apply_identity_text(const Setting& self, const YAML::Node& value, const SettingSource& source,
                         Config& config) {
  const std::string text = value.IsNull() ? std::string() : scalar_text(self, value, source);
  if (text.size() > max_identity_text)
    throw_setting_error(self, source, value, "longer than " + std::to_string(max_identity_text) + " octets");
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw_setting_error(self, source, value, "holds a control character");
  config.*Member = text;
}

template <std::string Config::*Member>
std::string dump_identity_text(const Config& config) {
  return yaml_quote(config.*Member);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// Unbound's syntax: hex digits, or "ascii_" and the text itself.
void apply_nsid(const Setting& self, const YAML::Node& value, const SettingSource& source, Config& config) {
  const std::string text = value.IsNull() ? std::string() : scalar_text(self, value, source);
  std::string octets;
  if (text.starts_with("ascii_")) {
    octets = text.substr(6);
    if (octets.empty()) throw_setting_error(self, source, value, "'ascii_' needs a text after it");
  } else {
    if (text.size() % 2 != 0)
      throw_setting_error(self, source, value, "'" + text + "' is neither hex digits (pairs) nor ascii_TEXT");
    for (std::size_t i = 0; i < text.size(); i += 2) {
      const int high = hex_digit(text[i]), low = hex_digit(text[i + 1]);
      if (high < 0 || low < 0)
        throw_setting_error(self, source, value, "'" + text + "' is neither hex digits nor ascii_TEXT");
      octets += static_cast<char>(high << 4 | low);
    }
  }
  if (octets.size() > max_nsid_octets)
    throw_setting_error(self, source, value, "longer than " + std::to_string(max_nsid_octets) + " octets");
  config.nsid = std::move(octets);
}

/// Printable octets as ascii_TEXT (as written), others as hex digits.
std::string dump_nsid(const Config& config) {
  if (config.nsid.empty()) return R"("")";
  bool printable = true;
  for (char c : config.nsid) printable = printable && std::isprint(static_cast<unsigned char>(c));
  if (printable) return yaml_quote("ascii_" + config.nsid);
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : config.nsid) {
    hex += digits[c >> 4];
    hex += digits[c & 0xf];
  }
  return yaml_quote(hex);
}

constexpr std::array rows{
    Setting{
        .name = "hide-identity", .kind = ValueKind::boolean, .default_text = "yes",
        .help = "Refuse CH TXT id.server and hostname.bind (yes) or answer them (no).",
        .doc = "Whether ternd keeps its name to itself: with yes (the default) a query for id.server or "
               "hostname.bind in class CH, type TXT (RFC 4892), is answered REFUSED, as Unbound does "
               "with hide-identity; with no, it is answered with identity. The answer is the same "
               "whatever RD says and is never cached or sent upstream.",
        .reload = Reload::applies,
        .apply = apply_bool<&Config::hide_identity>, .dump = dump_bool<&Config::hide_identity>},
    Setting{
        .name = "identity", .kind = ValueKind::choice, .default_text = R"("")",
        .values = "a text of up to 255 octets, or \"\"",
        .help = "The text of id.server and hostname.bind; \"\" = the host name.",
        .doc = "The TXT answer to id.server and hostname.bind (class CH) when hide-identity is no. "
               "Empty (the default) means the host name (gethostname).",
        .reload = Reload::applies,
        .apply = apply_identity_text<&Config::identity>, .dump = dump_identity_text<&Config::identity>},
    Setting{
        .name = "hide-version", .kind = ValueKind::boolean, .default_text = "yes",
        .help = "Refuse CH TXT version.bind and version.server (yes) or answer them (no).",
        .doc = "Whether ternd keeps its version to itself: with yes (the default) a query for "
               "version.bind or version.server in class CH, type TXT, is answered REFUSED, as "
               "Unbound does with hide-version (a version helps an attacker pick an exploit); with "
               "no, it is answered with version.",
        .reload = Reload::applies,
        .apply = apply_bool<&Config::hide_version>, .dump = dump_bool<&Config::hide_version>},
    Setting{
        .name = "version", .kind = ValueKind::choice, .default_text = R"("")",
        .values = "a text of up to 255 octets, or \"\"",
        .help = "The text of version.bind and version.server; \"\" = \"tern VERSION\".",
        .doc = "The TXT answer to version.bind and version.server (class CH) when hide-version is "
               "no. Empty (the default) means \"tern\" and the version ternd --version prints.",
        .reload = Reload::applies,
        .apply = apply_identity_text<&Config::version>, .dump = dump_identity_text<&Config::version>},
    Setting{
        .name = "nsid", .kind = ValueKind::choice, .default_text = R"("")",
        .values = "hex digits, ascii_TEXT, or \"\"",
        .help = "NSID (RFC 5001) for clients that ask: hex or ascii_TEXT; \"\" = none.",
        .doc = "The name server identifier (RFC 5001) ternd puts in the OPT record of its response "
               "when a query carries an empty NSID option (dig +nsid), on every path: cache hits, "
               "resolved answers, errors. Written as in Unbound: hex digits (\"74 65 72 6e\" without "
               "the spaces, up to 128 octets), or ascii_ followed by the text (ascii_ns1). Empty "
               "(the default) means no NSID: the option is ignored, as any unknown one.",
        .reload = Reload::applies,
        .apply = apply_nsid, .dump = dump_nsid},
};

}  // namespace

std::span<const Setting> identity_rows() { return rows; }

}  // namespace tern::daemon
