// Discovery of Designated Resolvers (DDR, RFC 9462): the SVCB records (RFC 9461) ternd answers
// `_dns.resolver.arpa SVCB` with, naming its own encrypted endpoints, so that a client that
// found ternd over plain DNS can move to DoT or DoH by itself.
#pragma once

#include "daemon/config/config.hpp"

#include <string>
#include <vector>

namespace tern::daemon {

/// Records in presentation form, as local-data takes them: one SVCB per encrypted transport
/// that is on (priority 1 DoT: alpn dot and its port; priority 2 DoH: alpn h2, its port and
/// dohpath, RFC 9461 section 5, written key7 as ldns knows no name for it), with ipv4hint/
/// ipv6hint of its first listen address when that is not a wildcard. None when neither
/// tls-listen nor https-listen is set. TargetName "." (the owner): ternd has no name of its own
/// to give; clients that verify the certificate by the resolver's IP address (RFC 9462 §4.2)
/// need one issued for that address.
std::vector<std::string> ddr_records(const Config& config);

}  // namespace tern::daemon
