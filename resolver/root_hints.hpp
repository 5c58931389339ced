// Root hints: where the walk starts before priming (RFC 8109). The IANA hints are built in
// (zones/named.root, embedded at build time); `root-hints` names another file (the lab's).
#pragma once

#include "resolver/dns/message.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tern::resolver {

/// The root NS set and the addresses of its servers.
struct RootHints {
  std::vector<dns::Record> ns;         ///< ". NS" records
  std::vector<dns::Record> addresses;  ///< A/AAAA records of the NS names
};

/// Parses hints in zone-file format. Throws std::runtime_error "origin:line: message" when the
/// text is not a zone file or holds no root NS with at least one address.
RootHints parse_root_hints(std::string_view text, const std::string& origin);
/// Reads and parses a hints file.
RootHints load_root_hints(const std::string& path);
/// The built-in IANA hints.
RootHints builtin_root_hints();

}  // namespace tern::resolver
