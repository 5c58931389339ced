// The DNSSEC settings on the running program: a bad trust-anchor-file stops the start and
// --check-config alike with the anchor file's FILE:LINE, and rejects a reload (the running
// anchors stay, ternd keeps answering); a reload changes anchors and negative trust anchors;
// trust-anchor-auto-file (RFC 5011) fetches the lab root's DNSKEY set at start and writes
// the state file with the lab's key trusted.
#include <catch2/catch.hpp>

#include "support/dig.hpp"
#include "support/eventually.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/ternd.hpp"

#include <signal.h>

#include <string>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

struct Run {
  ExitStatus status;
  std::string output;
};

Run run_ternd(const TempDir& dir, std::vector<std::string> args) {
  static int n = 0;
  ProcessOptions o;
  o.args = {ternd_path()};
  o.args.insert(o.args.end(), args.begin(), args.end());
  o.log_path = dir.path + "/dnssec-run-" + std::to_string(++n) + ".log";
  Run r{run_to_completion(o, 10s), ""};
  r.output = read_file(o.log_path);
  INFO("ternd " << args.back() << ":\n" << r.output);
  CHECK(sanitizer_report(r.output).empty());
  CHECK(r.status.exited);  // never a crash
  return r;
}

int occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

/// The whole config of a lab ternd with `dnssec_lines` in place of the lab's trust-anchor-file
/// (rewrite_config would add a second one: YAML rejects a key given twice).
std::string lab_config(const Ternd& t, const std::string& dnssec_lines) {
  return Ternd::base_config(t.port(), false) + "root-hints: " + Lab::get().hints() +
         "\nquery-loopback: yes\ndo-ip6: no\ncontrol-socket: " + t.dir() + "/ternd.ctl\n" + dnssec_lines;
}

/// A DS for the root in zone-file syntax, with a record on line 3 that is not one.
const std::string bad_anchor_text =
    "; an anchor file with a typo\n"
    ". 3600 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
    "example. 3600 IN DS twelve 8 2 00\n";

}  // namespace

TEST_CASE("a bad trust-anchor-file stops the start and --check-config with the anchor's FILE:LINE",
          "[dnssec-settings][config]") {
  TempDir dir("dnssec-check");
  const std::string anchor = dir.write("bad.key", bad_anchor_text);
  const std::string config = dir.write(
      "ternd.yaml", "listen: [\"127.0.0.1@" + std::to_string(allocate_port()) +
                        "\"]\ncontrol-socket: \"\"\nusername: \"\"\ntrust-anchor-file: [bad.key]\n");
  const std::string says = "trust-anchor-file: " + anchor + ":3: ";

  Run check = run_ternd(dir, {"-c", config, "--check-config"});
  INFO(check.output);
  CHECK(check.status.code == 2);
  CHECK(check.output.find(says) != std::string::npos);
  CHECK(check.output.find("config OK") == std::string::npos);

  Run start = run_ternd(dir, {"-c", config, "-d"});
  INFO(start.output);
  CHECK(start.status.code == 2);
  CHECK(start.output.find(says) != std::string::npos);
  CHECK(start.output.find("ternd started") == std::string::npos);

  // A file that is not there is the config file's error, at the setting's line.
  const std::string missing = dir.write(
      "missing.yaml", "listen: [\"127.0.0.1@5399\"]\ntrust-anchor-file: [" + dir.path + "/none.key]\n");
  Run gone = run_ternd(dir, {"-c", missing, "--check-config"});
  CHECK(gone.status.code == 2);
  CHECK(gone.output.find(missing + ":2: trust-anchor-file: cannot read") != std::string::npos);

  // A corrupt RFC 5011 state file is refused too, and left as it was.
  const std::string state = dir.write("auto.key", ". 0 IN DNSKEY 257 3 8 AwEAAa== ;;state=SOMETIMES\n");
  const std::string with_auto = dir.write(
      "auto.yaml", "listen: [\"127.0.0.1@5399\"]\nusername: \"\"\ntrust-anchor-auto-file: auto.key\n");
  Run corrupt = run_ternd(dir, {"-c", with_auto, "--check-config"});
  CHECK(corrupt.status.code == 2);
  CHECK(corrupt.output.find("trust-anchor-auto-file: " + state + ":1: ") != std::string::npos);
  CHECK(read_file(state) == ". 0 IN DNSKEY 257 3 8 AwEAAa== ;;state=SOMETIMES\n");
}

