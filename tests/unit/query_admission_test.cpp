// The acceptance rules for client queries (daemon/answering/query_admission.hpp): one case per
// rule and the order between them, on packets alone (no handler, no io_context, no counters;
// query_handler_test.cpp checks what handle() counts and sends for each).
#include "query_handler_fixture.hpp"

#include "daemon/answering/query_admission.hpp"
#include "daemon/config/access_control.hpp"
#include "resolver/dns/cookie.hpp"

using namespace tern;
using namespace tern::test;
using daemon::Admission;

namespace {

daemon::ClientPolicy default_policy() {
  daemon::ClientPolicy p;
  p.access_control = daemon::default_access_control();
  return p;
}

daemon::QueryAdmission admit(const std::vector<std::uint8_t>& packet, const daemon::ClientPolicy& policy,
                             const char* client = "127.0.0.1") {
  return daemon::admit_query(packet, asio::ip::make_address(client), policy);
}

Admission verdict_of(const std::vector<std::uint8_t>& packet, const char* client = "127.0.0.1") {
  return admit(packet, default_policy(), client).verdict;
}

/// A query whose EDNS carries `option` (raw option octets).
std::vector<std::uint8_t> with_options(std::string option, std::function<void(dns::Message&)> tweak = {}) {
  return query("www.example.lab", dns::rrtype::A, [&](dns::Message& m) {
    m.edns->options = option;
    if (tweak) tweak(m);
  });
}

/// The packet with QR set, as a response would have it.
std::vector<std::uint8_t> as_response(std::vector<std::uint8_t> packet) {
  packet[2] |= 0x80;
  return packet;
}

}  // namespace

TEST_CASE("a plain recursive query is accepted, parsed", "[admission]") {
  auto a = admit(query("www.example.lab"), default_policy());
  CHECK(a.verdict == Admission::accepted);
  REQUIRE(a.query.questions.size() == 1);
  CHECK(a.query.questions[0].name == name("www.example.lab"));
  CHECK(a.query.id == 0x1234);
  CHECK_FALSE(a.client_cookie);
  CHECK_FALSE(a.local);
}

TEST_CASE("unreadable packets, denied clients and responses are dropped, in that order", "[admission]") {
  CHECK(verdict_of(bytes({0x12, 0x34, 0x01, 0, 0})) == Admission::drop_unreadable);
  CHECK(verdict_of(as_response(query("www.lab"))) == Admission::drop_response);
  auto garbled_response = as_response(query("www.lab"));
  garbled_response.push_back(0xff);
  CHECK(verdict_of(garbled_response) == Admission::drop_response);  // QR is read before the body
  daemon::ClientPolicy deny = default_policy();
  std::string error;
  deny.access_control =
      daemon::merge_acl_rules(deny.access_control, {*daemon::parse_acl_rule("203.0.113.0/24 deny", error)});
  CHECK(admit(query("www.lab"), deny, "203.0.113.7").verdict == Admission::drop_denied);
  CHECK(admit(as_response(query("www.lab")), deny, "203.0.113.7").verdict == Admission::drop_denied);
  CHECK(admit(bytes({1, 2, 3}), deny, "203.0.113.7").verdict == Admission::drop_unreadable);
}

TEST_CASE("a body that fails the wire check is FORMERR, with the reason", "[admission]") {
  auto packet = query("www.lab");
  packet.push_back(0xff);
  auto a = admit(packet, default_policy());
  CHECK(a.verdict == Admission::formerr_unparsable);
  CHECK(a.rcode == dns::rcode::formerr);
  CHECK(a.wire_error == dns::WireError::trailing_data);
  // Before access control's refusal: a refused client with a broken packet gets FORMERR.
  CHECK(verdict_of(packet, "203.0.113.7") == Admission::formerr_unparsable);
}

