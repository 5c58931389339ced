// RFC 5011 automated trust anchor maintenance (resolver/dnssec/rfc5011): every state
// transition of section 4 with explicit times, the hold-downs, revocation by the key's own
// signature, and the refresh timers of section 2.3. The state file: dnssec_rfc5011_file_test.
#include "resolver/dnssec/records.hpp"
#include "resolver/dnssec/rfc5011.hpp"
#include "resolver/limits.hpp"
#include "tests/unit/dnssec_oracle.hpp"
#include "tests/unit/helpers.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace tern;
using namespace tern::resolver::dnssec;
using tern::test::rr;

namespace {

constexpr std::uint64_t t0 = 1800000000;
constexpr std::uint64_t day = 86400;

/// Built before Catch runs (namespace-scope constants), so without REQUIRE.
dns::Record root_key(const std::string& public_key, int flags = 257) {
  return dns::record_from_text(". 172800 IN DNSKEY " + std::to_string(flags) + " 3 8 " + public_key).value();
}

const dns::Record key_a = root_key("AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvk");
const dns::Record key_b = root_key("AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx");
const dns::Record zsk = root_key("AwEAAcVnO4Fz5NeIBNvnGBqgIuBE", 256);

dns::Record revoked(dns::Record key) {
  key.rdata[1] = static_cast<char>(key.rdata[1] | dnskey_revoke_flag);
  return key;
}

/// The SHA-256 DS record of a root key, as a configured anchor.
dns::Record ds_of(const dns::Record& key) {
  const std::uint16_t tag = key_tag(key.rdata);
  dns::Record out = rr(". 0 IN DS 1 8 2 00");
  out.rdata = std::string{static_cast<char>(tag >> 8), static_cast<char>(tag & 0xFF), 8, 2} +
              *ds_digest(dns::Name{}, key.rdata, digest::sha256);
  return out;
}

/// One validated DNSKEY RRset seen at `now`; `self_signed` are revoked keys that signed it.
bool see(ManagedTrustPoint& point, std::vector<dns::Record> keys, std::uint64_t now,
         std::vector<dns::Record> self_signed = {}, std::uint32_t original_ttl = 172800) {
  std::vector<std::string> signers;
  for (const dns::Record& k : self_signed) signers.push_back(k.rdata);
  return point.observe(DnskeyObservation{keys, signers, original_ttl, now});
}

const ManagedKey& state_of(const ManagedTrustPoint& point, const dns::Record& key) {
  for (const ManagedKey& k : point.keys())
    if (k.dnskey.rdata == key.rdata) return k;
  FAIL("key not tracked");
  return point.keys().front();
}

bool tracked(const ManagedTrustPoint& point, const dns::Record& key) {
  for (const ManagedKey& k : point.keys())
    if (k.dnskey.rdata == key.rdata) return true;
  return false;
}

bool trusts(const ManagedTrustPoint& point, const dns::Record& key) {
  for (const dns::Record& k : point.trusted_keys())
    if (k.rdata == key.rdata) return true;
  return false;
}

/// A root trust point seeded with key A's DS, after the first RRset {A, ZSK}: A is Valid.
ManagedTrustPoint with_valid_a() {
  ManagedTrustPoint point(dns::Name{}, {ds_of(key_a)}, {});
  see(point, {key_a, zsk}, t0);
  return point;
}

}  // namespace

TEST_CASE("RFC 5011: the first validated RRset makes the seed's key Valid, an unknown KSK AddPend", "[dnssec]") {
  ManagedTrustPoint point(dns::Name{}, {ds_of(key_a)}, {});
  CHECK(point.trusted_keys().empty());
  CHECK(see(point, {key_a, key_b, zsk}, t0));
  CHECK(state_of(point, key_a).state == KeyState::valid);
  CHECK(state_of(point, key_b).state == KeyState::add_pending);
  CHECK(state_of(point, key_b).first_seen == t0);
  CHECK(state_of(point, key_b).hold_down_until == t0 + 30 * day);
  CHECK_FALSE(tracked(point, zsk));  // only SEP keys are trust anchors
  REQUIRE(point.trusted_keys().size() == 1);
  CHECK(trusts(point, key_a));
  CHECK_FALSE(see(point, {key_a, key_b, zsk}, t0 + day));  // nothing changed
}

