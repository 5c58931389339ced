// The building blocks of denial proofs: canonical order (RFC 4034 section 6.1), NSEC/NSEC3
// RDATA parsing, base32hex and the NSEC3 hash (RFC 5155 section 5, appendix A), with ldns as
// the oracle for order and hashes.
#include "helpers.hpp"

#include "resolver/dns/ldns_handles.hpp"
#include "resolver/dnssec/name_order.hpp"
#include "resolver/dnssec/nsec3_hash.hpp"
#include "resolver/dnssec/nsec_records.hpp"
#include "resolver/limits.hpp"

#include <ldns/ldns.h>

#include <string>
#include <vector>

using namespace tern;
using namespace tern::resolver::dnssec;
using tern::test::name;
using tern::test::rr;

namespace {

int ldns_order(const dns::Name& a, const dns::Name& b) {
  dns::LdnsRdf ra(ldns_dname_new_frm_data(static_cast<uint16_t>(a.wire().size()), a.wire().data()));
  dns::LdnsRdf rb(ldns_dname_new_frm_data(static_cast<uint16_t>(b.wire().size()), b.wire().data()));
  REQUIRE(ra);
  REQUIRE(rb);
  return ldns_dname_compare(ra.get(), rb.get());
}

/// ldns's NSEC3 hash of `n` as lower-case base32hex: the oracle for nsec3_sha1.
std::string oracle_hash(const dns::Name& n, std::uint16_t iterations, const std::string& salt) {
  dns::LdnsRdf rn(ldns_dname_new_frm_data(static_cast<uint16_t>(n.wire().size()), n.wire().data()));
  dns::LdnsRdf hashed(ldns_nsec3_hash_name(rn.get(), 1, iterations,
                                           static_cast<uint8_t>(salt.size()),
                                           reinterpret_cast<const uint8_t*>(salt.data())));
  REQUIRE(hashed);
  dns::LdnsString text(ldns_rdf2str(hashed.get()));
  std::string out(text.get());
  if (!out.empty() && out.back() == '.') out.pop_back();
  dns::ascii_lowercase(out);
  return out;
}

std::string our_hash(const char* text, std::uint16_t iterations = 12,
                     const std::string& salt = "\xaa\xbb\xcc\xdd") {
  auto digest = nsec3_sha1(name(text), salt, iterations);
  REQUIRE(digest);
  return base32hex_encode(*digest);
}

}  // namespace

TEST_CASE("canonical order follows RFC 4034 section 6.1 and agrees with ldns", "[dnssec]") {
  // The example list of RFC 4034 section 6.1, in canonical order.
  const std::vector<dns::Name> sorted = {
      name("example"),         name("a.example"),      name("yljkjljk.a.example"),
      name("Z.a.example"),     name("zABC.a.EXAMPLE"), name("z.example"),
      name("\\001.z.example"), name("*.z.example"),    name("\\200.z.example"),
  };
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    for (std::size_t j = 0; j < sorted.size(); ++j) {
      const auto ours = canonical_compare(sorted[i], sorted[j]);
      const int theirs = ldns_order(sorted[i], sorted[j]);
      INFO(sorted[i].to_text() << " vs " << sorted[j].to_text());
      CHECK((ours < 0) == (i < j));
      CHECK((ours == 0) == (i == j));
      CHECK((theirs < 0) == (ours < 0));
      CHECK((theirs == 0) == (ours == 0));
    }
  }
}

TEST_CASE("an NSEC span covers strictly between owner and next, the last one wraps", "[dnssec]") {
  CHECK(canonical_span_covers(name("b.example"), name("ns1.example"), name("ml.example")));
  CHECK_FALSE(canonical_span_covers(name("b.example"), name("ns1.example"), name("b.example")));
  CHECK_FALSE(canonical_span_covers(name("b.example"), name("ns1.example"), name("ns1.example")));
  CHECK_FALSE(canonical_span_covers(name("b.example"), name("ns1.example"), name("a.example")));
  // The last NSEC (next = apex) covers everything after its owner.
  CHECK(canonical_span_covers(name("xx.example"), name("example"), name("zz.example")));
  CHECK(canonical_span_covers(name("xx.example"), name("example"), name("a.xx.example")));
  CHECK_FALSE(canonical_span_covers(name("xx.example"), name("example"), name("ns1.example")));
  // A zone of one name: its NSEC points at itself and covers every other name.
  CHECK(canonical_span_covers(name("example"), name("example"), name("a.example")));
  CHECK_FALSE(canonical_span_covers(name("example"), name("example"), name("example")));
}

