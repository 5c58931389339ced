// The DNSSEC settings as the resolver takes them: ternd.yaml's dnssec, trust-anchor-file,
// domain-insecure, aggressive-nsec and dnssec-log-bogus (and the RFC 5011 root anchor of
// trust-anchor-auto-file) made into one ValidationSettings, at start, by --check-config and
// at each reload, so that a bad anchor file is refused the same way by all three.
#pragma once

#include "daemon/config/config.hpp"
#include "resolver/dnssec/trust_anchors.hpp"
#include "resolver/dnssec/validation_settings.hpp"

#include <memory>
#include <optional>
#include <string>

namespace tern::daemon {

/// The outcome of build_validation: the settings (null when dnssec is off), or why not.
struct ValidationBuild {
  std::shared_ptr<const resolver::dnssec::ValidationSettings> settings;
  std::string error;  ///< "FILE:LINE: reason" of the first bad anchor record; "" on success
};

/// Reads every trust-anchor-file (even with dnssec off, so that a bad one is found before it
/// is switched on), puts `managed_root` (the RFC 5011 state's anchor) over the root's, and
/// parses domain-insecure. settings is null when config.dnssec is off or on an error.
ValidationBuild build_validation(const Config& config,
                                 const std::optional<resolver::dnssec::TrustAnchor>& managed_root);

}  // namespace tern::daemon
