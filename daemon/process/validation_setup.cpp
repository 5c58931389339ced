#include "daemon/process/validation_setup.hpp"

namespace tern::daemon {

ValidationBuild build_validation(const Config& config,
                                 const std::optional<resolver::dnssec::TrustAnchor>& managed_root) {
  namespace dnssec = resolver::dnssec;
  ValidationBuild build;
  dnssec::AnchorLoad load = dnssec::build_trust_anchors(config.trust_anchor_file);
  if (load.error) {
    build.error = "trust-anchor-file: " + *load.error;
    return build;
  }
  if (managed_root) load.store.replace(*managed_root);
  std::string error;
  std::optional<dnssec::NegativeTrustAnchors> insecure =
      dnssec::NegativeTrustAnchors::from_text(config.domain_insecure, error);
  if (!insecure) {  // the loader has checked every name: only a bug gets here
    build.error = error;
    return build;
  }
  if (!config.dnssec) return build;
  auto settings = std::make_shared<dnssec::ValidationSettings>();
  settings->anchors = std::make_shared<const dnssec::TrustAnchorStore>(std::move(load.store));
  settings->insecure = std::move(*insecure);
  settings->aggressive_nsec = config.aggressive_nsec;
  settings->log_bogus = config.dnssec_log_bogus;
  build.settings = std::move(settings);
  return build;
}

}  // namespace tern::daemon