TEST_CASE("the COOKIE option: malformed is FORMERR before any refusal, valid is kept", "[admission]") {
  daemon::CookieSecrets secrets(std::chrono::seconds(3600), 0);
  daemon::ClientPolicy policy = default_policy();
  policy.cookies = &secrets;
  const std::string client_cookie = "\x01\x02\x03\x04\x05\x06\x07\x08";
  const auto broken = with_options(dns::cookie_option("short", ""));
  auto a = admit(broken, policy);
  CHECK(a.verdict == Admission::formerr_cookie);
  CHECK(a.rcode == dns::rcode::formerr);
  CHECK(admit(broken, policy, "203.0.113.7").verdict == Admission::formerr_cookie);
  CHECK(admit(with_options(dns::cookie_option("short", ""), [](dns::Message& m) { m.opcode = 2; }), policy).verdict ==
        Admission::formerr_cookie);
  SECTION("with cookies off the option is ignored like any unknown one") {
    CHECK(admit(broken, default_policy()).verdict == Admission::accepted);
  }
  SECTION("a valid one is kept for every response, refusals included") {
    a = admit(with_options(dns::cookie_option(client_cookie, "")), policy, "203.0.113.7");
    CHECK(a.verdict == Admission::refused_by_acl);
    REQUIRE(a.client_cookie);
    CHECK(a.client_cookie->client == client_cookie);
    CHECK(a.client_cookie->server.empty());
    const std::string server_cookie(16, 's');
    a = admit(with_options(dns::cookie_option(client_cookie, server_cookie)), policy);
    CHECK(a.verdict == Admission::accepted);
    REQUIRE(a.client_cookie);
    CHECK(a.client_cookie->view().server == server_cookie);
  }
}

TEST_CASE("access control refuses with EDE 18 before the query's own rules", "[admission]") {
  auto a = admit(query("www.lab"), default_policy(), "203.0.113.7");  // public: refused by default
  CHECK(a.verdict == Admission::refused_by_acl);
  CHECK(a.rcode == dns::rcode::refused);
  CHECK(a.ede == resolver::ede::prohibited);
  CHECK_FALSE(a.client_spelling);
  CHECK(verdict_of(query("www.lab", 1, [](dns::Message& m) { m.opcode = 2; }), "203.0.113.7") ==
        Admission::refused_by_acl);
}

TEST_CASE("what the service does not offer gets its error, in the rules' order", "[admission]") {
  auto a = admit(query("www.lab", 1, [](dns::Message& m) { m.opcode = 2; }), default_policy());
  CHECK(a.verdict == Admission::notimp_opcode);
  CHECK(a.rcode == dns::rcode::notimp);
  CHECK(a.ede == resolver::ede::not_supported);
  CHECK(verdict_of(query("www.lab", 1, [](dns::Message& m) { m.questions.clear(); })) ==
        Admission::formerr_question_count);
  CHECK(verdict_of(query("www.lab", 1, [](dns::Message& m) { m.questions.push_back(m.questions[0]); })) ==
        Admission::formerr_question_count);
  CHECK(verdict_of(query("www.lab", 1, [](dns::Message& m) {
          m.opcode = 2;
          m.questions.clear();
        })) == Admission::notimp_opcode);
  a = admit(query("www.lab", dns::rrtype::OPT, [](dns::Message& m) { m.edns->version = 1; }), default_policy());
  CHECK(a.verdict == Admission::badvers);
  CHECK(a.rcode == dns::rcode::badvers);
  CHECK_FALSE(a.ede);
  a = admit(query("www.lab", dns::rrtype::OPT), default_policy());
  CHECK(a.verdict == Admission::formerr_opt_question);
  CHECK(a.rcode == dns::rcode::formerr);
}

TEST_CASE("other classes and zone transfers are refused with EDE 21 in the client's spelling", "[admission]") {
  for (auto packet : {query("WwW.lab", 1, [](dns::Message& m) { m.questions[0].klass = 3; }),
                      query("WwW.lab", dns::rrtype::AXFR), query("WwW.lab", 251),
                      query("WwW.lab", dns::rrtype::AXFR, [](dns::Message& m) { m.rd = false; })}) {
    auto a = admit(packet, default_policy());
    CHECK(a.verdict == Admission::refused_unsupported);
    CHECK(a.rcode == dns::rcode::refused);
    CHECK(a.ede == resolver::ede::not_supported);
    CHECK(a.client_spelling);
  }
}

