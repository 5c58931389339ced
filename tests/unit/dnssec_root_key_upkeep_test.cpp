// The RFC 5011 upkeep's timer and state file (daemon/process/root_key_upkeep): the first
// query at once, never two at a time, the retry after a failure, and a validated answer that
// trusts the seed's key rewriting the state file. The query is a promise the test fulfils:
// no resolver, no clock but the times given to tick().
#include "daemon/process/root_key_upkeep.hpp"
#include "resolver/dns/types.hpp"
#include "tests/unit/dnssec_oracle.hpp"
#include "tests/unit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <future>

using namespace tern;
using tern::daemon::RootKeyUpkeep;

namespace {

constexpr std::uint64_t t0 = 1800000000;

/// The upkeep's `ask`: counts the queries and hands out a future the test fulfils.
struct FakeAsk {
  int asked = 0;
  std::promise<resolver::Outcome> reply;
  RootKeyUpkeep::Ask function() {
    return [this] {
      ++asked;
      reply = std::promise<resolver::Outcome>();
      return reply.get_future();
    };
  }
};

}  // namespace

TEST_CASE("RFC 5011 upkeep: asks at once, one query at a time, retries an hour after a failure",
          "[dnssec][rfc5011]") {
  test::TempDir dir;
  RootKeyUpkeep upkeep((dir.path() / "root.autokey").string());  // absent: the built-in seed
  CHECK(upkeep.anchor().ds.size() == 2);
  FakeAsk ask;
  CHECK_FALSE(upkeep.tick(t0, ask.function()));
  CHECK(ask.asked == 1);
  CHECK_FALSE(upkeep.tick(t0 + 1, ask.function()));  // no answer yet: no second query
  CHECK(ask.asked == 1);

  ask.reply.set_value(resolver::Outcome::servfail(resolver::ede::no_reachable_authority, "timeouts"));
  CHECK_FALSE(upkeep.tick(t0 + 2, ask.function()));
  CHECK(upkeep.next_refresh() == t0 + 2 + 3600);  // RFC 5011 2.3 retry, nothing known: 1 hour
  CHECK_FALSE(upkeep.tick(t0 + 3601, ask.function()));
  CHECK(ask.asked == 1);
  upkeep.tick(t0 + 3602, ask.function());
  CHECK(ask.asked == 2);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "root.autokey"));  // nothing changed, nothing written
}

TEST_CASE("RFC 5011 upkeep: a validated DNSKEY set trusts the seed's key and rewrites the state file",
          "[dnssec][rfc5011]") {
  const test::OracleKey ksk{LDNS_SIGN_ECDSAP256SHA256, 256, ".", 257};
  test::TempDir dir;
  const std::string path = dir.write("root.autokey", "; seeded by hand\n" + dns::record_to_text(ksk.ds(LDNS_SHA256), 0) + "\n");
  RootKeyUpkeep upkeep(path);
  REQUIRE(upkeep.anchor().ds.size() == 1);
  REQUIRE(upkeep.anchor().dnskeys.empty());

  FakeAsk ask;
  upkeep.tick(t0, ask.function());
  REQUIRE(ask.asked == 1);
  resolver::Outcome answer;
  answer.rcode = dns::rcode::noerror;
  answer.answer = {ksk.dnskey()};
  answer.answer.push_back(ksk.sign(answer.answer, static_cast<std::uint32_t>(t0 - 3600),
                                   static_cast<std::uint32_t>(t0 + 20 * 86400)));
  ask.reply.set_value(answer);
  CHECK(upkeep.tick(t0 + 1, ask.function()));  // the anchor changed: the caller rebuilds
  CHECK(upkeep.anchor().dnskeys.size() == 1);
  CHECK(upkeep.next_refresh() == t0 + 1 + 3600);  // TTL 3600: max(1 h, TTL/2)
  const std::string written = dir.read("root.autokey");
  INFO(written);
  CHECK(written.find(";;state=VALID") != std::string::npos);

  // The same set again an hour later: nothing changes, nothing to rebuild.
  upkeep.tick(t0 + 3601, ask.function());
  REQUIRE(ask.asked == 2);
  ask.reply.set_value(answer);
  CHECK_FALSE(upkeep.tick(t0 + 3602, ask.function()));
  CHECK(dir.read("root.autokey") == written);

  // A restart reads the file back: the key is trusted from the start.
  CHECK(RootKeyUpkeep(path).anchor().dnskeys.size() == 1);
}

TEST_CASE("RFC 5011 upkeep: a corrupt state file stops the start and is left as it is", "[dnssec][rfc5011]") {
  test::TempDir dir;
  const std::string path = dir.write("root.autokey", ". 0 IN DS 1 8 2 00 ;;state=NEVER\n");
  CHECK_THROWS_WITH(RootKeyUpkeep(path), Catch::Contains("trust-anchor-auto-file: " + path + ":1: "));
  CHECK(dir.read("root.autokey") == ". 0 IN DS 1 8 2 00 ;;state=NEVER\n");
}
