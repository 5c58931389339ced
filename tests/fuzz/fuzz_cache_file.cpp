// Fuzz target: a cache file (cache/cache_file.hpp) as a damaged disk or a hostile hand may leave
// it, read by load_cache_file into an answer cache. Nothing may crash or allocate past the
// bounds; every entry that got in must be a well-formed response with its TTL offsets in place;
// and writing the cache out again and reading that back must load exactly the same entries.
#include "cache/answer_cache.hpp"
#include "cache/cache_file.hpp"
#include "resolver/dns/message.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

using namespace tern;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto wall = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  cache::FakeClock clock;
  cache::AnswerCache answers(1 << 20, cache::HashKey{1, 2}, clock, cache::TtlBounds{0, 86400},
                             cache::TtlBounds{0, 3600});
  const cache::CacheFileReport report = cache::load_cache_file(std::span(data, size), answers, wall);
  FUZZ_CHECK(report.error.empty() || report.loaded == 0);
  std::uint64_t live = 0;
  answers.entries().for_each([&](const cache::AnswerKey&, const auto& item) {
    ++live;
    dns::Message m;
    FUZZ_CHECK(dns::parse_message(item.value->wire, m) == dns::WireError::none);
    FUZZ_CHECK(item.value->ttl_offsets.size() == m.answer.size() + m.authority.size());
    for (std::uint16_t offset : item.value->ttl_offsets) FUZZ_CHECK(std::size_t{offset} + 4 <= item.value->wire.size());
  });
  // Two entries of the file may share a key (the later replaces the earlier).
  FUZZ_CHECK(live <= report.loaded);
  std::uint64_t written = 0;
  const auto again = cache::encode_cache_file(answers, wall, written);
  FUZZ_CHECK(written == live);
  cache::AnswerCache second(1 << 20, cache::HashKey{3, 4}, clock, cache::TtlBounds{0, 86400},
                            cache::TtlBounds{0, 3600});
  const cache::CacheFileReport reread = cache::load_cache_file(again, second, wall);
  FUZZ_CHECK(reread.loaded == written && reread.corrupt == 0 && reread.rejected == 0 && !reread.truncated);
  return 0;
}
