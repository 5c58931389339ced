// DNSSEC record parsing, key tags, DS digests and canonical forms (resolver/dnssec/records,
// canonical), against the RFCs' examples and ldns as an oracle.
#include "resolver/dnssec/canonical.hpp"
#include "resolver/dnssec/records.hpp"
#include "tests/unit/dnssec_oracle.hpp"
#include "tests/unit/helpers.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace tern;
using namespace tern::resolver::dnssec;
using tern::test::name;
using tern::test::rr;

namespace {

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// RFC 6605 section 6.1.
const char* const p256_key = "example.net. 3600 IN DNSKEY 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==";
const char* const p256_sig = "www.example.net. 3600 IN RRSIG A 13 3 3600 20100909100439 20100812100439 55648 example.net. qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw==";

}  // namespace

TEST_CASE("parse_rrsig reads every field of RFC 6605's RRSIG", "[dnssec]") {
  const auto sig = parse_rrsig(rr(p256_sig).rdata);
  REQUIRE(sig);
  CHECK(sig->type_covered == dns::rrtype::A);
  CHECK(sig->algorithm == 13);
  CHECK(sig->labels == 3);
  CHECK(sig->original_ttl == 3600);
  CHECK(sig->expiration == 1284026679u);  // 2010-09-09 10:04:39 UTC
  CHECK(sig->inception == 1281607479u);   // 2010-08-12 10:04:39 UTC
  CHECK(sig->key_tag == 55648);
  CHECK(sig->signer == name("example.net."));
  CHECK(sig->signature.size() == 64);
}

TEST_CASE("parse_rrsig, parse_dnskey and parse_ds refuse every truncation", "[dnssec]") {
  const std::string sig = rr(p256_sig).rdata;
  // Cut inside the fixed fields, inside the signer name, or before any signature octet.
  const std::size_t signature_start = sig.size() - 64;
  for (std::size_t len = 0; len < signature_start; ++len)
    CHECK_FALSE(parse_rrsig(std::string_view(sig).substr(0, len)));
  CHECK(parse_rrsig(std::string_view(sig).substr(0, signature_start + 1)));
  CHECK_FALSE(parse_dnskey(std::string_view(rr(p256_key).rdata).substr(0, 4)));
  CHECK_FALSE(parse_ds(std::string("\x01\x02\x0d\x02", 4)));
}

TEST_CASE("parse_rrsig refuses a compressed or over-long signer name", "[dnssec]") {
  std::string rdata = rr(p256_sig).rdata.substr(0, 18);
  CHECK_FALSE(parse_rrsig(rdata + "\xc0\x0c" + std::string(64, 'x')));
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(1, '\x3f') + std::string(63, 'a');
  CHECK_FALSE(parse_rrsig(rdata + long_name + std::string(1, '\0') + "sig"));
}

TEST_CASE("key tags match the RFC examples and ldns_calc_keytag", "[dnssec]") {
  CHECK(key_tag(rr(p256_key).rdata) == 55648);
  CHECK(key_tag(rr("dskey.example.com. 86400 IN DNSKEY 256 3 5 AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==").rdata) == 60485);
  CHECK(key_tag(rr("example.com. 3600 IN DNSKEY 257 3 16 3kgROaDjrh0H2iuixWBrc8g2EpBBLCdGzHmn+G2MpTPhpj/OiBVHHSfPodx1FYYUcJKm1MDpJtIA").rdata) == 9713);
  for (ldns_signing_algorithm alg : {LDNS_SIGN_RSASHA256, LDNS_SIGN_ECDSAP256SHA256, LDNS_SIGN_ED25519}) {
    for (std::uint16_t flags : {256, 257}) {
      const test::OracleKey key(alg, 1024, "lab.", flags);
      CHECK(key_tag(key.dnskey().rdata) == key.tag());
    }
  }
}

TEST_CASE("DS digests match the RFC examples", "[dnssec]") {
  // RFC 4034 section 5.4 (SHA-1), RFC 6605 section 6 (SHA-256, SHA-384), RFC 8080 section 6.
  const auto check = [](const char* key_text, const char* ds_text) {
    const dns::Record key = rr(key_text);
    const auto ds = parse_ds(rr(ds_text).rdata);
    REQUIRE(ds);
    CHECK(ds_digest(key.owner, key.rdata, ds->digest_type) == ds->digest);
  };
  check("dskey.example.com. 86400 IN DNSKEY 256 3 5 AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==",
        "dskey.example.com. 86400 IN DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118");
  check(p256_key, "example.net. 3600 IN DS 55648 13 2 b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17");
  check("example.net. 3600 IN DNSKEY 257 3 14 xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40",
        "example.net. 3600 IN DS 10771 14 4 72d7b62976ce06438e9c0bf319013cf801f09ecc84b8d7e9495f27e305c6a9b0563a9b5f4d288405c3008a946df983d6");
  check("example.com. 3600 IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=",
        "example.com. 3600 IN DS 3613 15 2 3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b");
  CHECK_FALSE(ds_digest(name("example.com."), "key", 3));  // GOST: not computed (RFC 8624)
}

TEST_CASE("DS digests match ldns_key_rr2ds, with a mixed-case owner", "[dnssec]") {
  const test::OracleKey key(LDNS_SIGN_ECDSAP256SHA256, 256, "Sub.Example.LAB.");
  for (ldns_hash h : {LDNS_SHA1, LDNS_SHA256, LDNS_SHA384}) {
    const auto ds = parse_ds(key.ds(h).rdata);
    REQUIRE(ds);
    CHECK(ds->key_tag == key.tag());
    CHECK(ds_digest(key.dnskey().owner, key.dnskey().rdata, ds->digest_type) == ds->digest);
  }
}

