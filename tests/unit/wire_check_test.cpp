// One case per WireError: each hand-built packet is the smallest that shows the fault.
#include "helpers.hpp"

#include "resolver/dns/wire_check.hpp"

using tern::dns::check_message;
using tern::dns::WireError;

namespace {

/// Appends bytes to a packet under construction.
struct Packet {
  std::vector<std::uint8_t> b;
  Packet(int qd, int an, int ns, int ar) {
    b = {0x12, 0x34, 0x01, 0x00, 0, static_cast<std::uint8_t>(qd), 0, static_cast<std::uint8_t>(an),
         0, static_cast<std::uint8_t>(ns), 0, static_cast<std::uint8_t>(ar)};
  }
  Packet& raw(std::initializer_list<int> v) {
    for (int x : v) b.push_back(static_cast<std::uint8_t>(x));
    return *this;
  }
  Packet& u16(int v) { return raw({v >> 8, v & 0xff}); }
  Packet& name_a_lab() { return raw({1, 'a', 3, 'l', 'a', 'b', 0}); }
  /// type, class, ttl, rdlength (the caller appends rdata)
  Packet& rr_fixed(int type, int klass, int rdlength) { return u16(type).u16(klass).raw({0, 0, 0, 60}).u16(rdlength); }
  WireError check() const { return check_message(b); }
};

}  // namespace

TEST_CASE("well-formed packets pass the wire check", "[wire]") {
  Packet q(1, 0, 0, 0);
  q.name_a_lab().u16(1).u16(1);
  CHECK(q.check() == WireError::none);

  auto built = tern::dns::build_query(tern::test::question("www.example.lab"), 7, 1232);
  std::vector<tern::dns::RecordRef> refs;
  CHECK(check_message(built, &refs) == WireError::none);
  REQUIRE(refs.size() == 1);  // the OPT record
  CHECK(refs[0].type == tern::dns::rrtype::OPT);
}

TEST_CASE("each malformation is named", "[wire]") {
  SECTION("short header") { CHECK(check_message(std::vector<std::uint8_t>(11, 0)) == WireError::short_header); }
  SECTION("name runs off the end") {
    CHECK(Packet(1, 0, 0, 0).raw({3, 'a'}).check() == WireError::truncated_name);
  }
  SECTION("label length over 63 (type bits 01)") {
    CHECK(Packet(1, 0, 0, 0).raw({0x40, 'a', 0}).u16(1).u16(1).check() == WireError::bad_label_type);
  }
  SECTION("expanded name over 255 octets") {
    Packet p(1, 0, 0, 0);
    for (int i = 0; i < 5; ++i) {
      p.raw({63});
      for (int j = 0; j < 63; ++j) p.raw({'x'});
    }
    p.raw({0}).u16(1).u16(1);
    CHECK(p.check() == WireError::name_too_long);
  }
  SECTION("pointer to itself") {
    CHECK(Packet(1, 0, 0, 0).raw({0xC0, 12}).u16(1).u16(1).check() == WireError::pointer_not_backwards);
  }
  SECTION("forward pointer") {
    CHECK(Packet(1, 0, 0, 0).raw({0xC0, 20}).u16(1).u16(1).raw({0, 0, 0, 0}).check() ==
          WireError::pointer_not_backwards);
  }
  SECTION("pointer past the end of the packet") {
    CHECK(Packet(1, 0, 0, 0).raw({0xC0}).check() == WireError::truncated_name);
  }
  SECTION("more than 256 pointer hops, each strictly backwards") {
    // RR1's opaque RDATA holds a root label then 257 pointers, each to the one before it;
    // RR2's owner points at the last: 258 hops to read one name.
    Packet p(0, 2, 0, 0);
    p.raw({0}).rr_fixed(999, 1, 1 + 2 * 257);
    std::size_t root_at = p.b.size();
    p.raw({0});
    std::size_t prev = root_at;
    for (int i = 0; i < 257; ++i) {
      std::size_t here = p.b.size();
      p.raw({0xC0 | static_cast<int>(prev >> 8), static_cast<int>(prev & 0xff)});
      prev = here;
    }
    p.raw({0xC0 | static_cast<int>(prev >> 8), static_cast<int>(prev & 0xff)}).rr_fixed(1, 1, 4).raw({1, 2, 3, 4});
    CHECK(p.check() == WireError::too_many_pointers);
  }
  SECTION("question without type and class") {
    CHECK(Packet(1, 0, 0, 0).name_a_lab().raw({0, 1}).check() == WireError::truncated_question);
  }
  SECTION("QDCOUNT beyond the packet") {
    CHECK(Packet(2, 0, 0, 0).name_a_lab().u16(1).u16(1).check() == WireError::truncated_name);
  }
  SECTION("ANCOUNT beyond the packet") {
    CHECK(Packet(1, 1, 0, 0).name_a_lab().u16(1).u16(1).raw({0xC0, 12, 0, 1}).check() ==
          WireError::truncated_record);
  }
  SECTION("RDLENGTH past the end") {
    CHECK(Packet(0, 1, 0, 0).raw({0}).rr_fixed(1, 1, 100).raw({1, 2, 3, 4}).check() == WireError::rdata_overrun);
  }
  SECTION("NS RDATA whose name overruns RDLENGTH") {
    CHECK(Packet(0, 1, 0, 0).raw({0}).rr_fixed(2, 1, 3).raw({3, 'a', 'b', 'c', 0}).check() == WireError::bad_rdata);
  }
  SECTION("SOA RDATA too short for its fixed fields") {
    CHECK(Packet(0, 1, 0, 0).raw({0}).rr_fixed(6, 1, 6).raw({0, 0, 1, 2, 3, 4}).check() == WireError::bad_rdata);
  }
  SECTION("two OPT records") {
    Packet p(1, 0, 0, 2);
    p.name_a_lab().u16(1).u16(1);
    p.raw({0}).rr_fixed(41, 1232, 0).raw({0}).rr_fixed(41, 1232, 0);
    CHECK(p.check() == WireError::multiple_opt);
  }
  SECTION("OPT in the answer section") {
    CHECK(Packet(0, 1, 0, 0).raw({0}).rr_fixed(41, 1232, 0).check() == WireError::opt_outside_additional);
  }
  SECTION("OPT owned by a name other than the root") {
    CHECK(Packet(0, 0, 0, 1).name_a_lab().rr_fixed(41, 1232, 0).check() == WireError::opt_bad_owner);
  }
  SECTION("trailing garbage") {
    CHECK(Packet(1, 0, 0, 0).name_a_lab().u16(1).u16(1).raw({0xff}).check() == WireError::trailing_data);
  }
}

TEST_CASE("read_name expands compression and folds case", "[wire]") {
  Packet p(2, 0, 0, 0);
  p.raw({3, 'W', 'w', 'W', 3, 'L', 'a', 'B', 0}).u16(1).u16(1);  // at 12
  p.raw({1, 'x', 0xC0, 16}).u16(1).u16(1);                       // x + pointer to "LaB"
  std::size_t end = 0;
  std::string out;
  REQUIRE(tern::dns::read_name(p.b, 25, end, &out) == WireError::none);
  CHECK(end == 29);
  CHECK(out == std::string("\x01x\x03lab\x00", 7));
  CHECK(p.check() == WireError::none);
}