TEST_CASE("reload: a bad anchor file is rejected, new anchors and domain-insecure apply, ternd answers",
          "[dnssec-settings][reload]") {
  const Lab& lab = Lab::get();
  Ternd t;
  auto answers = [&] {
    DigResult r = dig(t.port(), "www.example.lab", "A");
    INFO(r.output);
    return r.status == "NOERROR" && !r.answers("A").empty();
  };
  REQUIRE(answers());
  auto log_has = [&](const std::string& text, int n) { return occurrences(t.log(), text) >= n; };

  // A typo in a second anchor file: the reload is refused with its FILE:LINE.
  TempDir dir("dnssec-reload");
  const std::string bad = dir.write("bad.key", bad_anchor_text);
  t.write_raw_config(lab_config(t, "trust-anchor-file: [\"" + lab.trust_anchor() + "\", \"" + bad + "\"]\n"));
  t.process().signal(SIGHUP);
  REQUIRE(eventually([&] { return log_has("reload rejected", 1); }));
  CHECK(t.log().find("trust-anchor-file: " + bad + ":3: ") != std::string::npos);
  CHECK(occurrences(t.log(), "configuration reloaded") == 0);
  CHECK(answers());

  // The lab's anchor, an anchor for a zone no test asks about and negative trust anchors: applied.
  const std::string extra = dir.write(
      "extra.key", "unasked.example. 3600 IN DS 12345 13 2 "
                   "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n");
  t.write_raw_config(lab_config(t, "trust-anchor-file: [\"" + lab.trust_anchor() + "\", \"" + extra +
                                       "\"]\ndomain-insecure: [broken.sec, shop.lab]\n"
                                       "dnssec-log-bogus: yes\naggressive-nsec: no\n"));
  t.process().signal(SIGHUP);
  REQUIRE(eventually([&] { return log_has("configuration reloaded", 1); }));
  CHECK(t.running());
  DigResult shop = dig(t.port(), "db.shop.lab", "A");
  INFO(shop.output);
  CHECK(shop.status == "NOERROR");
  CHECK(answers());

  // dnssec off and on again by reload.
  t.rewrite_config("dnssec: no\n");  // the generated head: the lab's anchor, then this
  t.process().signal(SIGHUP);
  REQUIRE(eventually([&] { return log_has("configuration reloaded", 2); }));
  CHECK(answers());
  t.rewrite_config("");
  t.process().signal(SIGHUP);
  REQUIRE(eventually([&] { return log_has("configuration reloaded", 3); }));
  CHECK(answers());
  CHECK(t.running());
}

TEST_CASE("trust-anchor-auto-file: the first refresh trusts the lab root's key and writes the state file",
          "[dnssec-settings][rfc5011]") {
  const Lab& lab = Lab::get();
  TempDir dir("dnssec-auto");
  // The lab's root DS as the first version of the state file, as one would copy IANA's.
  const std::string state = dir.write("root.autokey", read_file(lab.trust_anchor()));
  REQUIRE(read_file(state).find(";;state=VALID") == std::string::npos);
  Ternd t(TerndOptions{"trust-anchor-auto-file: \"" + state + "\"\n"});
  INFO(t.log());
  // At start ternd asks the lab's root for its DNSKEY set, validates it with the seed DS and
  // trusts the key at once (it is the anchor configured): the file now holds that DNSKEY, Valid.
  REQUIRE(eventually([&] { return read_file(state).find(";;state=VALID") != std::string::npos; }, 15s));
  const std::string written = read_file(state);
  INFO(written);
  CHECK(written.find("\tDNSKEY\t257 3 8 ") != std::string::npos);  // the lab root's KSK, algorithm 8
  CHECK(t.log().find("trust-anchor-auto-file: root key states changed") != std::string::npos);
  DigResult r = dig(t.port(), "www.example.lab", "A");
  INFO(r.output);
  CHECK(r.status == "NOERROR");

  // A restart reads the state file back: the trusted key stays trusted, the file unchanged.
  t.stop();
  Ternd again(TerndOptions{"trust-anchor-auto-file: \"" + state + "\"\n"});
  CHECK(dig(again.port(), "www.example.lab", "A").status == "NOERROR");
  CHECK(read_file(state) == written);
}
