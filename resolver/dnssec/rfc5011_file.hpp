// The state file of `trust-anchor-auto-file` (RFC 5011 state of one trust point, the root).
//
// Text, one record a line, so that a DS or DNSKEY record copied from IANA or from
// /usr/share/dns/root.key is a valid first version of it:
//
//   ; comment lines start with a semicolon
//   . 0 IN DS 20326 8 2 E06D...8EC8D ;;state=SEED
//   . 0 IN DNSKEY 257 3 8 AwEAAa...  ;;state=VALID ;;first_seen=0 ;;last_change=1700000000 ;;hold_down_until=0
//
// A DS record is a seed (a configured anchor that trusts the keys it matches on the first
// validated RRset); a DNSKEY is a tracked key with its RFC 5011 state (ADDPEND, VALID, MISSING,
// REVOKED, REMOVED) and times in seconds since the epoch. A DNSKEY without ";;state=" is VALID
// (an anchor given by hand), a DS without it is a seed. Every record has the same owner.
#pragma once

#include "resolver/dnssec/rfc5011.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tern::resolver::dnssec {

/// The outcome of reading a state file: the trust point, or why not ("FILE:LINE: reason").
struct AutoAnchorLoad {
  std::optional<ManagedTrustPoint> point;
  std::string error;
};

/// Parses the text of a state file; `path` only names it in errors.
AutoAnchorLoad parse_auto_anchor_text(std::string_view text, const std::string& path);

/// Reads `path`. A file that does not exist yet gives a root trust point seeded with
/// `default_seed` (the built-in root DS records); any other failure is an error and the file
/// is left as it is, so a corrupt state file is never replaced by an empty one.
AutoAnchorLoad read_auto_anchor_file(const std::string& path, std::vector<dns::Record> default_seed);

/// The text of the state file for `point`.
std::string auto_anchor_text(const ManagedTrustPoint& point);

/// Writes the state atomically: a temporary file in the same directory, flushed to disk, then
/// renamed over `path`, so a crash leaves either the old or the new state. nullopt on
/// success, else the reason (the old file is untouched, the temporary removed).
std::optional<std::string> write_auto_anchor_file(const std::string& path, const ManagedTrustPoint& point);

}  // namespace tern::resolver::dnssec
