// What validation is told by the configuration (settings `dnssec`, `trust-anchor-file`,
// `trust-anchor-auto-file`, `domain-insecure`, `aggressive-nsec`, `dnssec-log-bogus`): built
// by the daemon at start and at each reload, shared read-only by every worker's walk. A
// reload builds a new one; walks already running keep the one they started with.
#pragma once

#include "resolver/dnssec/trust_anchors.hpp"

#include <memory>

namespace tern::resolver::dnssec {

struct ValidationSettings {
  /// Where chains of trust start: the built-in root anchors, replaced or extended by the
  /// trust-anchor files and the RFC 5011 state file. Never null.
  std::shared_ptr<const TrustAnchorStore> anchors =
      std::make_shared<const TrustAnchorStore>(TrustAnchorStore::with_builtin_root());
  /// Names answered as insecure without validation (RFC 7646).
  NegativeTrustAnchors insecure;
  /// RFC 8198: names covered by a cached, validated NSEC/NSEC3 get NXDOMAIN/NODATA from cache.
  bool aggressive_nsec = true;
  /// Log one line per bogus answer (the name, type, EDE and why), rate-limited.
  bool log_bogus = false;
};

}  // namespace tern::resolver::dnssec
