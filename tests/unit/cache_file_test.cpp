// The cache file (cache/cache_file.hpp): a round trip keeps every answer with the time it had
// left (by the wall clock, so time spent stopped counts); a truncated file, a damaged entry or
// an expired one costs only itself, and the report says what was skipped.
#include "helpers.hpp"

#include "cache/answer_cache.hpp"
#include "cache/cache_file.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace tern;
using namespace tern::test;
using namespace std::chrono_literals;

namespace {

constexpr cache::TtlBounds positive{0, 86400};
constexpr cache::TtlBounds negative{0, 3600};
const auto wall = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));

/// Answers of `clock`'s world: www (A, TTL 300), mail (A, TTL 60), a NODATA and an NXDOMAIN.
struct Filled {
  cache::FakeClock clock;
  cache::AnswerCache answers{1 << 20, cache::HashKey{1, 2}, clock, positive, negative};
  Filled() {
    answers.insert(question("www.example.lab."), dns::rcode::noerror, rrs({"www.example.lab. 300 IN A 192.0.2.1"}), {});
    answers.insert(question("mail.example.lab."), dns::rcode::noerror, rrs({"mail.example.lab. 60 IN A 192.0.2.2"}),
                   {}, resolver::dnssec::Security::secure, 1, "because");
    answers.insert(question("www.example.lab.", dns::rrtype::AAAA), dns::rcode::noerror, {},
                   rrs({"example.lab. 900 IN SOA ns.example.lab. h.example.lab. 1 2 3 4 120"}));
    answers.insert(question("nx.example.lab."), dns::rcode::nxdomain, {},
                   rrs({"example.lab. 900 IN SOA ns.example.lab. h.example.lab. 1 2 3 4 120"}));
  }
};

struct Empty {
  cache::FakeClock clock;
  cache::AnswerCache answers{1 << 20, cache::HashKey{3, 4}, clock, positive, negative};
};

std::vector<std::uint8_t> file_of(Filled& f, std::uint64_t expected_entries = 4) {
  std::uint64_t written = 0;
  auto bytes = cache::encode_cache_file(f.answers, wall, written);
  REQUIRE(written == expected_entries);
  return bytes;
}

/// The offset of entry `index`'s length field (0-based) in a file.
std::size_t entry_offset(const std::vector<std::uint8_t>& file, unsigned index) {
  std::size_t at = 20;
  for (unsigned i = 0; i < index; ++i)
    at += 8 + (std::size_t{file[at]} << 24 | std::size_t{file[at + 1]} << 16 | std::size_t{file[at + 2]} << 8 |
               file[at + 3]);
  return at;
}

}  // namespace

TEST_CASE("cache file: a round trip keeps the answers and the time they had left", "[cache-file]") {
  Filled f;
  f.clock.advance(20s);
  const auto file = file_of(f);
  Empty e;
  // Ten seconds pass between the dump and the load, by the wall clock.
  const cache::CacheFileReport report = cache::load_cache_file(file, e.answers, wall + 10s);
  INFO(report.summary());
  CHECK(report.loaded == 4);
  CHECK(report.expired == 0);
  CHECK(report.corrupt == 0);
  CHECK_FALSE(report.truncated);
  auto www = e.answers.find(question("www.example.lab."));
  REQUIRE(www);
  CHECK(www->remaining == 300 - 20 - 10);
  CHECK(www->entry->records().answer.at(0).rdata == rr("www.example.lab. 1 IN A 192.0.2.1").rdata);
  auto mail = e.answers.find(question("mail.example.lab."));
  REQUIRE(mail);
  CHECK(mail->remaining == 30);
  CHECK(mail->entry->security == resolver::dnssec::Security::secure);
  CHECK(mail->entry->ede == std::optional<std::uint16_t>(1));
  CHECK(mail->entry->ede_text == "because");
  auto nodata = e.answers.find(question("www.example.lab.", dns::rrtype::AAAA));
  REQUIRE(nodata);
  CHECK(nodata->remaining == 90);
  // The same response but for the SOA's TTL, which counts the 30 seconds gone.
  const auto original = f.answers.find(question("www.example.lab.", dns::rrtype::AAAA))->entry->records();
  const auto loaded = nodata->entry->records();
  REQUIRE(loaded.authority.size() == 1);
  CHECK(loaded.authority[0].rdata == original.authority.at(0).rdata);
  CHECK(loaded.authority[0].ttl == 90);
  CHECK(loaded.answer.empty());
  auto nx = e.answers.find(question("nx.example.lab.", dns::rrtype::MX));  // a name's NXDOMAIN
  REQUIRE(nx);
  CHECK(nx->entry->rcode == dns::rcode::nxdomain);
}