TEST_CASE("RFC 5011: the anchor in force is the seed DS until a key is trusted, then the trusted keys", "[dnssec]") {
  ManagedTrustPoint point(dns::Name{}, {ds_of(key_a)}, {});
  TrustAnchor before = point.current_anchor();
  CHECK(before.zone.is_root());
  REQUIRE(before.ds.size() == 1);
  CHECK(before.ds[0].rdata == ds_of(key_a).rdata);
  CHECK(before.dnskeys.empty());
  see(point, {key_a, key_b}, t0);
  TrustAnchor after = point.current_anchor();
  CHECK(after.ds.empty());
  REQUIRE(after.dnskeys.size() == 1);  // B is only AddPend
  CHECK(after.dnskeys[0].rdata == key_a.rdata);
}

TEST_CASE("RFC 5011: AddPend becomes Valid only once the 30-day add hold-down has passed", "[dnssec]") {
  ManagedTrustPoint point = with_valid_a();
  see(point, {key_a, key_b}, t0);
  see(point, {key_a, key_b}, t0 + 30 * day - 1);
  CHECK(state_of(point, key_b).state == KeyState::add_pending);
  CHECK_FALSE(trusts(point, key_b));
  CHECK(see(point, {key_a, key_b}, t0 + 30 * day));
  CHECK(state_of(point, key_b).state == KeyState::valid);
  CHECK(state_of(point, key_b).last_change == t0 + 30 * day);
  CHECK(trusts(point, key_b));
}

TEST_CASE("RFC 5011: an original TTL longer than 30 days lengthens the add hold-down", "[dnssec]") {
  ManagedTrustPoint point = with_valid_a();
  see(point, {key_a, key_b}, t0, {}, static_cast<std::uint32_t>(40 * day));
  see(point, {key_a, key_b}, t0 + 30 * day);
  CHECK(state_of(point, key_b).state == KeyState::add_pending);
  see(point, {key_a, key_b}, t0 + 40 * day);
  CHECK(state_of(point, key_b).state == KeyState::valid);
}

TEST_CASE("RFC 5011: an AddPend key that disappears goes back to Start and its hold-down restarts", "[dnssec]") {
  ManagedTrustPoint point = with_valid_a();
  see(point, {key_a, key_b}, t0);
  CHECK(see(point, {key_a}, t0 + 10 * day));
  CHECK_FALSE(tracked(point, key_b));
  see(point, {key_a, key_b}, t0 + 20 * day);
  see(point, {key_a, key_b}, t0 + 30 * day);
  CHECK(state_of(point, key_b).state == KeyState::add_pending);
  see(point, {key_a, key_b}, t0 + 50 * day);
  CHECK(state_of(point, key_b).state == KeyState::valid);
}

TEST_CASE("RFC 5011: a Valid key absent is Missing and still trusted; present again it is Valid", "[dnssec]") {
  ManagedTrustPoint point = with_valid_a();
  see(point, {key_a, key_b}, t0);
  see(point, {key_a, key_b}, t0 + 30 * day);
  CHECK(see(point, {key_b}, t0 + 31 * day));
  CHECK(state_of(point, key_a).state == KeyState::missing);
  CHECK(state_of(point, key_a).last_change == t0 + 31 * day);
  CHECK(trusts(point, key_a));
  CHECK(see(point, {key_a, key_b}, t0 + 32 * day));
  CHECK(state_of(point, key_a).state == KeyState::valid);
}

TEST_CASE("RFC 5011: a self-signed revocation makes a Valid key Revoked, then Removed after 30 days", "[dnssec]") {
  ManagedTrustPoint point = with_valid_a();
  see(point, {key_a, key_b}, t0);
  see(point, {key_a, key_b}, t0 + 30 * day);
  const dns::Record a_revoked = revoked(key_a);
  // The REVOKE bit changes the key tag (RFC 5011 section 2.1) but not the key's identity.
  CHECK(key_tag(a_revoked.rdata) != key_tag(key_a.rdata));
  CHECK(without_revoke_bit(a_revoked.rdata) == key_a.rdata);

  const std::uint64_t revoked_at = t0 + 40 * day;
  CHECK(see(point, {a_revoked, key_b}, revoked_at, {a_revoked}));
  CHECK(state_of(point, key_a).state == KeyState::revoked);
  CHECK(state_of(point, key_a).hold_down_until == revoked_at + 30 * day);
  CHECK_FALSE(trusts(point, key_a));
  see(point, {key_b}, revoked_at + 30 * day - 1);
  CHECK(state_of(point, key_a).state == KeyState::revoked);
  CHECK(see(point, {key_b}, revoked_at + 30 * day));
  CHECK(state_of(point, key_a).state == KeyState::removed);
  // A removed key published again is never trusted again.
  CHECK_FALSE(see(point, {key_a, key_b}, revoked_at + 100 * day));
  CHECK(state_of(point, key_a).state == KeyState::removed);
  CHECK_FALSE(trusts(point, key_a));
}