TEST_CASE("common ancestors", "[dnssec]") {
  CHECK(common_ancestor(name("a.z.w.example"), name("x.y.w.example")) == name("w.example"));
  CHECK(common_ancestor(name("a.example"), name("a.example")) == name("a.example"));
  CHECK(common_ancestor(name("a.example"), name("b.org")) == name("."));
}

TEST_CASE("type bitmaps are checked and queried", "[dnssec]") {
  auto nsec =
      parse_nsec(rr("example. 3600 IN NSEC a.example. NS SOA MX RRSIG NSEC DNSKEY TYPE1234").rdata);
  REQUIRE(nsec);
  CHECK(nsec->next == name("a.example"));
  for (std::uint16_t t : {2, 6, 15, 46, 47, 48, 1234}) CHECK(nsec->types.has(t));
  for (std::uint16_t t : {1, 5, 28, 43, 39, 1233, 1235, 65535}) CHECK_FALSE(nsec->types.has(t));
  using namespace std::string_literals;
  CHECK(TypeBitmap::parse(""s));
  CHECK(TypeBitmap::parse("\x00\x01\x40"s));
  CHECK_FALSE(TypeBitmap::parse("\x00"s));                               // window without a length
  CHECK_FALSE(TypeBitmap::parse("\x00\x00"s));                           // empty bitmap
  CHECK_FALSE(TypeBitmap::parse("\x00\x02\x40"s));                       // shorter than its length
  CHECK_FALSE(TypeBitmap::parse("\x00\x21" + std::string(33, '\x01')));  // over 32 octets
  CHECK_FALSE(TypeBitmap::parse("\x01\x01\x40\x00\x01\x40"s));           // windows out of order
  CHECK_FALSE(TypeBitmap::parse("\x00\x01\x40\x00\x01\x40"s));           // window twice
}

TEST_CASE("garbled NSEC and NSEC3 rdata is rejected, never read past", "[dnssec]") {
  const std::string nsec = rr("ns1.example. 3600 IN NSEC ns2.example. A RRSIG NSEC").rdata;
  const std::string nsec3 = rr("2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. 3600 IN NSEC3 1 1 12 "
                               "aabbccdd 2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG")
                                .rdata;
  REQUIRE(parse_nsec(nsec));
  auto full = parse_nsec3(nsec3);
  REQUIRE(full);
  CHECK(full->algorithm == 1);
  CHECK(full->opt_out());
  CHECK(full->iterations == 12);
  CHECK(full->salt == "\xaa\xbb\xcc\xdd");
  CHECK(base32hex_encode(full->next_hashed_owner) == "2vptu5timamqttgl4luu9kg21e0aor3s");
  CHECK(full->types.has(dns::rrtype::A));
  CHECK_FALSE(full->types.has(dns::rrtype::MX));
  // Every truncation (in a buffer of its own, so ASan sees any read past it) is refused,
  // except the one that ends right before the bitmap (an empty bitmap is well-formed).
  const std::size_t before_bitmap = 5 + 4 + 1 + 20;
  for (std::size_t len = 0; len < nsec3.size(); ++len)
    CHECK(parse_nsec3(std::string(nsec3, 0, len)).has_value() == (len == before_bitmap));
  for (std::size_t len = 0; len < nsec.size(); ++len) {
    const bool ends_after_name = len == name("ns2.example").wire().size();
    CHECK(parse_nsec(std::string(nsec, 0, len)).has_value() == ends_after_name);
  }
  std::string zero_hash = nsec3;
  zero_hash[5 + 4] = 0;  // hash length 0
  CHECK_FALSE(parse_nsec3(zero_hash));
  std::string long_label = "\x40" + std::string(64, 'a') + std::string(1, '\0');
  CHECK_FALSE(parse_nsec(long_label));
}

