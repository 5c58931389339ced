// ldns as the DNSSEC tests' oracle: it generates keys, signs RRsets (ldns_sign_public) and
// computes DS records and key tags, so tern's own checks are compared with an independent
// implementation. Only tests use this; tern's verdict code never calls ldns for DNSSEC.
#pragma once

#include "resolver/dns/ldns_handles.hpp"
#include "resolver/dns/message.hpp"
#include "tests/unit/helpers.hpp"

#include <ldns/ldns.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tern::test {

struct LdnsKeyListFree { void operator()(ldns_key_list* p) const noexcept { ldns_key_list_free(p); } };
struct LdnsRrListFree { void operator()(ldns_rr_list* p) const noexcept { ldns_rr_list_deep_free(p); } };
using LdnsKeyList = std::unique_ptr<ldns_key_list, LdnsKeyListFree>;
using LdnsRrList = std::unique_ptr<ldns_rr_list, LdnsRrListFree>;

inline dns::LdnsRr to_ldns(const dns::Record& r) {
  ldns_rr* out = nullptr;
  const std::string text = dns::record_to_text(r, r.ttl);
  REQUIRE(ldns_rr_new_frm_str(&out, text.c_str(), 0, nullptr, nullptr) == LDNS_STATUS_OK);
  return dns::LdnsRr(out);
}

/// From ldns's fields in wire form (not through text: ldns prints RRSIG times past 2106 in a
/// form it cannot read back).
inline dns::Record from_ldns(const ldns_rr* r) {
  const ldns_rdf* owner = ldns_rr_owner(r);
  auto name = dns::Name::from_wire(std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(owner)),
                                                    ldns_rdf_size(owner)));
  REQUIRE(name);
  dns::Record out{*name, static_cast<std::uint16_t>(ldns_rr_get_type(r)),
                  static_cast<std::uint16_t>(ldns_rr_get_class(r)), ldns_rr_ttl(r), {}};
  for (std::size_t i = 0; i < ldns_rr_rd_count(r); ++i) {
    const ldns_rdf* field = ldns_rr_rdf(r, i);
    out.rdata.append(reinterpret_cast<const char*>(ldns_rdf_data(field)), ldns_rdf_size(field));
  }
  return out;
}

/// A freshly generated key of one algorithm, owned by a zone, that signs through ldns.
class OracleKey {
 public:
  OracleKey(ldns_signing_algorithm alg, std::uint16_t bits, const char* zone, std::uint16_t flags = 257)
      : list_(ldns_key_list_new()) {
    ldns_key* key = ldns_key_new_frm_algorithm(alg, bits);
    REQUIRE(key != nullptr);
    REQUIRE(ldns_key_list_push_key(list_.get(), key));
    ldns_key_set_pubkey_owner(key, ldns_dname_new_frm_str(zone));
    ldns_key_set_flags(key, flags);
    dnskey_.reset(ldns_key2rr(key));
    REQUIRE(dnskey_);
    ldns_rr_set_ttl(dnskey_.get(), 3600);
    ldns_key_set_keytag(key, ldns_calc_keytag(dnskey_.get()));
    key_ = key;
  }

  dns::Record dnskey() const { return from_ldns(dnskey_.get()); }
  std::uint16_t tag() const { return ldns_calc_keytag(dnskey_.get()); }

  /// ldns's DS record of this key (ldns_key_rr2ds) with the given digest.
  dns::Record ds(ldns_hash h) const {
    dns::LdnsRr ds(ldns_key_rr2ds(dnskey_.get(), h));
    REQUIRE(ds);
    return from_ldns(ds.get());
  }

  /// ldns_sign_public's RRSIG over `rrset` valid from `inception` to `expiration`.
  dns::Record sign(const std::vector<dns::Record>& rrset, std::uint32_t inception,
                   std::uint32_t expiration) const {
    ldns_key_set_inception(key_, inception);
    ldns_key_set_expiration(key_, expiration);
    LdnsRrList in(ldns_rr_list_new());
    for (const dns::Record& r : rrset) REQUIRE(ldns_rr_list_push_rr(in.get(), to_ldns(r).release()));
    LdnsRrList sigs(ldns_sign_public(in.get(), list_.get()));
    REQUIRE(sigs);
    REQUIRE(ldns_rr_list_rr_count(sigs.get()) == 1);
    return from_ldns(ldns_rr_list_rr(sigs.get(), 0));
  }

 private:
  LdnsKeyList list_;
  ldns_key* key_ = nullptr;  ///< owned by list_
  dns::LdnsRr dnskey_;
};

}  // namespace tern::test
