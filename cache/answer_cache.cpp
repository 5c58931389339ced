#include "cache/answer_cache.hpp"

#include <algorithm>

namespace tern::cache {

std::size_t AnswerKey::Hash::heap_bytes(const AnswerKey& k) noexcept {
  return cache::heap_bytes(k.question.name.wire());
}

std::uint64_t AnswerKey::Hash::hash(const HashKey& key, const AnswerKey& k) noexcept {
  return siphash13(key, k.question.name.wire()) ^
         (std::uint64_t{k.question.type} << 16 | k.question.klass) * 0x9E3779B97F4A7C15ULL;
}

AnswerCache::AnswerCache(std::size_t byte_budget, HashKey key, const Clock& clock,
                         TtlBounds positive, TtlBounds negative, FailureBounds failure)
    : cache_(byte_budget - byte_budget / 32, key), failures_(byte_budget / 32, key, clock, failure), clock_(clock),
      positive_(positive), negative_(negative) {}

namespace {

/// The wire form of a response to q with these sections, and the offsets of its TTLs.
bool render(const dns::Question& q, std::uint16_t rcode, std::vector<dns::Record> answer,
            std::vector<dns::Record> authority, std::vector<std::uint8_t>& wire_out,
            std::vector<std::uint16_t>& ttl_offsets) {
  dns::Message m;
  m.qr = true;
  m.ra = true;
  m.rcode = rcode;
  m.questions = {q};
  m.answer = std::move(answer);
  m.authority = std::move(authority);
  auto wire = dns::build_message(m);
  if (!wire || wire->size() > 65535) return false;
  std::vector<dns::RecordRef> refs;
  if (dns::check_message(*wire, &refs) != dns::WireError::none) return false;
  for (const auto& r : refs) ttl_offsets.push_back(static_cast<std::uint16_t>(r.ttl_offset));
  wire_out = std::move(*wire);
  wire_out.shrink_to_fit();
  ttl_offsets.shrink_to_fit();
  return true;
}

/// Removes what a client without DO must not get (RFC 4035 §3.2.1); true when anything went.
/// An authority section's RRSIG/NSEC/NSEC3 is never what was asked (a per-name NXDOMAIN entry
/// serves every type).
bool strip_dnssec(const dns::Question& q, std::vector<dns::Record>& answer, std::vector<dns::Record>& authority) {
  const auto removed = std::erase_if(answer, [&](const dns::Record& r) { return dns::is_dnssec_only(r.type, q.type); }) +
                       std::erase_if(authority, [](const dns::Record& r) { return dns::is_dnssec_only(r.type, 0); });
  return removed > 0;
}

/// Fills the entry's two wire forms (with and, when it differs, without DNSSEC records).
bool render(const dns::Question& q, std::vector<dns::Record> answer, std::vector<dns::Record> authority,
            CachedAnswer& entry) {
  entry.question_end = static_cast<std::uint16_t>(dns::header_size + q.name.wire().size() + 4);
  if (!render(q, entry.rcode, answer, authority, entry.wire, entry.ttl_offsets)) return false;
  if (!strip_dnssec(q, answer, authority)) return true;
  return render(q, entry.rcode, std::move(answer), std::move(authority), entry.plain_wire, entry.plain_ttl_offsets);
}

}  // namespace

AnswerSections CachedAnswer::records() const {
  dns::Message m;
  // The wire form was built and checked at insert: it parses (an empty result would only mean
  // a broken invariant, and then nothing is served rather than garbage).
  if (dns::parse_message(wire, m) != dns::WireError::none) return {};
  return AnswerSections{std::move(m.answer), std::move(m.authority)};
}

std::shared_ptr<const CachedAnswer> AnswerCache::insert(const dns::Question& q, std::uint16_t rcode,
                         std::vector<dns::Record> answer, std::vector<dns::Record> authority,
                         resolver::dnssec::Security security, std::optional<std::uint16_t> ede,
                         std::string ede_text) {
  auto entry = std::make_shared<CachedAnswer>();
  entry->security = security;
  entry->ede = ede;
  if (ede) entry->ede_text = std::move(ede_text);
  std::uint32_t ttl = UINT32_MAX;
  for (auto& rr : answer) {
    rr.ttl = positive_.clamp(rr.ttl);
    ttl = std::min(ttl, rr.ttl);
  }
  // RRSIGs follow the RRsets they sign: the answer is negative when no record has the type asked.
  bool negative = rcode == dns::rcode::nxdomain ||
                  std::none_of(answer.begin(), answer.end(), [&](const dns::Record& r) { return r.type == q.type; });
  if (negative) {
    auto soa = std::find_if(authority.begin(), authority.end(),
                            [](const dns::Record& r) { return r.type == dns::rrtype::SOA; });
    if (soa == authority.end()) return nullptr;
    std::uint32_t neg = negative_.clamp(std::min(soa->ttl, dns::soa_minimum(*soa).value_or(0)));
    soa->ttl = neg;
    ttl = std::min(ttl, neg);
  }
  // Every other authority record is clamped too (a second SOA, an NS): served TTLs count down
  // from these, and none may exceed the bounds (found by tests/fuzz/fuzz_cache).
  for (auto& rr : authority) {
    if (negative && rr.type == dns::rrtype::SOA)
      rr.ttl = negative_.clamp(std::min(rr.ttl, dns::soa_minimum(rr).value_or(0)));
    else
      rr.ttl = negative ? negative_.clamp(rr.ttl) : positive_.clamp(rr.ttl);
  }
  if (ttl == 0 || ttl == UINT32_MAX) return nullptr;
  entry->rcode = rcode;
  entry->ttl = ttl;
  entry->inserted = clock_.now();
  entry->inserted_wall = std::chrono::system_clock::now();
  const bool no_answer_records = answer.empty();
  if (!render(q, std::move(answer), std::move(authority), *entry)) return nullptr;
  // What the entry owns on the heap; the cache adds the entry's own block, key and nodes.
  const std::size_t bytes = heap_bytes(entry->wire) + heap_bytes(entry->ttl_offsets) +
                            heap_bytes(entry->plain_wire) + heap_bytes(entry->plain_ttl_offsets) +
                            entry->ede_text.size();
  dns::Question key = q;
  // RFC 2308 §5: an NXDOMAIN says the name has no data of any type.
  if (rcode == dns::rcode::nxdomain && no_answer_records) key.type = nxdomain_key_type;
  std::shared_ptr<const CachedAnswer> stored = entry;
  cache_.insert(AnswerKey{std::move(key)}, std::move(entry), bytes,
                clock_.now() + std::chrono::seconds(ttl));
  return stored;
}

std::optional<AnswerHit> AnswerCache::lookup(const dns::Question& q) {
  AnswerKey probe{q};
  return lookup(probe);
}

std::optional<AnswerHit> AnswerCache::lookup(AnswerKey& probe) {
  auto item = cache_.find(probe);
  if (!item.value) {
    const std::uint16_t asked = probe.question.type;
    probe.question.type = nxdomain_key_type;
    item = cache_.find(probe);
    probe.question.type = asked;
    if (!item.value) return std::nullopt;
  }
  TimePoint now = clock_.now();
  auto age = std::chrono::duration_cast<std::chrono::seconds>(now - item.value->inserted).count();
  AnswerHit hit{item.value, static_cast<std::uint32_t>(std::max<decltype(age)>(age, 0)), item.expiry <= now, 0};
  if (!hit.expired) hit.remaining = hit.age < item.value->ttl ? item.value->ttl - hit.age : 0;
  if (!hit.expired && hit.remaining == 0) hit.expired = true;  // the last fraction of a second
  return hit;
}

std::optional<AnswerHit> AnswerCache::find(const dns::Question& q) {
  auto hit = lookup(q);
  if (!hit || hit->expired) return std::nullopt;
  return hit;
}

bool AnswerCache::erase(const dns::Question& q) {
  dns::Question by_name = q;
  by_name.type = nxdomain_key_type;
  bool a = cache_.erase(AnswerKey{q});
  bool b = cache_.erase(AnswerKey{by_name});
  return a || b;
}

}  // namespace tern::cache
