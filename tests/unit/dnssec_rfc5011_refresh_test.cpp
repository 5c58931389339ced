// One RFC 5011 refresh (resolver/dnssec/rfc5011_refresh): an answer to ". DNSKEY" validated
// with the seed DS or the trusted keys and fed to the state machine, and the timers of RFC
// 5011 section 2.3 computed from the RRSIGs that came with it. Keys and signatures are made
// by ldns (tests/unit/dnssec_oracle.hpp).
#include "resolver/dnssec/rfc5011_refresh.hpp"
#include "tests/unit/dnssec_oracle.hpp"
#include "tests/unit/helpers.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tern;
using namespace tern::resolver::dnssec;

namespace {

constexpr std::uint64_t t0 = 1800000000;
constexpr std::uint64_t day = 86400;

/// The root's DNSKEY RRset of `keys` with a TTL of two days (the IANA root's), signed by
/// `signer` from an hour before `now` for `valid_for` seconds after it.
std::vector<dns::Record> answer(const std::vector<const test::OracleKey*>& keys, const test::OracleKey& signer,
                                std::uint64_t now, std::uint64_t valid_for) {
  std::vector<dns::Record> rrset;
  for (const test::OracleKey* k : keys) {
    rrset.push_back(k->dnskey());
    rrset.back().ttl = 172800;
  }
  std::vector<dns::Record> out = rrset;
  out.push_back(signer.sign(rrset, static_cast<std::uint32_t>(now - 3600), static_cast<std::uint32_t>(now + valid_for)));
  return out;
}

KeyState state_of(const ManagedTrustPoint& point, const test::OracleKey& key) {
  for (const ManagedKey& k : point.keys())
    if (k.dnskey.rdata == key.dnskey().rdata) return k.state;
  FAIL("key not tracked");
  return KeyState::removed;
}

}  // namespace

TEST_CASE("RFC 5011 refresh: the seed's key becomes trusted and the next query is the active refresh time",
          "[dnssec][rfc5011]") {
  const test::OracleKey ksk{LDNS_SIGN_ECDSAP256SHA256, 256, ".", 257};
  ManagedTrustPoint point(dns::Name{}, {ksk.ds(LDNS_SHA256)}, {});
  KeyCache cache(8);

  const RefreshResult first = apply_dnskey_answer(point, answer({&ksk}, ksk, t0, 20 * day), t0, cache);
  CHECK(first.validated);
  CHECK(first.changed);
  CHECK(state_of(point, ksk) == KeyState::valid);
  // max(1 h, min(15 days, TTL/2 = 1 day, expiry/2 = 10 days))
  CHECK(first.next_refresh == t0 + day);
  CHECK(point.current_anchor().dnskeys.size() == 1);

  // The same set a day later: validated with the trusted key now, nothing changes.
  const RefreshResult again = apply_dnskey_answer(point, answer({&ksk}, ksk, t0 + day, 4 * 3600), t0 + day, cache);
  CHECK(again.validated);
  CHECK_FALSE(again.changed);
  CHECK(again.next_refresh == t0 + day + 2 * 3600);  // expiry/2 is the shortest
}

TEST_CASE("RFC 5011 refresh: a new key signed in by the trusted one waits in AddPend", "[dnssec][rfc5011]") {
  const test::OracleKey old_ksk{LDNS_SIGN_ECDSAP256SHA256, 256, ".", 257};
  const test::OracleKey new_ksk{LDNS_SIGN_ECDSAP256SHA256, 256, ".", 257};
  ManagedTrustPoint point(dns::Name{}, {old_ksk.ds(LDNS_SHA256)}, {});
  KeyCache cache(8);
  REQUIRE(apply_dnskey_answer(point, answer({&old_ksk}, old_ksk, t0, 20 * day), t0, cache).changed);

  const RefreshResult seen = apply_dnskey_answer(point, answer({&old_ksk, &new_ksk}, old_ksk, t0 + day, 20 * day),
                                                 t0 + day, cache);
  CHECK(seen.validated);
  CHECK(seen.changed);
  CHECK(state_of(point, new_ksk) == KeyState::add_pending);
  CHECK(point.trusted_keys().size() == 1);
}

TEST_CASE("RFC 5011 refresh: a set the trusted keys do not sign changes nothing and is retried sooner",
          "[dnssec][rfc5011]") {
  const test::OracleKey ksk{LDNS_SIGN_ECDSAP256SHA256, 256, ".", 257};
  const test::OracleKey stranger{LDNS_SIGN_ECDSAP256SHA256, 256, ".", 257};
  ManagedTrustPoint point(dns::Name{}, {ksk.ds(LDNS_SHA256)}, {});
  KeyCache cache(8);

  const RefreshResult forged = apply_dnskey_answer(point, answer({&stranger}, stranger, t0, 20 * day), t0, cache);
  CHECK_FALSE(forged.validated);
  CHECK_FALSE(forged.changed);
  CHECK_FALSE(forged.why.empty());
  CHECK(point.keys().empty());
  // max(1 h, min(1 day, TTL/10 = 17280 s, expiry/10 = 2 days))
  CHECK(forged.next_refresh == t0 + 17280);

  // Expired signatures by the right key: not validated either.
  const std::vector<dns::Record> stale = answer({&ksk}, ksk, t0 - 30 * day, 10 * day);
  const RefreshResult expired = apply_dnskey_answer(point, stale, t0, cache);
  CHECK_FALSE(expired.validated);
  CHECK(expired.next_refresh == t0 + 3600);  // expired: the shortest retry

  const RefreshResult empty = apply_dnskey_answer(point, {}, t0, cache);
  CHECK_FALSE(empty.validated);
  CHECK(empty.next_refresh == t0 + 3600);
}

TEST_CASE("RFC 5011 refresh: the timing comes from the RRSIGs over the DNSKEY set", "[dnssec][rfc5011]") {
  const test::OracleKey ksk{LDNS_SIGN_ECDSAP256SHA256, 256, ".", 257};
  const std::vector<dns::Record> records = answer({&ksk}, ksk, t0, 5 * day);
  const DnskeyTiming timing = dnskey_timing(records, dns::Name{}, t0);
  CHECK(timing.original_ttl == 172800);
  CHECK(timing.to_min_expiration == 5 * day);
  CHECK(dnskey_timing(records, dns::Name{}, t0 + 6 * day).to_min_expiration == 0);  // expired
  CHECK(dnskey_timing({}, dns::Name{}, t0).original_ttl == 0);

  CHECK(next_refresh_after_failure(DnskeyTiming{}, t0) == t0 + 3600);
  CHECK(next_refresh_after_failure(timing, t0) == t0 + 17280);
}
