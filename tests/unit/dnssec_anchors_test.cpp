// Trust anchors (resolver/dnssec/trust_anchors): the built-in IANA root anchors, anchor files
// in zone-file syntax, the closest enclosing anchor, and negative trust anchors (RFC 7646).
#include "resolver/dnssec/records.hpp"
#include "resolver/dnssec/trust_anchors.hpp"
#include "tests/unit/helpers.hpp"
#include "tests/unit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace tern;
using namespace tern::resolver::dnssec;
using tern::test::name;
using tern::test::rr;

namespace {

// The root KSKs as IANA publishes them (also Debian's /usr/share/dns/root.key): the built-in
// DS records must be their digests.
const char* const root_ksk_2017 =
    ". 172800 IN DNSKEY 257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=";
const char* const root_ksk_2024 =
    ". 172800 IN DNSKEY 257 3 8 AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/cidltpkyGwCJNnOAlFNKF2jBosZBU5eeHspaQWOmOElZsjICMQMC3aeHbGiShvZsx4wMYSjH8e7Vrhbu6irwCzVBApESjbUdpWWmEnhathWu1jo+siFUiRAAxm9qyJNg/wOZqqzL/dL/q8PkcRU5oUKEpUge71M3ej2/7CPqpdVwuMoTvoB+ZOT4YeGyxMvHmbrxlFzGOHOijtzN+u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyvaBevYtxPvYLw4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc=";

const char* const lab_ds = "sec.lab. 300 IN DS 12345 13 2 "
                           "0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20";
const char* const lab_dnskey = "key.lab. 300 IN DNSKEY 257 3 13 AQIDBAUGBwgJCgsMDQ4PEA==";

}  // namespace

TEST_CASE("the built-in root anchors are the DS records of the IANA root KSKs 20326 and 38696", "[dnssec]") {
  const std::vector<dns::Record> anchors = builtin_root_anchors();
  REQUIRE(anchors.size() == 2);
  const char* const ksks[] = {root_ksk_2017, root_ksk_2024};
  const std::uint16_t tags[] = {20326, 38696};
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(anchors[i].owner.is_root());
    CHECK(anchors[i].type == dns::rrtype::DS);
    auto ds = parse_ds(anchors[i].rdata);
    REQUIRE(ds);
    const dns::Record ksk = rr(ksks[i]);
    CHECK(ds->key_tag == tags[i]);
    CHECK(key_tag(ksk.rdata) == tags[i]);
    CHECK(ds->algorithm == algorithm::rsasha256);
    CHECK(ds->digest_type == digest::sha256);
    CHECK(ds_digest(dns::Name{}, ksk.rdata, digest::sha256) == ds->digest);
  }
}

TEST_CASE("the closest enclosing anchor is where the chain of trust starts", "[dnssec]") {
  TrustAnchorStore store = TrustAnchorStore::with_builtin_root();
  store.replace(TrustAnchor{name("sec.lab."), {rr(lab_ds)}, {}});
  CHECK(store.size() == 2);
  CHECK(store.closest_enclosing(name("www.deep.sec.lab."))->zone == name("sec.lab."));
  CHECK(store.closest_enclosing(name("sec.lab."))->zone == name("sec.lab."));
  CHECK(store.closest_enclosing(name("insec.lab."))->zone.is_root());
  CHECK(store.closest_enclosing(name("lab."))->zone.is_root());
  CHECK(store.find(name("lab.")) == nullptr);

  TrustAnchorStore only_lab;
  only_lab.replace(TrustAnchor{name("sec.lab."), {rr(lab_ds)}, {}});
  CHECK(only_lab.closest_enclosing(name("other.lab.")) == nullptr);
}

TEST_CASE("an anchor file in zone-file syntax adds DS and DNSKEY anchors of any owner", "[dnssec]") {
  test::TempDir dir;
  const std::string path = dir.write("anchors.zone",
      "; lab anchors\n"
      "$TTL 600\n"
      "$ORIGIN lab.\n"
      "sec IN DS 12345 13 2 0102030405060708090A0B0C0D0E0F10 1112131415161718191A1B1C1D1E1F20\n"
      "\n"
      "key IN DNSKEY 257 3 13 (\n"
      "      AQIDBAUGBwgJCgsMDQ4PEA== ) ; multi-line\n"
      "sec.lab. 300 IN DS 54321 13 2 "
      "0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20\n");
  const std::vector<std::string> files{path};
  AnchorLoad load = build_trust_anchors(files);
  REQUIRE_FALSE(load.error);
  CHECK(load.store.size() == 3);
  const TrustAnchor* sec = load.store.find(name("sec.lab."));
  REQUIRE(sec);
  REQUIRE(sec->ds.size() == 2);
  CHECK(sec->ds[0].rdata == rr(lab_ds).rdata);
  CHECK(sec->dnskeys.empty());
  const TrustAnchor* key = load.store.find(name("key.lab."));
  REQUIRE(key);
  REQUIRE(key->dnskeys.size() == 1);
  CHECK(key->dnskeys[0].rdata == rr(lab_dnskey).rdata);
  // The root keeps its built-in anchors: the file names no root anchor.
  CHECK(load.store.find(dns::Name{})->ds == builtin_root_anchors());
}

