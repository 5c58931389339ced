// The settings of DNSSEC validation: on or off, the trust anchors (files, and the RFC 5011
// state file of the root), negative trust anchors, aggressive NSEC, logging of bogus answers.
// The anchor files are only checked readable here: their records are read by the daemon
// (daemon/process/validation_setup.cpp) at start, by --check-config and at each reload, so
// that a bad record is reported as FILE:LINE of the anchor file.
#include "daemon/config/settings_rows.hpp"

#include "daemon/config/settings_parse.hpp"
#include "resolver/dns/name.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>

namespace tern::daemon {
namespace {

void apply_trust_anchor_file(const Setting& self, const YAML::Node& value, const SettingSource& source,
                             Config& config) {
  std::vector<std::string> paths;
  if (!value.IsNull() && !(value.IsScalar() && value.Scalar().empty())) {
    for (const YAML::Node& item : list_items(self, value, source)) {
      std::string path = readable_file(self, item, source, item.Scalar()).string();
      if (std::find(paths.begin(), paths.end(), path) != paths.end()) {
        throw_setting_error(self, source, item, "'" + path + "' is listed twice");
      }
      paths.push_back(std::move(path));
    }
  }
  config.trust_anchor_file = std::move(paths);
}

std::string dump_trust_anchor_file(const Config& config) { return block_list(config.trust_anchor_file); }

void apply_domain_insecure(const Setting& self, const YAML::Node& value, const SettingSource& source,
                           Config& config) {
  std::vector<std::string> names;
  if (!value.IsNull() && !(value.IsScalar() && value.Scalar().empty())) {
    for (const YAML::Node& item : list_items(self, value, source)) {
      auto name = dns::Name::from_text(item.Scalar());
      if (!name || item.Scalar().empty()) {
        throw_setting_error(self, source, item, "'" + item.Scalar() + "' is not a domain name");
      }
      std::string text = name->to_text();  // absolute, lower case: equal names compare equal
      if (std::find(names.begin(), names.end(), text) == names.end()) names.push_back(std::move(text));
    }
  }
  config.domain_insecure = std::move(names);
}

std::string dump_domain_insecure(const Config& config) { return block_list(config.domain_insecure); }

constexpr std::array rows{
    Setting{
        .name = "dnssec", .kind = ValueKind::boolean, .default_text = "yes",
        .help = "Validate answers with DNSSEC (RFC 4033-4035); no = pass signatures on unvalidated.",
        .doc = "Whether ternd validates the answers it resolves with DNSSEC (RFC 4033, 4034, 4035, "
               "5155), from the trust anchors down, as Unbound (its validator module), Knot "
               "Resolver and BIND (dnssec-validation) do by default. A secure answer gets AD=1 "
               "for a client that set DO or AD; a bogus one (signatures that fail, expired, "
               "missing) is answered SERVFAIL with an Extended DNS Error saying why (RFC 8914); "
               "a client that sets CD=1 gets the data unvalidated (RFC 6840 section 5.9). "
               "Upstream queries carry DO=1 either way, and RRSIGs and NSEC/NSEC3 proofs pass "
               "on to clients that set DO, so that a validating stub behind ternd can validate "
               "for itself even with dnssec off; only AD and the SERVFAIL for bogus data go.",
        .reload = Reload::applies,
        .apply = apply_bool<&Config::dnssec>, .dump = dump_bool<&Config::dnssec>},
    Setting{
        .name = "trust-anchor-file", .kind = ValueKind::path_list, .default_text = "[]",
        .help = "Files of DS or DNSKEY records (zone-file syntax) trusted as anchors.",
        .doc = "Files of trust anchors (RFC 4033 section 2), as Unbound's trust-anchor-file: DS "
               "or DNSKEY records in zone-file syntax ($ORIGIN, $TTL, comments and parentheses "
               "allowed; relative owners are relative to the root), any owners, several records "
               "per file. Each zone named in the files gets exactly the files' records as its "
               "anchors; an anchor for the root replaces the built-in IANA root anchors (the "
               "KSKs with key tags 20326 and 38696), so that a test lab or a private root can "
               "be validated. A record that cannot be read stops ternd at start, --check-config "
               "and a reload alike with the file and line of the record (FILE:LINE: reason). A "
               "relative path is relative to the directory of the configuration file.",
        .reload = Reload::applies,
        .apply = apply_trust_anchor_file, .dump = dump_trust_anchor_file},
    Setting{
        .name = "trust-anchor-auto-file", .kind = ValueKind::path, .default_text = R"("")",
        .help = "RFC 5011 state file of the root anchor, kept up to date by ternd; empty = none.",
        .doc = "A state file through which ternd follows rollovers of the root key by itself "
               "(RFC 5011, automated updates of trust anchors), as Unbound's "
               "auto-trust-anchor-file and BIND's managed-keys. At start its keys become the "
               "root's anchors (replacing the built-in ones and a root anchor of "
               "trust-anchor-file); a file that does not exist yet starts from the built-in "
               "root DS records, and one that cannot be read stops the start. A DS or DNSKEY "
               "record copied from IANA is a valid first version. While dnssec is on, ternd "
               "asks for the root's DNSKEY set at the active refresh time of RFC 5011 section "
               "2.3 (the larger of 1 hour and the smallest of 15 days, half the set's original "
               "TTL and half the time to its earliest signature expiration; after a failure a "
               "tenth, at most 1 day), validates it with the keys trusted so far, applies the "
               "state machine of RFC 5011 section 4 (a new key is trusted after the 30-day add "
               "hold-down, a self-signed revoked key stops being trusted) and rewrites the file "
               "atomically when a state changed. The directory must be writable by the user "
               "ternd runs as. A relative path is relative to the directory of the "
               "configuration file.",
        .reload = Reload::restart,
        .apply = apply_optional_path<&Config::trust_anchor_auto_file>,
        .dump = dump_optional_path<&Config::trust_anchor_auto_file>},
    Setting{
        .name = "domain-insecure", .kind = ValueKind::name_list, .default_text = "[]",
        .help = "Negative trust anchors (RFC 7646): names answered insecure, without validation.",
        .doc = "Negative trust anchors (RFC 7646), as Unbound's domain-insecure: the answers for "
               "these names and every name below them are not validated and count as insecure "
               "(no AD, and no SERVFAIL for broken signatures), even below a trust anchor. For "
               "a zone whose signatures an operator knows to be broken, until its owner fixes "
               "them; RFC 7646 asks that such an entry be removed again when it is no longer "
               "needed.",
        .reload = Reload::applies,
        .apply = apply_domain_insecure, .dump = dump_domain_insecure},
    Setting{
        .name = "aggressive-nsec", .kind = ValueKind::boolean, .default_text = "yes",
        .help = "RFC 8198: answer NXDOMAIN/NODATA from cached validated NSEC/NSEC3 records.",
        .doc = "Aggressive use of DNSSEC-validated cache (RFC 8198), as Unbound's "
               "aggressive-nsec, on by default in Unbound, Knot Resolver, BIND and PowerDNS "
               "Recursor: a name that a cached, validated NSEC or NSEC3 record proves not to "
               "exist is answered NXDOMAIN (or NODATA) from the cache, without a query. It "
               "spares the authorities random-name floods and answers such names faster. Only "
               "secure proofs are used, so it has no effect with dnssec off.",
        .reload = Reload::applies,
        .apply = apply_bool<&Config::aggressive_nsec>, .dump = dump_bool<&Config::aggressive_nsec>},
    Setting{
        .name = "dnssec-log-bogus", .kind = ValueKind::boolean, .default_text = "no",
        .help = "Log a line for each bogus answer: the name, type, EDE and why.",
        .doc = "Log a line (at warning level, subject to log-rate-limit) for each answer that "
               "fails validation, with the name, the type, the Extended DNS Error and the reason "
               "(\"RRSIG 13/12345 expired\"), as Unbound's val-log-level 2. Off by default: a "
               "broken zone many clients ask for would fill the log; the counters "
               "(answers.bogus and bogus.REASON in ternctl stats) count them either way.",
        .reload = Reload::applies,
        .apply = apply_bool<&Config::dnssec_log_bogus>, .dump = dump_bool<&Config::dnssec_log_bogus>},
};

}  // namespace

std::span<const Setting> dnssec_rows() { return rows; }

}  // namespace tern::daemon
