// Fuzz target 4: DNSSEC records from an authority. Arbitrary RDATA through the RRSIG, DNSKEY
// and DS parsers, canonical RDATA and name order, then verify_rrset and validate_dnskeys over
// records built from the input, with the checks' promises held as invariants.
// Input: [zone selector][now: 4 octets] then records: [owner selector][section][type: 2]
// [rdlength: 2][rdata], sections 0 RRset, 1 RRSIG, 2 DNSKEY, 3 DS.
#include "resolver/dnssec/canonical.hpp"
#include "resolver/dnssec/dnskey_trust.hpp"
#include "resolver/dnssec/records.hpp"
#include "resolver/dnssec/verify.hpp"
#include "resolver/limits.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace tern;
using namespace tern::resolver::dnssec;
namespace limits = tern::resolver::limits;

namespace {

dns::Name name_of(const char* text) { return *dns::Name::from_text(text); }

const std::array<dns::Name, 6> names{name_of("example.net."), name_of("www.example.net."),
                                     name_of("*.example.net."), name_of("a.www.example.net."),
                                     name_of("net."), name_of("Example.COM.")};

struct Input {
  dns::Name zone;
  std::uint32_t now = 0;
  std::vector<dns::Record> rrset, rrsigs, dnskeys, ds;
};

std::uint16_t u16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(s[at]) << 8) | static_cast<std::uint8_t>(s[at + 1]));
}

Input read_input(std::string_view in) {
  Input out;
  out.zone = names[static_cast<std::uint8_t>(in[0]) % names.size()];
  out.now = (std::uint32_t{u16(in, 1)} << 16) | u16(in, 3);
  std::size_t pos = 5;
  while (pos + 6 <= in.size()) {
    dns::Record r;
    r.owner = names[static_cast<std::uint8_t>(in[pos]) % names.size()];
    const unsigned section = static_cast<std::uint8_t>(in[pos + 1]) % 4;
    r.type = u16(in, pos + 2);
    r.ttl = 3600;
    const std::size_t len = std::min<std::size_t>(u16(in, pos + 4), in.size() - pos - 6);
    r.rdata.assign(in.substr(pos + 6, len));
    pos += 6 + len;
    std::vector<dns::Record>* target[] = {&out.rrset, &out.rrsigs, &out.dnskeys, &out.ds};
    if (section == 1) r.type = dns::rrtype::RRSIG;
    if (section == 2) r.type = dns::rrtype::DNSKEY;
    if (section == 3) r.type = dns::rrtype::DS;
    target[section]->push_back(std::move(r));
  }
  // One RRset: the first record's owner, type and class.
  if (!out.rrset.empty())
    for (dns::Record& r : out.rrset) {
      r.owner = out.rrset.front().owner;
      r.type = out.rrset.front().type;
    }
  return out;
}

void check_parsers(const dns::Record& r) {
  if (auto sig = parse_rrsig(r.rdata)) {
    FUZZ_CHECK(sig->prefix.size() + sig->signature.size() == r.rdata.size());
    FUZZ_CHECK(!sig->signature.empty());
  }
  if (auto key = parse_dnskey(r.rdata)) FUZZ_CHECK(key->public_key.size() + 4 == r.rdata.size());
  if (auto ds = parse_ds(r.rdata)) FUZZ_CHECK(ds->digest.size() + 4 == r.rdata.size());
  // Canonical RDATA only lower-cases: same length, same octets ignoring ASCII case.
  if (auto canonical = canonical_rdata(r.type, r.rdata)) {
    FUZZ_CHECK(canonical->size() == r.rdata.size());
    std::string a = *canonical, b = r.rdata;
    dns::ascii_lowercase(a);
    dns::ascii_lowercase(b);
    FUZZ_CHECK(a == b);
  }
}

void check_verdict(const RrsetVerdict& v, const ValidationBudget& before, const ValidationBudget& after,
                   const std::vector<dns::Record>& rrset) {
  FUZZ_CHECK(after.signature_verifications <= before.signature_verifications);
  FUZZ_CHECK(after.ds_match_failures <= before.ds_match_failures);
  if (v.verdict.security == Security::secure) {
    FUZZ_CHECK(v.verdict.ede == 0);
    for (const dns::Record& r : rrset) FUZZ_CHECK(v.ttl <= r.ttl);
  } else if (v.verdict.security != Security::indeterminate) {
    FUZZ_CHECK(v.verdict.ede != 0);  // bogus and insecure always say why
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const Input in = read_input(bytes);
  for (const auto* section : {&in.rrset, &in.rrsigs, &in.dnskeys, &in.ds})
    for (const dns::Record& r : *section) check_parsers(r);
  for (const dns::Name& a : names) {
    FUZZ_CHECK((canonical_compare(a, in.zone) == 0) == (a == in.zone));
    FUZZ_CHECK((canonical_compare(a, in.zone) < 0) == (canonical_compare(in.zone, a) > 0));
  }

  // One cache per run, so every run starts alike; the algorithm probe is made once.
  static const AlgorithmSupport support;
  KeyCache cache(limits::max_cached_dnskeys, support);
  const ValidationBudget start{limits::max_signature_verifications, 0, limits::max_ds_match_failures};
  ValidationBudget budget = start;
  if (!in.rrset.empty()) {
    const RrsetVerdict v = verify_rrset(in.rrset, in.rrsigs, in.dnskeys, in.zone, in.now, budget, cache);
    check_verdict(v, start, budget, in.rrset);
    FUZZ_CHECK(start.signature_verifications - budget.signature_verifications <= limits::max_rrsigs_per_rrset * limits::max_dnskeys_per_key_tag);
  }
  const ValidationBudget before_keys = budget;
  const DnskeyVerdict k = validate_dnskeys(in.dnskeys, in.rrsigs, in.ds, in.zone, in.now, budget, cache);
  if (!in.ds.empty()) check_verdict(k.rrset, before_keys, budget, {});
  FUZZ_CHECK(k.keys.empty() == (k.rrset.verdict.security != Security::secure));
  for (const dns::Record& key : k.keys) FUZZ_CHECK(key.owner == in.zone && key.type == dns::rrtype::DNSKEY);
  return 0;
}
