// What ternd says about itself when asked: the CH TXT names of BIND and RFC 4892
// (version.bind, version.server, id.server, hostname.bind) and the NSID option (RFC 5001).
// Hidden by default, like Unbound's hide-identity/hide-version: a resolver that names its
// software and version helps an attacker pick an exploit, so the operator opts in.
#pragma once

#include "daemon/answering/local_zones.hpp"
#include "resolver/dns/message.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::daemon {

/// The CHAOS class (RFC 1035 §3.2.4), where the identity names live.
inline constexpr std::uint16_t class_ch = 3;
/// The NSID option code (RFC 5001 §2.3).
inline constexpr std::uint16_t edns_option_nsid = 3;

/// What the server discloses; built once per configuration, shared by the workers.
struct ServerIdentity {
  std::optional<std::string> identity;  ///< id.server, hostname.bind; nullopt: hidden (REFUSED)
  std::optional<std::string> version;   ///< version.bind, version.server; nullopt: hidden
  std::string nsid_option;              ///< the whole NSID option (code, length, data); "" = off
};

/// The host name (gethostname), "tern" if it cannot be read: the default identity (CH TXT, dnstap).
std::string host_name();
/// "tern VERSION": the default version text (CH TXT, dnstap).
std::string default_version();

/// The identity of a configuration: `identity` ("" = the host name) unless `hide_identity`,
/// `version` ("" = "tern VERSION") unless `hide_version`, and `nsid` (octets, "" = off).
ServerIdentity make_server_identity(bool hide_identity, const std::string& identity, bool hide_version,
                                    const std::string& version, const std::string& nsid);

/// The answer to `question` when it asks one of the identity names (class CH, type TXT or
/// ANY): the TXT record, or REFUSED when that part is hidden. nullopt for any other question.
std::optional<LocalAnswer> identity_answer(const dns::Question& question, const ServerIdentity& identity);

/// Whether the OPT options of a query (raw: code, length, data ...) hold an NSID option.
bool asks_nsid(std::string_view options) noexcept;

}  // namespace tern::daemon
