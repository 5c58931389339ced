// The signed lab (zones/README.md, "DNSSEC"): every case of zones/lab/dnssec-cases.conf asked of
// Debian's unbound validating with the lab's trust anchor (zones/check-dnssec.sh), against the
// suite's running lab. It proves the lab itself: that its signatures, DS records and anchor make
// the verdicts the table promises (secure, insecure, bogus, with unbound's EDE), the reference
// ternd's validator is measured against.
#include <catch2/catch.hpp>

#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"

#include <fstream>
#include <regex>
#include <string>

using namespace tern::itest;
using namespace std::chrono_literals;

TEST_CASE("the signed lab: unbound with the lab's trust anchor sees every DNSSEC case as the table says",
          "[dnssec-lab]") {
  Lab& lab = Lab::get();
  TempDir work("dnssec-lab");
  std::string log = work.path + "/check-dnssec.log";
  ProcessOptions o;
  o.args = {"/bin/bash", source_root() + "/zones/check-dnssec.sh"};
  o.log_path = log;
  // unbound's address: the suite's lab prefix, host 250.1 (no lab instance uses it).
  o.extra_env = {"LAB_DIR=" + lab.dir(), "LAB_NET=" + lab.net(), "CHECK_DNSSEC_ADDR=" + lab.address("250.1")};
  ExitStatus s = run_to_completion(o, 90s);
  std::string out = read_file(log);
  INFO("zones/check-dnssec.sh (" << s.describe() << "):\n" << out);
  REQUIRE(s.exited);
  CHECK(s.code == 0);
  // Every line of the table was asked (a silently skipped case would not fail above).
  std::ifstream table(source_root() + "/zones/lab/dnssec-cases.conf");
  int cases = 0;
  for (std::string line; std::getline(table, line);) {
    if (!line.empty() && line[0] != '#') ++cases;
  }
  const std::regex ok_line("\nok   ");
  std::ptrdiff_t ok = std::distance(std::sregex_iterator(out.begin(), out.end(), ok_line), std::sregex_iterator());
  CHECK(cases >= 40);
  CHECK(ok == cases + 1);  // + delv's secure name
  CHECK(out.find("all DNSSEC cases as expected") != std::string::npos);
}

TEST_CASE("the signed lab writes its trust anchor: the DS of the committed root key", "[dnssec-lab]") {
  Lab& lab = Lab::get();
  std::string anchor = read_file(lab.dir() + "/root.key");
  INFO(lab.dir() << "/root.key:\n" << anchor);
  // zones/lab/keys/K.+008+19474: RSASHA256, key tag 19474, its SHA-256 digest (stable: the key is
  // committed, so a validator's configuration may pin it).
  CHECK(std::regex_search(anchor, std::regex(R"(\n\.\s+\d+\s+IN\s+DS\s+19474 8 2 E49042D7D2524AAC68C430E2191A8EC19ED0F691AEAB3E7C1CFF262555F9AEFC\n)")));
}