TEST_CASE("local zones answer whatever RD says; elsewhere RD=0 is refused with EDE 20", "[admission]") {
  daemon::ClientPolicy policy = default_policy();
  policy.local_zones = std::make_shared<const daemon::LocalZones>(
      std::vector<daemon::LocalZoneRule>{{"blocked.lab.", daemon::LocalZoneType::deny}}, std::vector<std::string>{});
  auto a = admit(query("localhost."), policy);
  CHECK(a.verdict == Admission::local_zone);
  REQUIRE(a.local);
  CHECK_FALSE(a.local->drop);
  CHECK(a.local->outcome.answer.size() == 1);
  auto no_rd = [](dns::Message& m) { m.rd = false; };
  a = admit(query("4.3.2.10.in-addr.arpa.", dns::rrtype::PTR, no_rd), policy);
  CHECK(a.verdict == Admission::local_zone);
  REQUIRE(a.local);
  CHECK(a.local->outcome.rcode == dns::rcode::nxdomain);
  a = admit(query("x.blocked.lab."), policy);
  CHECK(a.verdict == Admission::local_zone);
  REQUIRE(a.local);
  CHECK(a.local->drop);
  a = admit(query("www.example.lab", dns::rrtype::A, no_rd), policy);
  CHECK(a.verdict == Admission::refused_not_recursive);
  CHECK(a.rcode == dns::rcode::refused);
  CHECK(a.ede == resolver::ede::not_authoritative);
  CHECK(a.client_spelling);
  CHECK_FALSE(a.local);
  CHECK(admit(query("www.example.lab"), policy).verdict == Admission::accepted);
  // Without local zones configured, nothing is local.
  CHECK(verdict_of(query("localhost.", dns::rrtype::A, no_rd)) == Admission::refused_not_recursive);
}

TEST_CASE("CH TXT identity names are the server's own, after access control, whatever RD says", "[admission][identity]") {
  daemon::ClientPolicy policy = default_policy();
  policy.identity = std::make_shared<const daemon::ServerIdentity>(daemon::make_server_identity(true, "", false, "v1", ""));
  auto ch = [](const char* name, std::uint16_t type, bool rd) {
    return query(name, type, [rd](dns::Message& m) {
      m.questions[0].klass = daemon::class_ch;
      m.rd = rd;
    });
  };
  auto a = admit(ch("version.bind", dns::rrtype::TXT, false), policy);
  CHECK(a.verdict == Admission::server_identity);
  REQUIRE(a.local);
  CHECK(a.local->outcome.rcode == dns::rcode::noerror);
  a = admit(ch("id.server", dns::rrtype::TXT, true), policy);  // hidden: REFUSED by the identity rule
  CHECK(a.verdict == Admission::server_identity);
  REQUIRE(a.local);
  CHECK(a.local->outcome.rcode == dns::rcode::refused);
  // Refused clients stay refused; other CH names and types are the class rule's.
  CHECK(admit(ch("version.bind", dns::rrtype::TXT, true), policy, "192.0.2.1").verdict == Admission::refused_by_acl);
  CHECK(admit(ch("authors.bind", dns::rrtype::TXT, true), policy).verdict == Admission::refused_unsupported);
  CHECK(admit(ch("version.bind", dns::rrtype::A, true), policy).verdict == Admission::refused_unsupported);
  // Class IN version.bind is an ordinary name.
  CHECK(admit(query("version.bind", dns::rrtype::TXT), policy).verdict == Admission::accepted);
  // Without an identity (a policy built elsewhere), the class rule as before.
  CHECK(verdict_of(ch("version.bind", dns::rrtype::TXT, true)) == Admission::refused_unsupported);
}
