// Fuzz target 2: an authority's reply. parse_message, then scrub and classify for a question
// and zone cut chosen by the first two input octets, as the walk does for every reply.
// Input: [type selector][zone cut depth][reply packet...].
#include "resolver/classify.hpp"
#include "resolver/dname.hpp"
#include "resolver/dns/message.hpp"
#include "resolver/scrub.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

using namespace tern;
using dns::Record;

namespace {

constexpr std::array<std::uint16_t, 8> asked_types{dns::rrtype::A,    dns::rrtype::AAAA, dns::rrtype::NS,
                                                   dns::rrtype::CNAME, dns::rrtype::SOA,  dns::rrtype::MX,
                                                   dns::rrtype::ANY,  dns::rrtype::TXT};

bool in_reply(const dns::Message& reply, const Record& r) {
  for (const auto* s : {&reply.answer, &reply.authority, &reply.additional})
    if (std::find(s->begin(), s->end(), r) != s->end()) return true;
  return false;
}

// What scrub promises: nothing left that the server queried for zone_cut may not speak for.
void check_scrubbed(const dns::Message& reply, const dns::Question& asked, const dns::Name& zone_cut) {
  for (const auto* s : {&reply.answer, &reply.authority, &reply.additional})
    for (const Record& r : *s) {
      FUZZ_CHECK(r.owner.is_subdomain_of(zone_cut));
      FUZZ_CHECK(r.klass == asked.klass);
    }
  for (const Record& r : reply.authority)
    FUZZ_CHECK(r.type == dns::rrtype::NS || r.type == dns::rrtype::SOA || r.type == dns::rrtype::DS ||
               r.type == dns::rrtype::NSEC || r.type == dns::rrtype::NSEC3 || r.type == dns::rrtype::RRSIG);
  for (const Record& r : reply.additional) FUZZ_CHECK(r.type == dns::rrtype::A || r.type == dns::rrtype::AAAA);
  // DNAMEs stay when they redirect a name of the chain (RFC 6672): the walk caches them.
  for (const Record& r : reply.answer)
    FUZZ_CHECK(r.type == dns::rrtype::CNAME || r.type == dns::rrtype::DNAME || r.type == asked.type ||
               asked.type == dns::rrtype::ANY || r.type == dns::rrtype::RRSIG);
  // Every RRSIG left covers an RRset left in its section (same owner, covered type), unless
  // RRSIG itself was asked.
  for (const auto* s : {&reply.answer, &reply.authority})
    for (const Record& r : *s) {
      if (r.type != dns::rrtype::RRSIG || (s == &reply.answer && asked.type == dns::rrtype::RRSIG)) continue;
      auto covered = dns::rrsig_covered(r);
      FUZZ_CHECK(covered && std::any_of(s->begin(), s->end(), [&](const Record& o) {
                   return o.type != dns::rrtype::RRSIG && o.owner == r.owner && o.type == *covered;
                 }));
    }
}

void check_classified(const resolver::Classification& c, const dns::Message& reply,
                      const dns::Question& asked, const dns::Name& zone_cut) {
  for (const auto* s : {&c.ns, &c.glue, &c.soa, &c.signatures, &c.proof})
    for (const Record& r : *s) FUZZ_CHECK(in_reply(reply, r));
  // The chain is the reply's records, and CNAMEs synthesised from the DNAME before them
  // (RFC 6672 §3.2), whatever CNAME the server sent beside it.
  for (std::size_t i = 0; i < c.chain.size(); ++i) {
    const Record& r = c.chain[i];
    if (in_reply(reply, r)) continue;
    FUZZ_CHECK(i > 0 && c.chain[i - 1].type == dns::rrtype::DNAME && r.type == dns::rrtype::CNAME);
    auto target = dns::rdata_target(r);
    FUZZ_CHECK(target && resolver::dname_substitute(r.owner, c.chain[i - 1]) == *target &&
               r == resolver::synthesised_cname(r.owner, *target, c.chain[i - 1]));
  }
  // The DNSSEC records set aside are never the answer, the SOA or the NS set.
  for (const Record& r : c.signatures) FUZZ_CHECK(r.type == dns::rrtype::RRSIG);
  for (const Record& r : c.proof)
    FUZZ_CHECK(r.type == dns::rrtype::RRSIG || r.type == dns::rrtype::NSEC || r.type == dns::rrtype::NSEC3 ||
               r.type == dns::rrtype::DS);
  switch (c.kind) {
    case resolver::ResponseKind::answer:
      FUZZ_CHECK(!c.chain.empty());
      FUZZ_CHECK(c.chain.back().owner == c.target);
      FUZZ_CHECK(c.chain.back().type == asked.type || asked.type == dns::rrtype::ANY);
      break;
    case resolver::ResponseKind::referral:
      // Only strictly downward delegations: upward and sideways ones build referral loops.
      FUZZ_CHECK(c.child_zone != zone_cut && c.child_zone.is_subdomain_of(zone_cut));
      FUZZ_CHECK(c.target.is_subdomain_of(c.child_zone));
      FUZZ_CHECK(!c.ns.empty());
      for (const Record& r : c.ns) FUZZ_CHECK(r.owner == c.child_zone && r.type == dns::rrtype::NS);
      for (const Record& r : c.glue) FUZZ_CHECK(r.type == dns::rrtype::A || r.type == dns::rrtype::AAAA);
      break;
    case resolver::ResponseKind::nxdomain:
    case resolver::ResponseKind::nodata:
      for (const Record& r : c.soa) FUZZ_CHECK(r.type == dns::rrtype::SOA && c.target.is_subdomain_of(r.owner));
      break;
    case resolver::ResponseKind::cname:
      FUZZ_CHECK(!c.chain.empty());
      // CNAMEs, each DNAME followed by the CNAME synthesised from it.
      for (const Record& r : c.chain) FUZZ_CHECK(r.type == dns::rrtype::CNAME || r.type == dns::rrtype::DNAME);
      break;
    case resolver::ResponseKind::lame:
    case resolver::ResponseKind::rcode:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t type_selector = data[0], depth = data[1];
  const std::vector<std::uint8_t> bytes(data + 2, data + size);
  dns::Message reply;
  if (dns::parse_message(bytes, reply) != dns::WireError::none) return 0;

  // The walk only scrubs a reply whose question is the one it asked: take it from the reply
  // (or a fixed one), the type from the selector's high bit, the cut from the depth octet.
  dns::Question asked{*dns::Name::from_text("www.example.com."), dns::rrtype::A, dns::class_in};
  if (!reply.questions.empty()) asked = reply.questions.front();
  if (type_selector & 0x80) asked.type = asked_types[type_selector % asked_types.size()];
  const std::size_t labels = asked.name.label_count();
  const dns::Name zone_cut = asked.name.suffix(depth % (labels + 1));
  FUZZ_CHECK(asked.name.is_subdomain_of(zone_cut));

  const std::size_t before = reply.answer.size() + reply.authority.size() + reply.additional.size();
  const std::size_t removed = resolver::scrub(reply, asked, zone_cut);
  const std::size_t after = reply.answer.size() + reply.authority.size() + reply.additional.size();
  FUZZ_CHECK(before - removed == after);
  check_scrubbed(reply, asked, zone_cut);
  // Scrubbing is idempotent: a second pass finds nothing more to remove.
  dns::Message again = reply;
  FUZZ_CHECK(resolver::scrub(again, asked, zone_cut) == 0);

  const resolver::Classification c = resolver::classify(reply, asked, zone_cut);
  check_classified(c, reply, asked, zone_cut);
  return 0;
}