TEST_CASE("canonical_compare orders RFC 4034 section 6.1's example", "[dnssec]") {
  const std::vector<dns::Name> ordered = {
      name("example"), name("a.example"), name("yljkjljk.a.example"), name("Z.a.example"),
      name("zABC.a.EXAMPLE"), name("z.example"), name("\\001.z.example"), name("*.z.example"),
      name("\\200.z.example")};
  for (std::size_t i = 0; i < ordered.size(); ++i)
    for (std::size_t j = 0; j < ordered.size(); ++j)
      CHECK((canonical_compare(ordered[i], ordered[j]) == (i <=> j)));
}

TEST_CASE("canonical_rdata lower-cases names in the RFC 4034 6.2 types, not in NSEC", "[dnssec]") {
  CHECK(canonical_rdata(dns::rrtype::MX, rr("a.lab. 1 IN MX 10 Mail.LAB.").rdata) ==
        rr("a.lab. 1 IN MX 10 mail.lab.").rdata);
  CHECK(canonical_rdata(dns::rrtype::SOA, rr("lab. 1 IN SOA NS.lab. Host.Master.lab. 1 2 3 4 5").rdata) ==
        rr("lab. 1 IN SOA ns.lab. host.master.lab. 1 2 3 4 5").rdata);
  CHECK(canonical_rdata(dns::rrtype::SRV, rr("_x._tcp.lab. 1 IN SRV 1 2 53 NS.Lab.").rdata) ==
        rr("_x._tcp.lab. 1 IN SRV 1 2 53 ns.lab.").rdata);
  CHECK(canonical_rdata(35, rr("lab. 1 IN NAPTR 1 2 \"S\" \"SIP+D2U\" \"\" _SIP._udp.Lab.").rdata) ==
        rr("lab. 1 IN NAPTR 1 2 \"S\" \"SIP+D2U\" \"\" _sip._udp.lab.").rdata);
  // RFC 6840 section 5.1: RRSIG's signer name is lower-cased, NSEC's next name keeps its case;
  // TXT has no names at all.
  const std::string mixed_sig = rr(p256_sig).rdata.substr(0, 18) + std::string("\x07" "Example" "\x03" "NET" "\x00", 13) + "sig";
  const std::string lower_sig = rr(p256_sig).rdata.substr(0, 18) + std::string("\x07" "example" "\x03" "net" "\x00", 13) + "sig";
  CHECK(canonical_rdata(dns::rrtype::RRSIG, mixed_sig) == lower_sig);
  const std::string nsec = rr("a.lab. 1 IN NSEC Next.LAB. A RRSIG NSEC").rdata;
  CHECK(canonical_rdata(47, nsec) == nsec);
  const std::string txt = rr("a.lab. 1 IN TXT \"Mixed CASE\"").rdata;
  CHECK(canonical_rdata(dns::rrtype::TXT, txt) == txt);
  // A name running past the RDATA, and trailing octets after the layout, are refused.
  CHECK_FALSE(canonical_rdata(dns::rrtype::MX, std::string("\x00\x0a\x04mail", 7)));
  CHECK_FALSE(canonical_rdata(dns::rrtype::NS, std::string("\x02ns\x00X", 5)));
}

TEST_CASE("signed_data is RFC 6605's example byte for byte", "[dnssec]") {
  const auto sig = parse_rrsig(rr(p256_sig).rdata);
  REQUIRE(sig);
  const std::vector<dns::Record> rrset = {rr("WWW.example.net. 7 IN A 192.0.2.1")};
  CHECK(signed_data(*sig, rrset) ==
        unhex("00010d0300000e104c88b1374c63c737d960076578616d706c65036e65740003777777076578616d"
              "706c65036e6574000001000100000e100004c0000201"));
}

TEST_CASE("signed_data sorts RDATA canonically and drops duplicates", "[dnssec]") {
  auto sig = parse_rrsig(rr(p256_sig).rdata);
  REQUIRE(sig);
  const std::vector<dns::Record> shuffled = {rr("www.example.net. 1 IN A 192.0.2.200"),
                                             rr("www.example.net. 1 IN A 192.0.2.1"),
                                             rr("www.example.net. 1 IN A 192.0.2.200")};
  const std::vector<dns::Record> sorted = {rr("www.example.net. 1 IN A 192.0.2.1"),
                                           rr("www.example.net. 1 IN A 192.0.2.200")};
  CHECK(signed_data(*sig, shuffled) == signed_data(*sig, sorted));
  CHECK(signed_data(*sig, shuffled)->size() == sig->prefix.size() + 2 * (17 + 10 + 4));
}

TEST_CASE("signed_owner rebuilds the wildcard a signature covers", "[dnssec]") {
  CHECK(signed_owner(name("a.b.w.lab."), 4) == name("a.b.w.lab."));
  CHECK(signed_owner(name("a.b.w.lab."), 3) == name("*.b.w.lab."));
  CHECK(signed_owner(name("a.b.w.lab."), 2) == name("*.w.lab."));
  CHECK(signed_owner(name("a.b.w.lab."), 0) == name("*."));
  CHECK_FALSE(signed_owner(name("w.lab."), 3));
  // The wildcard's own name carries labels one less than its label count.
  CHECK(signed_owner(name("*.w.lab."), 2) == name("*.w.lab."));
}
