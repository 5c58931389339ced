// Automated updates of the root trust anchor (RFC 5011, setting `trust-anchor-auto-file`):
// the per-key state machine of RFC 5011 section 4, driven by "a DNSKEY RRset of the root,
// validated with the keys trusted so far, was seen at time T", and the refresh timers of
// section 2.3. Pure: no clock, no files (rfc5011_file.hpp keeps the state on disk).
#pragma once

#include "resolver/dns/message.hpp"
#include "resolver/dnssec/crypto.hpp"
#include "resolver/dnssec/security.hpp"
#include "resolver/dnssec/trust_anchors.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::resolver::dnssec {

/// RFC 5011 section 2.4.1: a new key becomes trusted 30 days after it was first seen (or the
/// DNSKEY RRset's original TTL, if longer), provided every validated RRset since showed it.
inline constexpr std::uint64_t add_hold_down_seconds = 30 * 86400;
/// RFC 5011 section 2.4.2: a revoked key is forgotten 30 days after the revocation was seen.
inline constexpr std::uint64_t remove_hold_down_seconds = 30 * 86400;

/// RFC 5011 section 4: Start is a key not yet tracked, so it is never stored.
enum class KeyState { add_pending, valid, missing, revoked, removed };

std::string_view key_state_name(KeyState state) noexcept;  ///< "ADDPEND", "VALID"...
std::optional<KeyState> key_state_from_name(std::string_view name) noexcept;

/// One tracked key. `dnskey` holds the key as first seen, REVOKE bit clear: a key revoked
/// later is still the same key (its RDATA and key tag change with the bit, RFC 5011 2.1).
struct ManagedKey {
  dns::Record dnskey;
  KeyState state = KeyState::add_pending;
  std::uint64_t first_seen = 0;       ///< when it entered AddPend (0: trusted from the start)
  std::uint64_t last_change = 0;      ///< when it entered its current state
  std::uint64_t hold_down_until = 0;  ///< AddPend: add hold-down; Revoked: remove hold-down
  friend bool operator==(const ManagedKey&, const ManagedKey&) = default;
};

/// What the caller saw: the root's DNSKEY RRset, already validated with trusted_keys() (or
/// with the configured DS anchors while no key is tracked), at `now`. `revoked_self_signed`
/// lists the RDATA (as received, REVOKE bit set) of each revoked key that signed the RRset
/// itself: RFC 5011 section 2.1 accepts a revocation only so.
struct DnskeyObservation {
  std::span<const dns::Record> dnskeys;
  std::span<const std::string> revoked_self_signed;
  std::uint32_t original_ttl = 0;
  std::uint64_t now = 0;
};

/// The RFC 5011 state of one trust point (the root).
class ManagedTrustPoint {
 public:
  /// A trust point with no tracked key yet: the first observation's SEP keys that match one
  /// of `seed_ds` (the configured DS anchors) are Valid at once, as they are trusted already.
  ManagedTrustPoint(dns::Name zone, std::vector<dns::Record> seed_ds, std::vector<ManagedKey> keys);

  /// Applies the section 4.1 events for one validated RRset: NewKey (unknown SEP key: AddPend
  /// with an add hold-down), AddTime (AddPend past its hold-down and still present: Valid),
  /// KeyRem (AddPend absent: forgotten; Valid absent: Missing), KeyPres (Missing back: Valid),
  /// Revbit (Valid or Missing revoked and self-signed: Revoked with a remove hold-down) and
  /// RemTime (Revoked past its hold-down: Removed). Returns whether any key changed.
  bool observe(const DnskeyObservation& seen);

  /// The DNSKEYs to validate the root with: Valid and Missing keys (a Missing key is still a
  /// trust anchor, RFC 5011 section 4.1).
  std::vector<dns::Record> trusted_keys() const;
  /// The anchor to put in the TrustAnchorStore for zone(): the trusted keys, or the seed DS
  /// records while no key is trusted yet (before the first validated RRset).
  TrustAnchor current_anchor() const;

  const dns::Name& zone() const noexcept { return zone_; }
  const std::vector<dns::Record>& seed_ds() const noexcept { return seed_ds_; }
  const std::vector<ManagedKey>& keys() const noexcept { return keys_; }

 private:
  ManagedKey* find(std::string_view unrevoked_rdata);
  bool apply_revocations(const DnskeyObservation& seen);
  bool apply_presence(const DnskeyObservation& seen);
  bool apply_absence(const DnskeyObservation& seen);
  bool apply_remove_hold_down(std::uint64_t now);
  bool matches_seed(const dns::Record& dnskey) const;

  dns::Name zone_;
  std::vector<dns::Record> seed_ds_;
  std::vector<ManagedKey> keys_;
};

/// The RDATA of each revoked zone key among `dnskeys` (the trust point's DNSKEY RRset) that
/// signs that RRset itself, for DnskeyObservation::revoked_self_signed: RFC 5011 section 2.1
/// accepts a revocation only from the revoked key's own signature. Spends the budget as
/// verify_rrset does.
std::vector<std::string> revoked_self_signers(std::span<const dns::Record> dnskeys,
                                              std::span<const dns::Record> rrsigs, const dns::Name& zone,
                                              std::uint64_t now, ValidationBudget& budget, KeyCache& cache);

/// `rdata` (a DNSKEY's) with the REVOKE bit cleared: the identity of a key across revocation.
std::string without_revoke_bit(std::string_view rdata);

/// RFC 5011 section 2.3 active refresh: when to query the DNSKEY RRset again after a success,
/// max(1 hour, min(15 days, original TTL / 2, time to the earliest RRSIG expiration / 2)).
std::uint64_t active_refresh_seconds(std::uint32_t original_ttl, std::uint64_t to_min_sig_expiration) noexcept;
/// RFC 5011 section 2.3 retry after a failed query:
/// max(1 hour, min(1 day, original TTL / 10, time to the earliest RRSIG expiration / 10)).
std::uint64_t retry_refresh_seconds(std::uint32_t original_ttl, std::uint64_t to_min_sig_expiration) noexcept;

}  // namespace tern::resolver::dnssec
