// The DNSSEC settings (daemon/config/settings_dnssec.cpp) and what the daemon builds from
// them (daemon/process/validation_setup): defaults, paths and names, a bad anchor file
// reported as FILE:LINE, a root anchor replacing the built-in ones, dnssec off.
#include "daemon/config/config_loader.hpp"
#include "daemon/process/validation_setup.hpp"
#include "resolver/dns/types.hpp"
#include "tests/unit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace tern;
using namespace tern::daemon;

namespace {

// The lab's kind of anchor: a DS for the root (any digest will do for loading).
constexpr const char* root_ds =
    ". 3600 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n";

std::string config_error(const std::string& path, const std::vector<std::string>& overrides) {
  try {
    load_config(path, overrides);
  } catch (const ConfigError& e) {
    return format_config_error(e);
  }
  return "";
}

}  // namespace

TEST_CASE("dnssec settings: defaults validate with the built-in root anchors", "[config][dnssec]") {
  const Config config = load_config("", {});
  CHECK(config.dnssec);
  CHECK(config.aggressive_nsec);
  CHECK_FALSE(config.dnssec_log_bogus);
  CHECK(config.trust_anchor_file.empty());
  CHECK(config.trust_anchor_auto_file.empty());
  CHECK(config.domain_insecure.empty());

  const ValidationBuild build = build_validation(config, std::nullopt);
  REQUIRE(build.error.empty());
  REQUIRE(build.settings);
  const resolver::dnssec::TrustAnchor* root = build.settings->anchors->find(dns::Name{});
  REQUIRE(root);
  CHECK(root->ds.size() == 2);  // KSK-2017 and KSK-2024
  CHECK(build.settings->aggressive_nsec);
  CHECK_FALSE(build.settings->log_bogus);
}

TEST_CASE("dnssec settings: anchor files, negative anchors and switches reach the settings", "[config][dnssec]") {
  test::TempDir dir;
  const std::string key = dir.write("root.key", std::string("; the lab's root\n") + root_ds);
  const std::string yaml = dir.write("ternd.yaml",
                                     "trust-anchor-file: [root.key]\n"
                                     "domain-insecure: [Broken.Example, \"test.lab.\"]\n"
                                     "aggressive-nsec: no\n"
                                     "dnssec-log-bogus: yes\n");
  const Config config = load_config(yaml, {});
  CHECK(config.trust_anchor_file == std::vector<std::string>{key});  // made absolute
  CHECK(config.domain_insecure == std::vector<std::string>{"broken.example.", "test.lab."});

  const ValidationBuild build = build_validation(config, std::nullopt);
  REQUIRE(build.error.empty());
  REQUIRE(build.settings);
  const resolver::dnssec::TrustAnchor* root = build.settings->anchors->find(dns::Name{});
  REQUIRE(root);
  REQUIRE(root->ds.size() == 1);  // the file's root anchor replaces the built-in ones
  CHECK(build.settings->insecure.covers(*dns::Name::from_text("www.broken.example.")));
  CHECK_FALSE(build.settings->insecure.covers(*dns::Name::from_text("example.")));
  CHECK_FALSE(build.settings->aggressive_nsec);
  CHECK(build.settings->log_bogus);

  // An RFC 5011 root anchor goes over the file's.
  resolver::dnssec::TrustAnchor managed{dns::Name{}, {}, {}};
  managed.ds.push_back(root->ds.front());
  managed.ds.push_back(root->ds.front());
  const ValidationBuild with_managed = build_validation(config, managed);
  REQUIRE(with_managed.settings);
  CHECK(with_managed.settings->anchors->find(dns::Name{})->ds.size() == 2);
}

TEST_CASE("dnssec settings: dnssec no gives no settings, but a bad anchor file is still an error",
          "[config][dnssec]") {
  test::TempDir dir;
  const std::string good = dir.write("good.key", root_ds);
  const ValidationBuild off = build_validation(load_config("", {"dnssec=no", "trust-anchor-file=" + good}), std::nullopt);
  CHECK(off.error.empty());
  CHECK_FALSE(off.settings);

  const std::string bad = dir.write("bad.key", std::string(root_ds) + "; comment\nexample. 3600 IN DS not a ds\n");
  const ValidationBuild broken = build_validation(load_config("", {"dnssec=no", "trust-anchor-file=" + bad}), std::nullopt);
  CHECK_FALSE(broken.settings);
  CHECK_THAT(broken.error, Catch::StartsWith("trust-anchor-file: " + bad + ":3: "));
}

TEST_CASE("dnssec settings: bad values are located errors", "[config][dnssec]") {
  test::TempDir dir;
  CHECK_THAT(config_error("", {"trust-anchor-file=" + (dir.path() / "missing.key").string()}),
             Catch::StartsWith("--set trust-anchor-file=") && Catch::Contains("/missing.key: cannot read '"));
  CHECK_THAT(config_error("", {"trust-anchor-file=" + dir.path().string()}), Catch::Contains("is a directory"));
  const std::string key = dir.write("root.key", root_ds);
  CHECK_THAT(config_error("", {"trust-anchor-file=[" + key + ", " + key + "]"}), Catch::Contains("listed twice"));

  const std::string yaml = dir.write("ternd.yaml", "verbosity: 1\ndomain-insecure:\n  - good.example\n  - bad..name\n");
  CHECK(config_error(yaml, {}) == yaml + ":4: domain-insecure: 'bad..name' is not a domain name");
  CHECK_THAT(config_error("", {"dnssec=maybe"}), Catch::Contains("is not a boolean"));
  CHECK_THAT(config_error("", {"aggressive-nsec=2"}), Catch::Contains("is not a boolean"));
}
