#include "daemon/process/root_key_upkeep.hpp"

#include "daemon/process/startup_checks.hpp"
#include "resolver/dns/message.hpp"
#include "resolver/dns/types.hpp"
#include "resolver/dnssec/rfc5011_file.hpp"
#include "resolver/dnssec/trust_anchors.hpp"
#include "resolver/log.hpp"

#include <chrono>

namespace tern::daemon {
namespace {

namespace dnssec = resolver::dnssec;

dnssec::ManagedTrustPoint read_state(const std::string& path) {
  dnssec::AutoAnchorLoad load = dnssec::read_auto_anchor_file(path, dnssec::builtin_root_anchors());
  if (!load.point) throw StartupFailure(2, "ternd: trust-anchor-auto-file: " + load.error);
  return std::move(*load.point);
}

}  // namespace

// The key cache is the refresher's own: it sees a few keys a day.
RootKeyUpkeep::RootKeyUpkeep(std::string path) : path_(path), point_(read_state(path)), keys_(8) {}

bool RootKeyUpkeep::tick(std::uint64_t now, const Ask& ask) {
  bool changed = false;
  if (pending_ && pending_->wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    changed = take(pending_->get(), now);
    pending_.reset();
  }
  if (!pending_ && now >= next_refresh_) {
    pending_ = ask();
    // Until the answer is in, no second query: next_refresh_ is set by take().
    next_refresh_ = UINT64_MAX;
  }
  return changed;
}

bool RootKeyUpkeep::take(const resolver::Outcome& outcome, std::uint64_t now) {
  if (outcome.answer.empty()) {
    next_refresh_ = dnssec::next_refresh_after_failure(last_timing_, now);
    log::warning("trust-anchor-auto-file: no root DNSKEY set ({}{}); asking again in {} s",
                 dns::rcode_to_text(outcome.rcode),
                 outcome.ede_text.empty() ? "" : ", " + outcome.ede_text, next_refresh_ - now);
    return false;
  }
  last_timing_ = dnssec::dnskey_timing(outcome.answer, point_.zone(), now);
  const dnssec::RefreshResult result = dnssec::apply_dnskey_answer(point_, outcome.answer, now, keys_);
  next_refresh_ = result.next_refresh;
  if (!result.validated) {
    log::warning("trust-anchor-auto-file: the root DNSKEY set does not validate with the trusted keys: {}; "
                 "asking again in {} s", result.why, next_refresh_ - now);
    return false;
  }
  if (!result.changed) return false;
  if (auto error = dnssec::write_auto_anchor_file(path_, point_)) {
    log::error("trust-anchor-auto-file: {}; the new key states are used but not kept", *error);
  } else {
    log::warning("trust-anchor-auto-file: root key states changed (RFC 5011), {} trusted key(s), {} written",
                 point_.trusted_keys().size(), path_);
  }
  return true;
}

}  // namespace tern::daemon