TEST_CASE("base32hex round-trips and rejects what is not base32hex", "[dnssec]") {
  const std::string octets =
      "\x06\x53\x68\xab\xee\xd7\xec\x6e\x9f\xeb\xa9\x6b\x8c\x8b\xc3\xe8\xb7\x91\xf7\x16";
  CHECK(base32hex_encode(octets) == "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom");
  CHECK(base32hex_decode("0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM") == octets);
  CHECK(base32hex_decode("") == std::string());
  CHECK(base32hex_encode("f") == "co");
  CHECK(base32hex_decode("co") == "f");
  CHECK_FALSE(base32hex_decode("cp"));  // trailing bits not zero
  CHECK_FALSE(base32hex_decode("c"));   // not a whole octet
  CHECK_FALSE(base32hex_decode("0p9w"));
  CHECK_FALSE(base32hex_decode("co=="));
}

TEST_CASE("NSEC3 hashes match RFC 5155 appendix A and ldns", "[dnssec]") {
  const std::vector<std::pair<const char*, const char*>> appendix_a = {
      {"example", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},
      {"a.example", "35mthgpgcu1qg68fab165klnsnk3dpvl"},
      {"ai.example", "gjeqe526plbf1g8mklp59enfd789njgi"},
      {"ns1.example", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"},
      {"ns2.example", "q04jkcevqvmu85r014c7dkba38o0ji5r"},
      {"w.example", "k8udemvp1j2f7eg6jebps17vp3n8i58h"},
      {"*.w.example", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"},
      {"x.w.example", "b4um86eghhds6nea196smvmlo4ors995"},
      {"y.w.example", "ji6neoaepv8b5o6k4ev33abha8ht9fgc"},
      {"x.y.w.example", "2vptu5timamqttgl4luu9kg21e0aor3s"},
      {"xx.example", "t644ebqk9bibcna874givr6joj62mlhv"},
      {"2t7b4g4vsa5smi47k61mv5bv1a22bojr.example", "kohar7mbb8dc2ce8a9qvl8hon4k53uhi"},
  };
  for (const auto& [owner, hash] : appendix_a) {
    INFO(owner);
    CHECK(our_hash(owner) == hash);
    CHECK(oracle_hash(name(owner), 12, "\xaa\xbb\xcc\xdd") == hash);
  }
  // Case does not change the hash (the canonical form is lower case), salt and iterations do.
  CHECK(our_hash("X.W.Example") == "b4um86eghhds6nea196smvmlo4ors995");
  for (std::uint16_t iterations : {0, 1, 150}) {
    for (const std::string& salt : {std::string(), std::string("\x01"), std::string(255, '\x7f')}) {
      CHECK(our_hash("c.x.w.example", iterations, salt) ==
            oracle_hash(name("c.x.w.example"), iterations, salt));
    }
  }
  CHECK(our_hash("example", 0) != our_hash("example", 12));
}

TEST_CASE("the NSEC3 hasher charges the budget once per name and stops at zero", "[dnssec]") {
  ValidationBudget budget{0, 30, 0};
  Nsec3Hasher hasher(budget);
  const std::string salt = "\xaa\xbb\xcc\xdd";
  REQUIRE(hasher.hash(name("example"), salt, 12));
  CHECK(budget.nsec3_hashes == 30 - nsec3_hash_cost(12));
  REQUIRE(hasher.hash(name("EXAMPLE"), salt, 12));  // cached: the same canonical name
  CHECK(budget.nsec3_hashes == 30 - nsec3_hash_cost(12));
  CHECK(hasher.computed() == 1);
  REQUIRE(hasher.hash(name("a.example"), salt, 12));
  CHECK(budget.nsec3_hashes == 30 - 2 * nsec3_hash_cost(12));
  CHECK_FALSE(hasher.hash(name("ai.example"), salt, 12));  // 4 left, 13 needed
  CHECK(hasher.exhausted());
  CHECK(budget.nsec3_hashes == 0);
  CHECK(hasher.computed() == 2);
  CHECK(resolver::limits::max_nsec3_hash_computations >=
        10 * nsec3_hash_cost(resolver::limits::max_nsec3_iterations));
}
