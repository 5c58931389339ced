// What ternd says about itself: CH TXT version.bind/id.server (RFC 4892) and NSID (RFC 5001),
// hidden unless configured, and the settings that configure them.
#include "query_handler_fixture.hpp"

#include "daemon/answering/query_admission.hpp"
#include "daemon/answering/server_identity.hpp"
#include "daemon/config/config_loader.hpp"
#include "daemon/config/settings_table.hpp"
#include "tests/unit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace tern;
using namespace tern::test;

namespace {

std::vector<std::uint8_t> chaos(const char* qname, std::uint16_t type = dns::rrtype::TXT, bool rd = true) {
  return query(qname, type, [rd](dns::Message& m) {
    m.questions[0].klass = daemon::class_ch;
    m.rd = rd;
  });
}

std::string txt_of(const dns::Message& m) {
  REQUIRE(m.answer.size() == 1);
  CHECK(m.answer[0].klass == daemon::class_ch);
  CHECK(m.answer[0].type == dns::rrtype::TXT);
  const std::string& rdata = m.answer[0].rdata;
  REQUIRE(!rdata.empty());
  return rdata.substr(1, static_cast<unsigned char>(rdata[0]));
}

const std::string nsid_request("\x00\x03\x00\x00", 4);

/// The NSID option's data in a response, or nullopt when it has none.
std::optional<std::string> nsid_of(const dns::Message& m) {
  if (!m.edns) return std::nullopt;
  const std::string& o = m.edns->options;
  for (std::size_t at = 0; at + 4 <= o.size();) {
    const unsigned code = static_cast<unsigned char>(o[at]) << 8 | static_cast<unsigned char>(o[at + 1]);
    const std::size_t length = static_cast<unsigned char>(o[at + 2]) << 8 | static_cast<unsigned char>(o[at + 3]);
    if (code == daemon::edns_option_nsid) return o.substr(at + 4, length);
    at += 4 + length;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("identity: hidden by default, REFUSED as Unbound; answered when configured", "[identity]") {
  Fixture f;
  daemon::Config config = daemon::default_config();
  CHECK(config.hide_identity);
  CHECK(config.hide_version);
  CHECK(config.nsid.empty());
  auto p = std::make_shared<daemon::ClientPolicy>(*f.policy);
  p->identity = std::make_shared<const daemon::ServerIdentity>(daemon::make_server_identity(
      config.hide_identity, config.identity, config.hide_version, config.version, config.nsid));
  f.handler.set_policy(p);
  for (const char* name : {"version.bind", "version.server", "id.server", "hostname.bind"}) {
    INFO(name);
    auto m = f.ask(chaos(name));
    REQUIRE(m);
    CHECK(m->rcode == dns::rcode::refused);
    CHECK(m->answer.empty());
  }
  CHECK(f.transport.calls == 0);  // never sent upstream

  p = std::make_shared<daemon::ClientPolicy>(*f.policy);
  p->identity = std::make_shared<const daemon::ServerIdentity>(
      daemon::make_server_identity(false, "ns1.tern.test", false, "", ""));
  f.handler.set_policy(p);
  auto version = f.ask(chaos("VERSION.bind"));
  REQUIRE(version);
  CHECK(version->rcode == dns::rcode::noerror);
  CHECK(txt_of(*version) == std::string("tern ") + TERN_TEST_VERSION);
  auto id = f.ask(chaos("id.server", dns::rrtype::TXT, false));  // RD=0 too
  REQUIRE(id);
  CHECK(txt_of(*id) == "ns1.tern.test");
  CHECK(txt_of(*f.ask(chaos("hostname.bind", dns::rrtype::ANY))) == "ns1.tern.test");
  // Other CH questions stay refused as before (no authorities in class CH).
  auto other = f.ask(chaos("authors.bind"));
  REQUIRE(other);
  CHECK(other->rcode == dns::rcode::refused);
  CHECK(other->answer.empty());
  auto a_type = f.ask(chaos("version.bind", dns::rrtype::A));
  REQUIRE(a_type);
  CHECK(a_type->rcode == dns::rcode::refused);
  // The host name when identity is empty.
  CHECK(daemon::make_server_identity(false, "", true, "", "").identity.value_or("").size() > 0);
  CHECK_FALSE(daemon::make_server_identity(false, "", true, "", "").version);
  CHECK(f.transport.calls == 0);
}

TEST_CASE("identity: NSID is answered on the slow path, the hot path and errors, when set", "[identity][nsid]") {
  Fixture f;
  auto with_nsid = [](const char* name) {
    return query(name, dns::rrtype::A, [](dns::Message& m) { m.edns->options = nsid_request; });
  };
  // Off (the default): the option is ignored.
  auto off = f.ask(with_nsid("www.example.lab"));
  REQUIRE(off);
  CHECK_FALSE(nsid_of(*off));

  auto p = std::make_shared<daemon::ClientPolicy>(*f.policy);
  p->identity = std::make_shared<const daemon::ServerIdentity>(daemon::make_server_identity(true, "", true, "", "ns-a"));
  f.handler.set_policy(p);
  auto miss = f.ask(with_nsid("www2.example.lab"));
  REQUIRE(miss);
  CHECK(nsid_of(*miss) == std::optional<std::string>("ns-a"));
  // Cached now: the hot path leaves an NSID request to handle(), whose hit carries it.
  std::vector<std::uint8_t> out;
  const auto from = asio::ip::make_address("127.0.0.1");
  CHECK_FALSE(f.handler.answer_from_cache(with_nsid("www2.example.lab"), from, daemon::ClientTransport::udp, out));
  auto hit = f.ask(with_nsid("www2.example.lab"));
  REQUIRE(hit);
  CHECK(hit->answer.size() == 1);
  CHECK(nsid_of(*hit) == std::optional<std::string>("ns-a"));
  // Without the option: the hot path answers, without NSID.
  REQUIRE(f.handler.answer_from_cache(query("www2.example.lab"), from, daemon::ClientTransport::udp, out));
  dns::Message plain;
  REQUIRE(dns::parse_message(out, plain) == dns::WireError::none);
  CHECK_FALSE(nsid_of(plain));
  // An error response carries it too (RD=0 refused).
  auto refused = f.ask(query("www3.example.lab", dns::rrtype::A, [](dns::Message& m) {
    m.rd = false;
    m.edns->options = nsid_request;
  }));
  REQUIRE(refused);
  CHECK(refused->rcode == dns::rcode::refused);
  CHECK(nsid_of(*refused) == std::optional<std::string>("ns-a"));
}

TEST_CASE("identity: asks_nsid reads the options, bounded", "[identity][nsid]") {
  CHECK(daemon::asks_nsid(nsid_request));
  CHECK(daemon::asks_nsid(dns::cookie_option("12345678", "") + nsid_request));
  CHECK_FALSE(daemon::asks_nsid(dns::cookie_option("12345678", "")));
  CHECK_FALSE(daemon::asks_nsid(""));
  CHECK_FALSE(daemon::asks_nsid(std::string("\x00\x0a\x00\xff", 4)));  // length past the end
}

TEST_CASE("identity settings: names, defaults, nsid syntax and errors", "[identity][config]") {
  tern::test::TempDir dir;
  auto load = [&](const std::string& yaml) { return daemon::load_config(dir.write("t.yaml", yaml), {}); };
  daemon::Config c = load("hide-identity: no\nidentity: ns1.example\nhide-version: no\nversion: \"x 1\"\n"
                          "nsid: ascii_ns1\n");
  CHECK_FALSE(c.hide_identity);
  CHECK(c.identity == "ns1.example");
  CHECK_FALSE(c.hide_version);
  CHECK(c.version == "x 1");
  CHECK(c.nsid == "ns1");
  CHECK(load("nsid: 74650a6E\n").nsid == std::string("te\nn"));
  // --dump-config reads back to the same octets.
  for (const char* nsid : {"ascii_ns1", "74650a6e"}) {
    daemon::Config first = load(std::string("nsid: ") + nsid + "\n");
    CHECK(load(daemon::dump_config(first)).nsid == first.nsid);
  }
  auto error = [&](const std::string& yaml) {
    try {
      load(yaml);
    } catch (const daemon::ConfigError& e) {
      return std::to_string(e.line()) + ": " + e.message();
    }
    return std::string("no error");
  };
  CHECK(error("\nnsid: 7g\n") == "2: nsid: '7g' is neither hex digits nor ascii_TEXT");
  CHECK(error("nsid: abc\n") == "1: nsid: 'abc' is neither hex digits (pairs) nor ascii_TEXT");
  CHECK(error("nsid: ascii_\n") == "1: nsid: 'ascii_' needs a text after it");
  CHECK(error("version: " + std::string(256, 'v') + "\n") == "1: version: longer than 255 octets");
  CHECK(error("identity: \"a\\tb\"\n") == "1: identity: holds a control character");
  CHECK(error("hide-version: maybe\n") == "1: hide-version: 'maybe' is not a boolean (yes/no, true/false, on/off)");
}
