// Fuzz target 3: the caches driven by bytes. The records of a parsed reply go into the answer
// cache (wire form + TTL offsets) and the RRset cache; they are looked up again, served by the
// hit path after a fuzzed age, and the served response is parsed back: it must be well formed,
// carry the entry's records (without the DNSSEC ones for a client without DO), and no TTL may
// exceed the stored one minus the age.
// Input: [request flags][age][rcode selector][reply packet...].
#include "cache/answer_cache.hpp"
#include "cache/rrset_cache.hpp"
#include "daemon/answering/hit_response.hpp"
#include "resolver/dns/message.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

using namespace tern;

namespace {

constexpr cache::TtlBounds positive{0, 86400};
constexpr cache::TtlBounds negative{0, 3600};

std::size_t wire_record_count(const std::vector<std::uint8_t>& wire) {
  std::vector<dns::RecordRef> refs;
  FUZZ_CHECK(dns::check_message(wire, &refs) == dns::WireError::none);
  return refs.size();
}

void check_entry(const cache::CachedAnswer& e) {
  FUZZ_CHECK(e.ttl > 0);
  const cache::AnswerSections stored = e.records();
  const std::size_t records = stored.answer.size() + stored.authority.size();
  // Every record is in the wire form and has its TTL offset (a hit patches each one).
  FUZZ_CHECK(wire_record_count(e.wire) == records);
  FUZZ_CHECK(e.ttl_offsets.size() == records);
  std::size_t i = 0;
  for (const auto* section : {&stored.answer, &stored.authority})
    for (const dns::Record& r : *section) {
      FUZZ_CHECK(std::size_t{e.ttl_offsets[i]} + 4 <= e.wire.size());
      FUZZ_CHECK(dns::read_u32(e.wire, e.ttl_offsets[i]) == r.ttl);
      FUZZ_CHECK(r.ttl <= std::max(positive.max_ttl, negative.max_ttl));
      ++i;
    }
  for (const dns::Record& r : stored.answer) FUZZ_CHECK(r.ttl <= positive.max_ttl && r.ttl >= e.ttl);
}

void check_served(const cache::CachedAnswer& e, const daemon::HitRequest& request, std::uint32_t age,
                  const std::vector<std::uint8_t>& out) {
  dns::Message served;
  FUZZ_CHECK(dns::parse_message(out, served) == dns::WireError::none);
  FUZZ_CHECK(served.id == request.id && served.qr);
  FUZZ_CHECK(served.rcode == e.rcode);
  FUZZ_CHECK(served.edns.has_value() == request.edns);
  if (served.tc) {
    FUZZ_CHECK(served.answer.empty() && served.authority.empty());
    return;
  }
  FUZZ_CHECK(out.size() <= request.max_size);  // what does not fit is truncated instead
  // A client without DO gets the entry without its RRSIGs and NSEC/NSEC3 proofs, unless it
  // asked for that type (RFC 4035 section 3.2.1: the entry's plain wire form).
  cache::AnswerSections stored = e.records();
  if (!request.dnssec_ok) {
    std::erase_if(stored.answer, [&](const dns::Record& r) { return dns::is_dnssec_only(r.type, request.qtype); });
    std::erase_if(stored.authority, [](const dns::Record& r) { return dns::is_dnssec_only(r.type, 0); });
  }
  FUZZ_CHECK(served.answer.size() == stored.answer.size() && served.authority.size() == stored.authority.size());
  std::size_t i = 0;
  for (const dns::Record& r : served.answer) {
    FUZZ_CHECK(r.ttl <= stored.answer[i].ttl);
    FUZZ_CHECK(r.ttl == stored.answer[i].ttl - std::min(age, stored.answer[i].ttl));
    ++i;
  }
  i = 0;
  for (const dns::Record& r : served.authority) FUZZ_CHECK(r.ttl <= stored.authority[i++].ttl);
}

// The RRset cache: each (owner, type, class) group of the answer section, inserted and found.
void exercise_rrsets(const std::vector<dns::Record>& answer, cache::FakeClock& clock) {
  cache::RRsetCache rrsets(1 << 20, cache::HashKey{5, 6}, clock, positive);
  std::map<std::tuple<std::string, std::uint16_t, std::uint16_t>, std::vector<dns::Record>> groups;
  for (const dns::Record& r : answer) groups[{r.owner.wire(), r.type, r.klass}].push_back(r);
  for (auto& [key, records] : groups) {
    const dns::Name owner = records.front().owner;
    const std::uint16_t type = records.front().type;
    const bool stored = rrsets.insert(records, cache::Trust::answer_auth, "fuzz");
    auto set = rrsets.find(owner, type);
    if (!stored) continue;
    if (!set) continue;  // a TTL of 0 expires at once
    FUZZ_CHECK(set->ttl <= positive.max_ttl);
    FUZZ_CHECK(rrsets.remaining_ttl(*set) <= set->ttl);
    for (const dns::Record& r : set->records) FUZZ_CHECK(r.ttl <= positive.max_ttl && r.ttl >= set->ttl);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::uint8_t flags = data[0], age_octet = data[1], rcode_selector = data[2];
  const std::vector<std::uint8_t> bytes(data + 3, data + size);
  dns::Message reply;
  if (dns::parse_message(bytes, reply) != dns::WireError::none || reply.questions.empty()) return 0;
  const dns::Question q = reply.questions.front();

  cache::FakeClock clock;
  exercise_rrsets(reply.answer, clock);

  cache::AnswerCache answers(1 << 22, cache::HashKey{1, 2}, clock, positive, negative);
  const std::uint16_t rcode = (rcode_selector & 1) ? dns::rcode::nxdomain : dns::rcode::noerror;
  auto stored = answers.insert(q, rcode, reply.answer, reply.authority);
  if (!stored) return 0;
  check_entry(*stored);

  // Ages from 0 to far past the TTL (odd octets: seconds, even: hours).
  const std::uint32_t age = (age_octet & 1) ? age_octet : std::uint32_t{age_octet} * 3600;
  clock.advance(std::chrono::seconds(age));
  // An NXDOMAIN is kept under type 0; lookup(q) falls back to it.
  auto hit = answers.lookup(q);
  FUZZ_CHECK(hit.has_value() && hit->entry == stored);
  FUZZ_CHECK(hit->age == age);
  FUZZ_CHECK(hit->expired == (age >= stored->ttl));
  if (hit->expired) {
    FUZZ_CHECK(!answers.find(q));
    return 0;
  }
  FUZZ_CHECK(hit->remaining == stored->ttl - age);

  // Serve it to a client that wrote the name in its own case (the in-place question name).
  std::string client_name = q.name.wire();
  for (std::size_t i = 0; i < client_name.size(); ++i)
    if ((flags & 0x10) && client_name[i] >= 'a' && client_name[i] <= 'z') client_name[i] -= 32;
  const std::span<const std::uint8_t> qname(reinterpret_cast<const std::uint8_t*>(client_name.data()),
                                            client_name.size());
  static constexpr std::size_t sizes[4] = {512, 1232, 4096, 65535};
  daemon::HitRequest request{static_cast<std::uint16_t>(size * 7919), true, (flags & 0x20) != 0, q.type,
                             qname, (flags & 1) != 0, (flags & 2) != 0, sizes[(flags >> 2) & 3]};
  daemon::HitServing serving{hit->age, std::nullopt, std::nullopt, 1232, {}};
  std::vector<std::uint8_t> out;
  daemon::make_hit_response(*hit->entry, request, serving, out);
  check_served(*hit->entry, request, age, out);
  return 0;
}