TEST_CASE("RFC 5011: a revoked key that did not sign the RRset itself revokes nothing", "[dnssec]") {
  ManagedTrustPoint point = with_valid_a();
  see(point, {key_a, key_b}, t0);
  see(point, {key_a, key_b}, t0 + 30 * day);
  see(point, {revoked(key_a), key_b}, t0 + 31 * day);  // signed by B only
  CHECK(state_of(point, key_a).state == KeyState::missing);
  CHECK(trusts(point, key_a));
}

TEST_CASE("RFC 5011: a Missing key can be revoked; an AddPend one is just forgotten", "[dnssec]") {
  ManagedTrustPoint point = with_valid_a();
  see(point, {key_a, key_b}, t0);
  see(point, {key_a, key_b}, t0 + 30 * day);
  see(point, {key_b}, t0 + 31 * day);
  REQUIRE(state_of(point, key_a).state == KeyState::missing);
  see(point, {revoked(key_a), key_b}, t0 + 32 * day, {revoked(key_a)});
  CHECK(state_of(point, key_a).state == KeyState::revoked);

  ManagedTrustPoint pending = with_valid_a();
  see(pending, {key_a, key_b}, t0);
  see(pending, {key_a, revoked(key_b)}, t0 + day, {revoked(key_b)});
  CHECK_FALSE(tracked(pending, key_b));
}

TEST_CASE("RFC 5011: once keys are tracked, a key matching the seed DS still waits the hold-down", "[dnssec]") {
  ManagedTrustPoint point(dns::Name{}, {ds_of(key_a), ds_of(key_b)}, {});
  see(point, {key_a}, t0);
  CHECK(state_of(point, key_a).state == KeyState::valid);
  see(point, {key_a, key_b}, t0 + day);
  CHECK(state_of(point, key_b).state == KeyState::add_pending);
}

TEST_CASE("RFC 5011: only a revoked key's own signature over the RRset counts as its revocation", "[dnssec]") {
  const test::OracleKey revoking{LDNS_SIGN_ECDSAP256SHA256, 256, ".", 257 | dnskey_revoke_flag};
  const test::OracleKey other{LDNS_SIGN_ECDSAP256SHA256, 256, ".", 257};
  const std::vector<dns::Record> rrset{revoking.dnskey(), other.dnskey()};
  const auto now = static_cast<std::uint32_t>(t0);
  KeyCache cache(16);
  ValidationBudget budget{resolver::limits::max_signature_verifications, 100,
                          resolver::limits::max_ds_match_failures};

  const std::vector<dns::Record> by_other{other.sign(rrset, now - 60, now + 3600)};
  CHECK(revoked_self_signers(rrset, by_other, dns::Name{}, now, budget, cache).empty());

  const std::vector<dns::Record> by_itself{revoking.sign(rrset, now - 60, now + 3600), by_other[0]};
  const std::vector<std::string> signers = revoked_self_signers(rrset, by_itself, dns::Name{}, now, budget, cache);
  REQUIRE(signers == std::vector<std::string>{revoking.dnskey().rdata});

  // Fed to the trust point that trusted the key before its revocation: Revoked.
  dns::Record unrevoked = revoking.dnskey();
  unrevoked.rdata = without_revoke_bit(unrevoked.rdata);
  ManagedTrustPoint point(dns::Name{}, {}, {ManagedKey{unrevoked, KeyState::valid, 0, t0 - day, 0}});
  CHECK(point.observe(DnskeyObservation{rrset, signers, 3600, t0}));
  CHECK(state_of(point, unrevoked).state == KeyState::revoked);
}

TEST_CASE("RFC 5011 section 2.3: active refresh and retry times", "[dnssec]") {
  // min(15 days, TTL/2, expiry/2), at least an hour.
  CHECK(active_refresh_seconds(172800, 21 * day) == day);
  CHECK(active_refresh_seconds(172800, 12 * 3600) == 6 * 3600);
  CHECK(active_refresh_seconds(600, 21 * day) == 3600);
  CHECK(active_refresh_seconds(100 * day, 100 * day) == 15 * day);
  // min(1 day, TTL/10, expiry/10), at least an hour.
  CHECK(retry_refresh_seconds(172800, 21 * day) == 17280);
  CHECK(retry_refresh_seconds(172800, 20 * 3600) == 7200);
  CHECK(retry_refresh_seconds(600, 21 * day) == 3600);
  CHECK(retry_refresh_seconds(100 * day, 100 * day) == day);
}
