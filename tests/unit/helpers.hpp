// Small builders shared by the unit tests: records and messages from presentation text.
#pragma once

#include "resolver/dns/message.hpp"

#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <vector>

namespace tern::test {

inline dns::Name name(const char* text) {
  auto n = dns::Name::from_text(text);
  REQUIRE(n);
  return *n;
}

inline dns::Record rr(const char* text) {
  auto r = dns::record_from_text(text);
  REQUIRE(r);
  return *r;
}

inline std::vector<dns::Record> rrs(std::initializer_list<const char*> texts) {
  std::vector<dns::Record> out;
  for (const char* t : texts) out.push_back(rr(t));
  return out;
}

inline dns::Question question(const char* qname, std::uint16_t type = dns::rrtype::A) {
  return dns::Question{name(qname), type, dns::class_in};
}

/// An authority's reply to `q`: QR set, AA as given, sections as given.
inline dns::Message reply(const dns::Question& q, bool aa, std::vector<dns::Record> answer,
                          std::vector<dns::Record> authority = {},
                          std::vector<dns::Record> additional = {},
                          std::uint16_t rcode = dns::rcode::noerror) {
  dns::Message m;
  m.id = 4242;
  m.qr = true;
  m.aa = aa;
  m.rcode = rcode;
  m.questions = {q};
  m.answer = std::move(answer);
  m.authority = std::move(authority);
  m.additional = std::move(additional);
  return m;
}

inline std::vector<std::uint8_t> bytes(std::initializer_list<int> values) {
  std::vector<std::uint8_t> out;
  for (int v : values) out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

}  // namespace tern::test
