#include "helpers.hpp"

#include <tuple>

using namespace tern;
using namespace tern::test;

TEST_CASE("messages round-trip through wire form", "[message]") {
  auto q = question("www.example.lab");
  dns::Message m = reply(q, true, rrs({"www.example.lab. 300 IN A 127.0.0.80"}),
                         rrs({"example.lab. 7200 IN NS ns1.example.lab."}),
                         rrs({"ns1.example.lab. 7200 IN A 127.53.10.1"}));
  m.edns = dns::Edns{1232, 0, true, {}};
  m.rcode = dns::rcode::badvers;  // needs the OPT extension bits
  auto wire = dns::build_message(m);
  REQUIRE(wire);
  dns::Message back;
  REQUIRE(dns::parse_message(*wire, back) == dns::WireError::none);
  CHECK(back.id == 4242);
  CHECK(back.qr);
  CHECK(back.aa);
  CHECK(back.rcode == dns::rcode::badvers);
  REQUIRE(back.edns);
  CHECK(back.edns->udp_size == 1232);
  CHECK(back.edns->dnssec_ok);
  CHECK(back.questions == m.questions);
  CHECK(back.answer == m.answer);
  CHECK(back.authority == m.authority);  // NS target was compressed on the wire, expanded here
  CHECK(back.additional == m.additional);
}

TEST_CASE("a message larger than the limit is truncated with TC", "[message]") {
  auto q = question("big.example.lab", dns::rrtype::TXT);
  std::vector<dns::Record> txt;
  for (int i = 0; i < 10; ++i)
    txt.push_back(rr(("big.example.lab. 300 IN TXT \"" + std::string(200, 'a' + i) + "\"").c_str()));
  auto wire = dns::build_message(reply(q, true, txt), 1232);
  REQUIRE(wire);
  CHECK(wire->size() <= 1232);
  dns::Message back;
  REQUIRE(dns::parse_message(*wire, back) == dns::WireError::none);
  CHECK(back.tc);
  CHECK(back.answer.empty());
  CHECK(back.questions.size() == 1);
}

TEST_CASE("records convert to and from text", "[message]") {
  auto soa = rr("example.lab. 3600 IN SOA ns1.example.lab. host.example.lab. 1 2 3 4 60");
  CHECK(dns::soa_minimum(soa) == 60u);
  CHECK(dns::record_to_text(soa, 42).find("42") != std::string::npos);
  CHECK(dns::rdata_target(rr("a.lab. 1 IN CNAME B.Lab.")) == name("b.lab"));
  CHECK_FALSE(dns::rdata_target(rr("a.lab. 1 IN A 1.2.3.4")));
  CHECK(dns::type_from_text("AAAA") == dns::rrtype::AAAA);
  CHECK(dns::type_from_text("TYPE65") == 65);
  CHECK_FALSE(dns::type_from_text("NOSUCHTYPE"));
  CHECK(dns::type_to_text(dns::rrtype::MX) == "MX");
  CHECK(dns::rcode_to_text(dns::rcode::nxdomain) == "NXDOMAIN");
  CHECK_FALSE(dns::record_from_text("not a record"));
}

TEST_CASE("a query is built with EDNS, DO set and RD clear", "[message]") {
  auto wire = dns::build_query(question("www.lab"), 0xBEEF, 1232);
  dns::Message m;
  REQUIRE(dns::parse_message(wire, m) == dns::WireError::none);
  CHECK(m.id == 0xBEEF);
  CHECK_FALSE(m.rd);
  CHECK_FALSE(m.qr);
  REQUIRE(m.edns);
  CHECK(m.edns->udp_size == 1232);
  CHECK(m.edns->dnssec_ok);  // RFC 3225: RRSIGs and proofs come back for DO clients
  auto plain = dns::build_query(question("www.lab"), 1, 0);
  REQUIRE(dns::parse_message(plain, m) == dns::WireError::none);
  CHECK_FALSE(m.edns);
}

TEST_CASE("an upstream query, written without ldns, is octet for octet what build_message makes of it",
          "[message]") {
  const std::string cookie("\x00\x0a\x00\x08\x01\x02\x03\x04\x05\x06\x07\x08", 12);
  for (const auto& [qname, type, edns_size, options] :
       std::vector<std::tuple<std::string, std::uint16_t, std::uint16_t, std::string>>{
           {"www.lab", dns::rrtype::A, 1232, ""},
           {"www.lab", dns::rrtype::AAAA, 1232, cookie},
           {".", dns::rrtype::NS, 4096, ""},
           {"a.b.c.example.test", dns::rrtype::DS, 0, ""}}) {
    INFO(qname << " " << type << " EDNS " << edns_size);
    dns::Message msg;
    msg.id = 0x1234;
    msg.questions.push_back(question(qname.c_str(), type));
    if (edns_size) msg.edns = dns::Edns{edns_size, 0, true, options};
    auto expected = dns::build_message(msg);
    REQUIRE(expected);
    CHECK(dns::build_query(question(qname.c_str(), type), 0x1234, edns_size, options) == *expected);
  }
}

