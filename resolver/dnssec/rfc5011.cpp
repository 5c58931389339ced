#include "resolver/dnssec/rfc5011.hpp"

#include "resolver/dns/types.hpp"
#include "resolver/dnssec/records.hpp"
#include "resolver/dnssec/verify.hpp"

#include <algorithm>
#include <array>

namespace tern::resolver::dnssec {
namespace {

constexpr std::array<std::pair<KeyState, std::string_view>, 5> state_names{{
    {KeyState::add_pending, "ADDPEND"},
    {KeyState::valid, "VALID"},
    {KeyState::missing, "MISSING"},
    {KeyState::revoked, "REVOKED"},
    {KeyState::removed, "REMOVED"},
}};

/// A key RFC 5011 tracks: a zone key with the SEP bit, as Unbound and BIND track only the
/// key-signing keys a trust anchor names (RFC 5011 section 2 speaks of SEP keys).
bool is_tracked_kind(const Dnskey& key) {
  return key.is_zone_key() && (key.flags & dnskey_sep_flag) != 0 && key.protocol == dnskey_protocol;
}

bool contains(std::span<const std::string> list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::string_view key_state_name(KeyState state) noexcept {
  for (const auto& [value, text] : state_names)
    if (value == state) return text;
  return "?";
}

std::optional<KeyState> key_state_from_name(std::string_view name) noexcept {
  for (const auto& [value, text] : state_names)
    if (text == name) return value;
  return std::nullopt;
}

std::string without_revoke_bit(std::string_view rdata) {
  std::string out(rdata);
  if (out.size() >= 2) out[1] = static_cast<char>(out[1] & ~dnskey_revoke_flag);
  return out;
}

ManagedTrustPoint::ManagedTrustPoint(dns::Name zone, std::vector<dns::Record> seed_ds,
                                     std::vector<ManagedKey> keys)
    : zone_(std::move(zone)), seed_ds_(std::move(seed_ds)), keys_(std::move(keys)) {}

ManagedKey* ManagedTrustPoint::find(std::string_view unrevoked_rdata) {
  for (ManagedKey& key : keys_)
    if (key.dnskey.rdata == unrevoked_rdata) return &key;
  return nullptr;
}

bool ManagedTrustPoint::matches_seed(const dns::Record& dnskey) const {
  const std::uint16_t tag = key_tag(dnskey.rdata);
  const std::optional<Dnskey> key = parse_dnskey(dnskey.rdata);
  for (const dns::Record& rr : seed_ds_) {
    std::optional<Ds> ds = parse_ds(rr.rdata);
    if (!ds || !key || ds->key_tag != tag || ds->algorithm != key->algorithm) continue;
    std::optional<std::string> digest = ds_digest(zone_, dnskey.rdata, ds->digest_type);
    if (digest && *digest == ds->digest) return true;
  }
  return false;
}

bool ManagedTrustPoint::apply_revocations(const DnskeyObservation& seen) {
  bool changed = false;
  for (const dns::Record& rr : seen.dnskeys) {
    std::optional<Dnskey> key = parse_dnskey(rr.rdata);
    if (!key || !key->is_revoked() || !contains(seen.revoked_self_signed, rr.rdata)) continue;
    ManagedKey* tracked = find(without_revoke_bit(rr.rdata));
    // Revbit: only a trust anchor can be revoked; an AddPend key just disappears (KeyRem).
    if (!tracked || (tracked->state != KeyState::valid && tracked->state != KeyState::missing)) continue;
    tracked->state = KeyState::revoked;
    tracked->last_change = seen.now;
    tracked->hold_down_until = seen.now + remove_hold_down_seconds;
    changed = true;
  }
  return changed;
}

bool ManagedTrustPoint::apply_presence(const DnskeyObservation& seen) {
  const bool bootstrapping = trusted_keys().empty();
  bool changed = false;
  for (const dns::Record& rr : seen.dnskeys) {
    std::optional<Dnskey> key = parse_dnskey(rr.rdata);
    if (!key || key->is_revoked() || !is_tracked_kind(*key)) continue;
    ManagedKey* tracked = find(rr.rdata);
    if (!tracked) {  // NewKey, or a configured anchor's key on the first RRset seen
      ManagedKey fresh{rr, KeyState::add_pending, seen.now, seen.now,
                       seen.now + std::max<std::uint64_t>(add_hold_down_seconds, seen.original_ttl)};
      fresh.dnskey.ttl = 0;
      if (bootstrapping && matches_seed(rr)) fresh = ManagedKey{fresh.dnskey, KeyState::valid, 0, seen.now, 0};
      keys_.push_back(std::move(fresh));
      changed = true;
    } else if ((tracked->state == KeyState::add_pending && seen.now >= tracked->hold_down_until) ||
               tracked->state == KeyState::missing) {  // AddTime, KeyPres
      tracked->state = KeyState::valid;
      tracked->last_change = seen.now;
      tracked->hold_down_until = 0;
      changed = true;
    }
  }
  return changed;
}

bool ManagedTrustPoint::apply_absence(const DnskeyObservation& seen) {
  auto present = [&](const ManagedKey& key) {
    return std::any_of(seen.dnskeys.begin(), seen.dnskeys.end(),
                       [&](const dns::Record& rr) { return rr.rdata == key.dnskey.rdata; });
  };
  // KeyRem on AddPend: back to Start; the hold-down begins anew if the key returns.
  const auto erased = std::erase_if(keys_, [&](const ManagedKey& key) {
    return key.state == KeyState::add_pending && !present(key);
  });
  bool changed = erased > 0;
  for (ManagedKey& key : keys_) {
    if (key.state != KeyState::valid || present(key)) continue;
    key.state = KeyState::missing;  // KeyRem on Valid: still trusted, no longer published
    key.last_change = seen.now;
    changed = true;
  }
  return changed;
}

bool ManagedTrustPoint::apply_remove_hold_down(std::uint64_t now) {
  bool changed = false;
  for (ManagedKey& key : keys_) {
    if (key.state != KeyState::revoked || now < key.hold_down_until) continue;
    key.state = KeyState::removed;  // RemTime; kept so the key can never be added again
    key.last_change = now;
    changed = true;
  }
  return changed;
}

bool ManagedTrustPoint::observe(const DnskeyObservation& seen) {
  bool changed = apply_revocations(seen);
  changed |= apply_presence(seen);
  changed |= apply_absence(seen);
  changed |= apply_remove_hold_down(seen.now);
  return changed;
}

std::vector<dns::Record> ManagedTrustPoint::trusted_keys() const {
  std::vector<dns::Record> out;
  for (const ManagedKey& key : keys_)
    if (key.state == KeyState::valid || key.state == KeyState::missing) out.push_back(key.dnskey);
  return out;
}

TrustAnchor ManagedTrustPoint::current_anchor() const {
  std::vector<dns::Record> keys = trusted_keys();
  if (keys.empty()) return TrustAnchor{zone_, seed_ds_, {}};
  return TrustAnchor{zone_, {}, std::move(keys)};
}

std::vector<std::string> revoked_self_signers(std::span<const dns::Record> dnskeys,
                                              std::span<const dns::Record> rrsigs, const dns::Name& zone,
                                              std::uint64_t now, ValidationBudget& budget, KeyCache& cache) {
  std::vector<std::string> out;
  for (const dns::Record& rr : dnskeys) {
    std::optional<Dnskey> key = parse_dnskey(rr.rdata);
    if (!key || !key->is_revoked() || !key->is_zone_key()) continue;
    const dns::Record* only_this_key = &rr;
    RrsetVerdict verdict = verify_rrset(dnskeys, rrsigs, std::span(only_this_key, 1), zone, now, budget, cache);
    if (verdict.verdict.security == Security::secure) out.push_back(rr.rdata);
  }
  return out;
}

std::uint64_t active_refresh_seconds(std::uint32_t original_ttl, std::uint64_t to_min_sig_expiration) noexcept {
  const std::uint64_t shortest = std::min<std::uint64_t>(
      {15 * 86400, original_ttl / 2, to_min_sig_expiration / 2});
  return std::max<std::uint64_t>(3600, shortest);
}

std::uint64_t retry_refresh_seconds(std::uint32_t original_ttl, std::uint64_t to_min_sig_expiration) noexcept {
  const std::uint64_t shortest = std::min<std::uint64_t>(
      {86400, original_ttl / 10, to_min_sig_expiration / 10});
  return std::max<std::uint64_t>(3600, shortest);
}

}  // namespace tern::resolver::dnssec