TEST_CASE("a root anchor from a file replaces the built-in ones; several files add up", "[dnssec]") {
  test::TempDir dir;
  const std::string key_file = dir.write("root.key", std::string(root_ksk_2024) + "\n");
  const std::string lab_file = dir.write("lab.ds", std::string(lab_ds) + "\n");
  const std::vector<std::string> files{key_file, lab_file};
  AnchorLoad load = build_trust_anchors(files);
  REQUIRE_FALSE(load.error);
  const TrustAnchor* root = load.store.find(dns::Name{});
  REQUIRE(root);
  CHECK(root->ds.empty());
  REQUIRE(root->dnskeys.size() == 1);
  CHECK(root->dnskeys[0].rdata == rr(root_ksk_2024).rdata);
  CHECK(load.store.find(name("sec.lab.")));
}

TEST_CASE("anchor file errors name the file and line", "[dnssec]") {
  test::TempDir dir;
  auto error_of = [&](const std::string& text) {
    const std::vector<std::string> files{dir.write("bad.zone", text)};
    AnchorLoad load = build_trust_anchors(files);
    REQUIRE(load.error);
    return *load.error;
  };
  const std::string prefix = (dir.path() / "bad.zone").string() + ":";
  CHECK_THAT(error_of(std::string(lab_ds) + "\n; fine so far\nwww.lab. 300 IN A 127.0.0.1\n"),
             Catch::StartsWith(prefix + "3: A record: only DS and DNSKEY"));
  CHECK_THAT(error_of(std::string(lab_ds) + "\nsec.lab. 300 IN DS 1 13 2 XYZ\n"), Catch::StartsWith(prefix + "2: "));
  CHECK_THAT(error_of("sec.lab. 300 IN DNSKEY 257 3 13\n"), Catch::StartsWith(prefix + "1: "));

  const std::vector<std::string> missing{(dir.path() / "absent.zone").string()};
  AnchorLoad load = build_trust_anchors(missing);
  REQUIRE(load.error);
  CHECK_THAT(*load.error, Catch::Contains("absent.zone: cannot open"));
}

TEST_CASE("an anchor file may end without a newline or in a comment, and may be empty", "[dnssec]") {
  test::TempDir dir;
  for (const std::string& text : {std::string(lab_ds), std::string(lab_ds) + "\n; the end", std::string(lab_ds) + "\n\n\n"}) {
    std::vector<dns::Record> out;
    const std::string path = dir.write("end.zone", text);
    INFO(text);
    CHECK_FALSE(read_anchor_file(path, out));
    CHECK(out.size() == 1);
  }
  std::vector<dns::Record> none;
  CHECK_FALSE(read_anchor_file(dir.write("empty.zone", "; nothing yet\n"), none));
  CHECK(none.empty());
  CHECK(read_anchor_file(dir.write("include.zone", "$INCLUDE /etc/passwd\n"), none));
}

TEST_CASE("a failed anchor file adds nothing of itself", "[dnssec]") {
  test::TempDir dir;
  std::vector<dns::Record> out{rr(lab_ds)};
  const std::string path = dir.write("half.zone", std::string(lab_dnskey) + "\nwww.lab. 300 IN A 127.0.0.1\n");
  CHECK(read_anchor_file(path, out));
  CHECK(out.size() == 1);
}

TEST_CASE("negative trust anchors cover a name and everything below it (RFC 7646)", "[dnssec]") {
  const std::vector<std::string> names{"broken.lab", "Insecure.Example.", "broken.lab."};
  std::string error;
  std::optional<NegativeTrustAnchors> nta = NegativeTrustAnchors::from_text(names, error);
  REQUIRE(nta);
  CHECK(nta->covers(name("broken.lab.")));
  CHECK(nta->covers(name("www.deep.broken.lab.")));
  CHECK(nta->covers(name("insecure.example.")));
  CHECK(*nta->closest_enclosing(name("a.insecure.example.")) == name("insecure.example."));
  CHECK_FALSE(nta->covers(name("lab.")));
  CHECK_FALSE(nta->covers(name("notbroken.lab.")));
  CHECK_FALSE(nta->covers(name("example.")));
  CHECK_FALSE(NegativeTrustAnchors().covers(name("broken.lab.")));
}

TEST_CASE("a negative trust anchor for the root covers everything; a bad name is refused", "[dnssec]") {
  std::string error;
  const std::vector<std::string> root{"."};
  CHECK(NegativeTrustAnchors::from_text(root, error)->covers(name("anything.lab.")));
  const std::vector<std::string> bad{"ok.lab", "bad..lab"};
  CHECK_FALSE(NegativeTrustAnchors::from_text(bad, error));
  CHECK(error == "domain-insecure: 'bad..lab' is not a domain name");
}