TEST_CASE("cache file: entries that expired while ternd was stopped are skipped", "[cache-file]") {
  Filled f;
  const auto file = file_of(f);
  Empty e;
  const cache::CacheFileReport report = cache::load_cache_file(file, e.answers, wall + 100s);
  CHECK(report.loaded == 3);
  CHECK(report.expired == 1);  // mail: 60 s
  CHECK_FALSE(e.answers.find(question("mail.example.lab.")));
  CHECK(report.summary() == "3 entries loaded, 1 expired skipped");
  // Entries already expired in the cache are not written at all (serve-stale data stays behind).
  f.clock.advance(61s);
  CHECK(file_of(f, 3).size() < file.size());
}

TEST_CASE("cache file: a truncated file loads the whole entries before the cut", "[cache-file]") {
  Filled f;
  const auto file = file_of(f);
  const std::size_t third = entry_offset(file, 2);
  for (std::size_t cut : {third, third + 3, third + 10, file.size() - 8, file.size() - 1}) {
    INFO("cut at " << cut);
    Empty e;
    const cache::CacheFileReport report =
        cache::load_cache_file(std::span(file).first(cut), e.answers, wall);
    CHECK(report.truncated);
    CHECK(report.loaded == (cut >= file.size() - 8 ? 4u : 2u));
    CHECK(report.summary().find("truncated") != std::string::npos);
  }
}

TEST_CASE("cache file: a damaged entry is skipped, the others load", "[cache-file]") {
  Filled f;
  auto file = file_of(f);
  Empty e;
  SECTION("a flipped octet: the CRC catches it") {
    file[entry_offset(file, 1) + 30] ^= 0x40;
    const cache::CacheFileReport report = cache::load_cache_file(file, e.answers, wall);
    CHECK(report.loaded == 3);
    CHECK(report.corrupt == 1);
    CHECK_FALSE(report.truncated);
    CHECK(report.summary() == "3 entries loaded, 1 corrupt skipped");
  }
  SECTION("a body that is no DNS message, with a matching CRC: the wire check catches it") {
    const std::size_t at = entry_offset(file, 0);
    const std::size_t length = std::size_t{file[at + 2]} << 8 | file[at + 3];
    // Claim a 0xFFFF-record answer section in the response (its ANCOUNT), then fix the CRC.
    const std::size_t wire = at + 8 + 16 + (std::size_t{file[at + 8 + 14]} << 8 | file[at + 8 + 15]);
    file[wire + 6] = 0xFF;
    file[wire + 7] = 0xFF;
    const std::uint32_t crc = cache::crc32(std::span(file).subspan(at + 8, length));
    for (int i = 0; i < 4; ++i) file[at + 4 + i] = static_cast<std::uint8_t>(crc >> (24 - 8 * i));
    const cache::CacheFileReport report = cache::load_cache_file(file, e.answers, wall);
    CHECK(report.loaded == 3);
    CHECK(report.corrupt == 1);
  }
  SECTION("a length past the end stops the reading") {
    file[entry_offset(file, 3)] = 0x7F;
    const cache::CacheFileReport report = cache::load_cache_file(file, e.answers, wall);
    CHECK(report.loaded == 3);
    CHECK(report.truncated);
  }
}

TEST_CASE("cache file: not a cache file, or another version: nothing loaded", "[cache-file]") {
  Filled f;
  auto file = file_of(f);
  Empty e;
  file[11] = 2;  // version 2
  CHECK(cache::load_cache_file(file, e.answers, wall).summary() ==
        "cache file not loaded: format version 2, this ternd reads 1");
  const std::vector<std::uint8_t> text{'h', 'e', 'l', 'l', 'o'};
  CHECK(cache::load_cache_file(text, e.answers, wall).error == "not a tern cache file");
  CHECK(e.answers.entries().stats().entries == 0);
}

TEST_CASE("cache file: crc32 is the IEEE one", "[cache-file]") {
  const std::string check = "123456789";
  CHECK(cache::crc32(std::span(reinterpret_cast<const std::uint8_t*>(check.data()), check.size())) == 0xCBF43926u);
}
