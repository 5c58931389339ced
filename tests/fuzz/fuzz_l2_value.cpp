// Fuzz target 5: values read back from the second-level cache (Redis), which anyone who can
// reach Redis may have written. Input: [now offset][value...]. The value is decoded for the
// question it names itself (so that the checks past the question are reached) and for a fixed
// one; whatever passes must be what the L1 cache accepts: rcode NOERROR or NXDOMAIN, no record
// living past the value's expiry, and its entry must encode to a value that decodes again.
#include "cache/answer_cache.hpp"
#include "cache/l2_value.hpp"
#include "resolver/dns/message.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

using namespace tern;

namespace {

constexpr std::int64_t base_time = 1'800'000'000;

void check_decoded(std::span<const std::uint8_t> value, const dns::Question& q, std::int64_t now) {
  cache::L2Answer out;
  if (cache::decode_l2_value(value, q, now, out) != cache::L2Reject::none) return;
  FUZZ_CHECK(out.rcode == dns::rcode::noerror || out.rcode == dns::rcode::nxdomain);
  FUZZ_CHECK(out.remaining > 0);
  for (const auto* section : {&out.answer, &out.authority})
    for (const dns::Record& r : *section) FUZZ_CHECK(r.ttl <= out.remaining);
  FUZZ_CHECK(out.security != resolver::dnssec::Security::bogus);
  cache::FakeClock clock;
  cache::AnswerCache l1(1 << 20, cache::HashKey{1, 2}, clock, cache::TtlBounds{0, 86400}, cache::TtlBounds{0, 3600});
  auto entry = l1.insert(q, out.rcode, out.answer, out.authority, out.security, out.ede, out.ede_text);
  if (!entry) return;
  FUZZ_CHECK(entry->ttl <= out.remaining);
  auto again = cache::encode_l2_value(*entry, now, now + entry->ttl);
  FUZZ_CHECK(again.has_value());
  cache::L2Answer back;
  FUZZ_CHECK(cache::decode_l2_value(*again, q, now, back) == cache::L2Reject::none);
  FUZZ_CHECK(back.rcode == entry->rcode);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::int64_t now = base_time + static_cast<std::int64_t>(data[0]) * 16 - 2048;
  const std::span<const std::uint8_t> value(data + 1, size - 1);
  if (auto named = cache::l2_value_question(value)) check_decoded(value, *named, now);
  check_decoded(value, dns::Question{*dns::Name::from_text("www.example.lab"), dns::rrtype::A, dns::class_in}, now);
  return 0;
}
