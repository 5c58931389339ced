// The trust-anchor-auto-file state file (resolver/dnssec/rfc5011_file): round trip, a hand
// written first version, a missing file, corrupt files refused with file:line and left as
// they are, and the atomic write.
#include "resolver/dnssec/records.hpp"
#include "resolver/dnssec/rfc5011_file.hpp"
#include "tests/unit/helpers.hpp"
#include "tests/unit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

using namespace tern;
using namespace tern::resolver::dnssec;
using tern::test::rr;

namespace {

constexpr std::uint64_t t0 = 1800000000;
constexpr std::uint64_t day = 86400;

const char* const ksk_text = ". 172800 IN DNSKEY 257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvk";
const char* const ds_text = ". 0 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D";

dns::Record with_key(const char* public_key) {
  return rr((std::string(". 0 IN DNSKEY 257 3 8 ") + public_key).c_str());
}

/// A trust point with a key in every stored state.
ManagedTrustPoint every_state() {
  std::vector<ManagedKey> keys{
      {with_key("AwEAAQ=="), KeyState::add_pending, t0, t0, t0 + 30 * day},
      {with_key("AwEAAg=="), KeyState::valid, 0, t0, 0},
      {with_key("AwEAAw=="), KeyState::missing, t0 - day, t0, 0},
      {with_key("AwEABA=="), KeyState::revoked, t0 - 40 * day, t0, t0 + 30 * day},
      {with_key("AwEABQ=="), KeyState::removed, t0 - 90 * day, t0, t0},
  };
  return ManagedTrustPoint(dns::Name{}, {rr(ds_text)}, std::move(keys));
}

}  // namespace

TEST_CASE("the RFC 5011 state file round-trips every state and time", "[dnssec]") {
  test::TempDir dir;
  const std::string path = (dir.path() / "root.auto").string();
  const ManagedTrustPoint point = every_state();
  REQUIRE_FALSE(write_auto_anchor_file(path, point));
  AutoAnchorLoad load = read_auto_anchor_file(path, {});
  INFO(load.error);
  REQUIRE(load.point);
  CHECK(load.point->zone().is_root());
  CHECK(load.point->keys() == point.keys());
  REQUIRE(load.point->seed_ds().size() == 1);
  CHECK(load.point->seed_ds()[0].rdata == rr(ds_text).rdata);
  CHECK_THAT(dir.read("root.auto"), Catch::Contains(";;state=REVOKED"));
  // Written through a temporary file renamed over the path: nothing else is left behind.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);
  CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::others_read) !=
        std::filesystem::perms::none);
}

TEST_CASE("a hand-written state file: DNSKEYs are Valid anchors, DS records are seeds", "[dnssec]") {
  const std::string text = std::string("; copied from root.key\n") + ksk_text + " ; keytag\n" + ds_text + "\n";
  AutoAnchorLoad load = parse_auto_anchor_text(text, "root.auto");
  INFO(load.error);
  REQUIRE(load.point);
  REQUIRE(load.point->keys().size() == 1);
  CHECK(load.point->keys()[0].state == KeyState::valid);
  CHECK(load.point->trusted_keys()[0].rdata == rr(ksk_text).rdata);
  CHECK(load.point->seed_ds().size() == 1);
}

TEST_CASE("a state file that does not exist yet starts from the default seed", "[dnssec]") {
  test::TempDir dir;
  AutoAnchorLoad load = read_auto_anchor_file((dir.path() / "none").string(), {rr(ds_text)});
  REQUIRE(load.point);
  CHECK(load.point->zone().is_root());
  CHECK(load.point->keys().empty());
  CHECK(load.point->seed_ds().size() == 1);
}

TEST_CASE("a corrupt state file is refused with file:line and left untouched", "[dnssec]") {
  test::TempDir dir;
  const std::string good = auto_anchor_text(every_state());
  auto error_of = [&](const std::string& text) {
    const std::string path = dir.write("root.auto", text);
    AutoAnchorLoad load = read_auto_anchor_file(path, {rr(ds_text)});
    CHECK_FALSE(load.point);
    CHECK(dir.read("root.auto") == text);  // nothing lost: the caller must not overwrite it
    return load.error;
  };
  const std::string prefix = (dir.path() / "root.auto").string() + ":";
  std::string bad_state = good;
  bad_state.replace(bad_state.find("state=VALID"), 11, "state=BOGUS");
  CHECK_THAT(error_of(bad_state), Catch::StartsWith(prefix) && Catch::EndsWith(": unknown state 'BOGUS'"));
  CHECK(error_of(std::string(ksk_text) + "\n" + ksk_text + " ;;state=VALID ;;first_seen=0 ;;last_change=x1"
                 " ;;hold_down_until=0\n") == prefix + "2: missing or malformed last_change");
  CHECK(error_of(std::string(ksk_text) + "\nlab. 0 IN DNSKEY 257 3 8 AwEAAQ==\n") ==
        prefix + "2: owner lab. differs from .");
  CHECK(error_of(std::string(ds_text) + " ;;state=VALID\n") == prefix + "1: a DS record can only be state=SEED");
  CHECK(error_of("; only comments\n") == prefix.substr(0, prefix.size() - 1) + ": no DS or DNSKEY record");
  CHECK(error_of(std::string(ksk_text) + "\n" + ksk_text + "\n") == prefix + "2: the same key twice");
  CHECK(error_of(". 0 IN A 127.0.0.1\n") == prefix + "1: only DS and well-formed DNSKEY records belong here");
  CHECK(error_of(". 0 IN DS 20326 8 2 ZZZZ\n") == prefix + "1: unreadable record");
  std::string truncated = good.substr(0, good.rfind("AwEA") + 6);
  CHECK_FALSE(error_of(truncated).empty());
}

TEST_CASE("a state file that cannot be written leaves the old one and no temporary file", "[dnssec]") {
  test::TempDir dir;
  const std::string path = (dir.path() / "missing-dir" / "root.auto").string();
  std::optional<std::string> error = write_auto_anchor_file(path, every_state());
  REQUIRE(error);
  CHECK_THAT(*error, Catch::StartsWith(path + ": cannot create a temporary file"));

  // rename() onto a directory fails: the directory stays, the temporary file is removed.
  const std::string occupied = (dir.path() / "occupied").string();
  std::filesystem::create_directory(occupied);
  dir.write("occupied/keep", "x");
  REQUIRE(write_auto_anchor_file(occupied, every_state()));
  CHECK(dir.read("occupied/keep") == "x");
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);
}
