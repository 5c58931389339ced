#include "daemon/answering/server_identity.hpp"

#include <unistd.h>

#include <array>
#include <climits>

namespace tern::daemon {

namespace {

/// Which part of the identity a name asks for.
enum class Part { identity, version };

std::optional<Part> part_of(const dns::Name& name) {
  // The names as BIND answers them (version.bind, hostname.bind) and as RFC 4892 §2 names them
  // (id.server, version.server); Unbound answers the same four.
  static const std::array<std::pair<std::string_view, Part>, 4> names{{
      {"version.bind.", Part::version},
      {"version.server.", Part::version},
      {"id.server.", Part::identity},
      {"hostname.bind.", Part::identity},
  }};
  const std::string text = name.to_text();
  for (const auto& [n, part] : names)
    if (text == n) return part;
  return std::nullopt;
}

/// TXT RDATA: character-strings of at most 255 octets each (RFC 1035 §3.3.14).
std::string txt_rdata(std::string_view text) {
  std::string rdata;
  do {
    const std::size_t chunk = std::min<std::size_t>(text.size(), 255);
    rdata += static_cast<char>(chunk);
    rdata.append(text.substr(0, chunk));
    text.remove_prefix(chunk);
  } while (!text.empty());
  return rdata;
}

}  // namespace

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "tern";
  return name;
}

std::string default_version() { return std::string("tern ") + TERN_VERSION; }

ServerIdentity make_server_identity(bool hide_identity, const std::string& identity, bool hide_version,
                                    const std::string& version, const std::string& nsid) {
  ServerIdentity out;
  if (!hide_identity) out.identity = identity.empty() ? host_name() : identity;
  if (!hide_version) out.version = version.empty() ? default_version() : version;
  if (!nsid.empty()) {
    out.nsid_option = {0, static_cast<char>(edns_option_nsid), static_cast<char>(nsid.size() >> 8),
                       static_cast<char>(nsid.size() & 0xff)};
    out.nsid_option += nsid;
  }
  return out;
}

std::optional<LocalAnswer> identity_answer(const dns::Question& question, const ServerIdentity& identity) {
  if (question.klass != class_ch) return std::nullopt;
  if (question.type != dns::rrtype::TXT && question.type != dns::rrtype::ANY) return std::nullopt;
  const std::optional<Part> part = part_of(question.name);
  if (!part) return std::nullopt;
  const std::optional<std::string>& text = *part == Part::version ? identity.version : identity.identity;
  LocalAnswer answer;
  if (!text) {
    answer.outcome.rcode = dns::rcode::refused;  // hidden: as Unbound's hide-identity/hide-version
    return answer;
  }
  answer.outcome.rcode = dns::rcode::noerror;
  answer.outcome.answer.push_back(dns::Record{question.name, dns::rrtype::TXT, class_ch, 0, txt_rdata(*text)});
  return answer;
}

bool asks_nsid(std::string_view options) noexcept {
  std::size_t at = 0;
  while (options.size() - at >= 4) {
    const auto octet = [&](std::size_t i) { return static_cast<std::uint8_t>(options[at + i]); };
    const std::uint16_t code = static_cast<std::uint16_t>(octet(0) << 8 | octet(1));
    const std::size_t length = static_cast<std::size_t>(octet(2) << 8 | octet(3));
    if (code == edns_option_nsid) return true;
    at += 4 + length;
    if (at > options.size()) return false;
  }
  return false;
}

}  // namespace tern::daemon
