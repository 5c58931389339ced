// EDNS padding of DoT responses (RFC 7830, RFC 8467 block policy).
#include <catch2/catch.hpp>

#include "daemon/answering/edns_padding.hpp"

#include <cstdint>
#include <vector>

using tern::daemon::pad_response;
using tern::daemon::query_asks_for_padding;

namespace {

using Bytes = std::vector<std::uint8_t>;

/// www.example.lab A, ANCOUNT answers of an A record, then an OPT with `options` as RDATA
/// (no OPT when `with_opt` is false).
Bytes message(bool with_opt, const Bytes& options = {}, int answers = 0) {
  Bytes m{0x12, 0x34, 0x81, 0x80, 0, 1, 0, static_cast<std::uint8_t>(answers), 0, 0, 0, static_cast<std::uint8_t>(with_opt ? 1 : 0)};
  const Bytes qname{3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'l', 'a', 'b', 0};
  m.insert(m.end(), qname.begin(), qname.end());
  m.insert(m.end(), {0, 1, 0, 1});
  for (int i = 0; i < answers; ++i) m.insert(m.end(), {0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 127, 0, 0, 80});
  if (with_opt) {
    m.insert(m.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0});
    m.push_back(static_cast<std::uint8_t>(options.size() >> 8));
    m.push_back(static_cast<std::uint8_t>(options.size() & 0xff));
    m.insert(m.end(), options.begin(), options.end());
  }
  return m;
}

}  // namespace

TEST_CASE("query_asks_for_padding finds option 12 among others", "[padding]") {
  CHECK_FALSE(query_asks_for_padding(message(false)));
  CHECK_FALSE(query_asks_for_padding(message(true)));
  CHECK(query_asks_for_padding(message(true, {0, 12, 0, 0})));
  CHECK(query_asks_for_padding(message(true, {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 12, 0, 3, 0, 0, 0})));
  CHECK_FALSE(query_asks_for_padding(message(true, {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8})));
  Bytes truncated = message(true, {0, 12, 0, 0});
  truncated.pop_back();
  CHECK_FALSE(query_asks_for_padding(truncated));  // not well-formed: no padding decision made
}

TEST_CASE("pad_response rounds the size up to the block with a zero-filled option", "[padding]") {
  for (int answers : {0, 1, 5, 40}) {
    Bytes r = message(true, {}, answers);
    const std::size_t before = r.size();
    REQUIRE(pad_response(r, 468));
    CHECK(r.size() % 468 == 0);
    CHECK(r.size() >= before + 4);
    CHECK(r.size() < before + 4 + 468);
    // The OPT's RDLENGTH covers the option; the option is code 12 with zeros.
    const std::size_t opt_rdata = before;  // the OPT had empty RDATA and was last
    CHECK(r[opt_rdata] == 0);
    CHECK(r[opt_rdata + 1] == 12);
    const std::size_t padding = static_cast<std::size_t>(r[opt_rdata + 2] << 8 | r[opt_rdata + 3]);
    CHECK(padding == r.size() - before - 4);
    CHECK(static_cast<std::size_t>(r[before - 2] << 8 | r[before - 1]) == padding + 4);
    for (std::size_t i = opt_rdata + 4; i < r.size(); ++i) REQUIRE(r[i] == 0);
    CHECK(query_asks_for_padding(r));  // still a well-formed message
  }
}

TEST_CASE("pad_response leaves responses without OPT, or too large, alone", "[padding]") {
  Bytes no_opt = message(false, {}, 1);
  Bytes copy = no_opt;
  CHECK_FALSE(pad_response(no_opt, 468));
  CHECK(no_opt == copy);
  // One unknown option of 65476 octets: 65524 in all, the next multiple of 468 is past 65535.
  Bytes huge = message(true, Bytes(65480, 0), 0);
  REQUIRE(huge.size() == 65524);
  huge[huge.size() - 65480] = 0;
  huge[huge.size() - 65480 + 1] = 99;
  huge[huge.size() - 65480 + 2] = static_cast<std::uint8_t>(65476 >> 8);
  huge[huge.size() - 65480 + 3] = static_cast<std::uint8_t>(65476 & 0xff);
  copy = huge;
  CHECK_FALSE(pad_response(huge, 468));
  CHECK(huge == copy);
}