TEST_CASE("a record whose RDATA does not fit its type is refused, not altered, when built", "[message]") {
  // Found by tests/fuzz/fuzz_wire: ldns read the first 4 of 9 RDATA octets of an A record and
  // dropped the rest, so a cached answer differed from the one received.
  dns::Message m;
  m.qr = true;
  m.questions = {question("lab")};
  m.answer = {dns::Record{name("lab"), dns::rrtype::A, dns::class_in, 300, std::string("\x7f\0\0\x01\x02\x03\x04\x05\x06", 9)}};
  CHECK_FALSE(dns::build_message(m));
  m.answer[0].rdata.resize(4);
  CHECK(dns::build_message(m));
}

TEST_CASE("names in MD and MF RDATA are read through compression pointers (RFC 3597 §4)", "[message]") {
  // Found by tests/fuzz/fuzz_wire: ldns compresses them when it builds, tern read them opaque.
  for (std::uint16_t type : {std::uint16_t{3}, std::uint16_t{4}}) {
    dns::Message m;
    m.qr = true;
    m.questions = {question("x.lab")};
    m.answer = {dns::Record{name("x.lab"), type, dns::class_in, 300, name("y.x.lab").wire()}};
    auto wire = dns::build_message(m);
    REQUIRE(wire);
    dns::Message back;
    REQUIRE(dns::parse_message(*wire, back) == dns::WireError::none);
    CHECK(back.answer == m.answer);
  }
}

namespace {

/// The name at `offset` as the octets spell it (case kept, pointers followed): what a client
/// shows after the question was respelled in place.
std::string spelled_name(const std::vector<std::uint8_t>& wire, std::size_t offset) {
  std::string text;
  for (int hops = 0; hops < 64 && offset < wire.size(); ++hops) {
    const std::uint8_t length = wire[offset];
    if (length == 0) return text.empty() ? "." : text;
    if ((length & 0xC0) == 0xC0) {
      offset = static_cast<std::size_t>((length & 0x3F) << 8 | wire[offset + 1]);
      continue;
    }
    text.append(reinterpret_cast<const char*>(&wire[offset + 1]), length).push_back('.');
    offset += length + 1u;
  }
  return "<bad name>";
}

/// The client's spelling copied over the question, as the daemon does (with_client_case).
void respell_question(std::vector<std::uint8_t>& wire, const std::string& upper) {
  std::size_t at = dns::header_size;
  for (std::size_t i = 0; i < upper.size(); ++i)
    if (wire[at + 1 + i] != '\0' && std::isalpha(wire[at + 1 + i])) wire[at + 1 + i] = static_cast<std::uint8_t>(upper[i]);
}

}  // namespace

TEST_CASE("a respelled question leaks into no other name: only whole-question pointers", "[message][case]") {
  // Issue 17: for EXAMPLE.LAB MX the target read "mail.EXAMPLE.LAB." (a pointer into the question).
  auto q = question("example.lab", dns::rrtype::MX);
  dns::Message m = reply(q, true, rrs({"example.lab. 300 IN MX 10 mail.example.lab."}),
                         rrs({"example.lab. 7200 IN NS ns1.example.lab."}),
                         rrs({"mail.example.lab. 300 IN A 127.0.0.25"}));
  auto wire = dns::build_message(m);
  REQUIRE(wire);
  respell_question(*wire, "EXAMPLE.LAB");
  std::vector<dns::RecordRef> refs;
  REQUIRE(dns::check_message(*wire, &refs) == dns::WireError::none);
  REQUIRE(refs.size() == 3);
  CHECK(spelled_name(*wire, dns::header_size) == "EXAMPLE.LAB.");
  CHECK(spelled_name(*wire, refs[0].owner_offset) == "EXAMPLE.LAB.");  // the question's own name
  CHECK(spelled_name(*wire, refs[0].rdata_offset + 2) == "mail.example.lab.");
  CHECK(spelled_name(*wire, refs[1].rdata_offset) == "ns1.example.lab.");
  CHECK(spelled_name(*wire, refs[2].owner_offset) == "mail.example.lab.");
  dns::Message back;
  REQUIRE(dns::parse_message(*wire, back) == dns::WireError::none);
  CHECK(back.answer == m.answer);
  CHECK(back.authority == m.authority);
  CHECK(back.additional == m.additional);

  // A NODATA: the SOA owner is a suffix of the question, its names below it.
  auto www = question("www.example.lab", dns::rrtype::AAAA);
  auto nodata = dns::build_message(reply(www, true, {},
      rrs({"example.lab. 900 IN SOA ns1.example.lab. hostmaster.example.lab. 1 1800 900 604800 60"})));
  REQUIRE(nodata);
  respell_question(*nodata, "WWW.EXAMPLE.LAB");
  refs.clear();
  REQUIRE(dns::check_message(*nodata, &refs) == dns::WireError::none);
  REQUIRE(refs.size() == 1);
  CHECK(spelled_name(*nodata, dns::header_size) == "WWW.EXAMPLE.LAB.");
  CHECK(spelled_name(*nodata, refs[0].owner_offset) == "example.lab.");
  CHECK(spelled_name(*nodata, refs[0].rdata_offset) == "ns1.example.lab.");
  // Still compressed: the SOA's names point at its owner, not written out again.
  CHECK(nodata->size() < dns::header_size + 17 + 4 + 13 + 10 + 22 + 28 + 20);
}
