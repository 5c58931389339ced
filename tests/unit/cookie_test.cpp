// DNS cookies (RFC 7873, RFC 9018): the option's parsing, SipHash-2-4, the server cookie
// against the RFC's published vectors, its validation window and secret rotation, and the
// cookie in a cache-hit response.
#include "helpers.hpp"

#include "cache/answer_cache.hpp"
#include "cache/clock.hpp"
#include "cache/keyed_hash.hpp"
#include "daemon/answering/hit_response.hpp"
#include "daemon/answering/server_cookies.hpp"
#include "resolver/dns/cookie.hpp"

#include <catch2/catch.hpp>

using namespace tern;

namespace {

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

cache::HashKey key_from(std::string_view hex) {
  const std::string b = unhex(hex);
  cache::HashKey k;
  for (int i = 7; i >= 0; --i) k.k0 = k.k0 << 8 | static_cast<std::uint8_t>(b[i]);
  for (int i = 15; i >= 8; --i) k.k1 = k.k1 << 8 | static_cast<std::uint8_t>(b[i]);
  return k;
}

}  // namespace

TEST_CASE("SipHash-2-4 matches the reference vectors", "[cookie]") {
  const cache::HashKey key = key_from("000102030405060708090a0b0c0d0e0f");
  CHECK(cache::siphash24(key, "") == 0x726fdb47dd0e0e31ULL);
  CHECK(cache::siphash24(key, std::string(1, '\0')) == 0x74f839c593dc67fdULL);
}

TEST_CASE("the COOKIE option is parsed and malformed ones are told apart", "[cookie]") {
  dns::CookieOption c;
  CHECK(dns::find_cookie("", c) == dns::CookieParse::absent);
  const std::string client = unhex("2464c4abcf10c957");
  const std::string server = unhex("010000005cf79f111f8130c3eee29480");
  const std::string ede = std::string("\x00\x0f\x00\x02\x00\x03", 6);
  const std::string options = ede + dns::cookie_option(client, server);  // c views into it
  REQUIRE(dns::find_cookie(options, c) == dns::CookieParse::ok);
  CHECK(c.client == client);
  CHECK(c.server == server);
  const std::string client_only = dns::cookie_option(client, "");
  REQUIRE(dns::find_cookie(client_only, c) == dns::CookieParse::ok);
  CHECK(c.server.empty());
  // RFC 7873 §5.2.2: fewer than 8, 9..15 or more than 40 octets; two COOKIE options.
  for (std::size_t length : {0u, 7u, 9u, 15u, 41u})
    CHECK(dns::find_cookie(dns::cookie_option(std::string(length, 'x'), ""), c) == dns::CookieParse::malformed);
  CHECK(dns::find_cookie(dns::cookie_option(client, "") + dns::cookie_option(client, ""), c) ==
        dns::CookieParse::malformed);
  CHECK(dns::find_cookie(std::string("\x00\x0a\x00\x10", 4) + client, c) == dns::CookieParse::malformed);
}

TEST_CASE("server cookies reproduce RFC 9018's vectors and expire as it says", "[cookie]") {
  const cache::HashKey secret = key_from("e5e973e5a6b2a43f48e7dc849e37bfcf");
  const std::string client = unhex("2464c4abcf10c957");
  const auto address = asio::ip::make_address("198.51.100.100");
  const std::string a1 = daemon::make_server_cookie(secret, client, address, 1559731985);
  CHECK(a1 == unhex("010000005cf79f111f8130c3eee29480"));
  CHECK(daemon::make_server_cookie(secret, client, address, 1559734385) ==
        unhex("010000005cf7a871d4a564a1442aca77"));

  const cache::HashKey other = key_from("00112233445566778899aabbccddeeff");
  using daemon::ServerCookieCheck;
  auto check = [&](daemon::CookieSecrets::Keys keys, std::int64_t now, std::string_view cookie = {},
                   const char* from = "198.51.100.100") {
    return daemon::check_server_cookie(keys, client, cookie.empty() ? a1 : cookie, asio::ip::make_address(from), now);
  };
  CHECK(check({secret, other}, 1559731985 + 60) == ServerCookieCheck::valid);
  CHECK(check({other, secret}, 1559731985 + 60) == ServerCookieCheck::valid);  // the previous secret
  CHECK(check({other, other}, 1559731985 + 60) == ServerCookieCheck::invalid);
  CHECK(check({secret, other}, 1559731985 + 60, {}, "198.51.100.101") == ServerCookieCheck::invalid);
  CHECK(check({secret, other}, 1559731985 + 2400) == ServerCookieCheck::valid_renew);  // 40 minutes
  CHECK(check({secret, other}, 1559731985 + 3601) == ServerCookieCheck::invalid);      // over an hour
  CHECK(check({secret, other}, 1559731985 - 301) == ServerCookieCheck::invalid);       // from the future
  std::string tampered = a1;
  tampered[15] ^= 1;
  CHECK(check({secret, other}, 1559731985 + 60, tampered) == ServerCookieCheck::invalid);
}

TEST_CASE("the answer cookie echoes a fresh valid cookie and replaces the rest", "[cookie]") {
  const std::int64_t now = 1700000000;
  daemon::CookieSecrets secrets(std::chrono::seconds(3600), now);
  const std::string client = unhex("0102030405060708");
  const auto address = asio::ip::make_address("127.0.0.1");
  dns::CookieOption first{client, {}};
  auto answer = [&](const dns::CookieOption& c, std::int64_t at) {
    std::string out;
    daemon::answer_cookie(secrets, c, address, at, out);
    return out;
  };
  const std::string option = answer(first, now);
  REQUIRE(option.size() == 4 + 24);
  dns::CookieOption returned;
  REQUIRE(dns::find_cookie(option, returned) == dns::CookieParse::ok);
  const std::string server(returned.server);
  dns::CookieOption again{client, server};
  CHECK(answer(again, now + 10) == option);
  // After one rotation the cookie is still good (previous secret); after two it is not.
  secrets.rotate(now + 20);
  CHECK(answer(again, now + 20) == option);
  secrets.rotate(now + 30);
  CHECK(answer(again, now + 30) != option);
  // The rotation interval rotates by itself, on use.
  const std::string before = daemon::make_server_cookie(secrets.keys(now + 40).current, client, address, now);
  CHECK(daemon::make_server_cookie(secrets.keys(now + 30 + 3599).current, client, address, now) == before);
  CHECK(daemon::make_server_cookie(secrets.keys(now + 30 + 3600).current, client, address, now) != before);
}

TEST_CASE("a hit response carries the COOKIE option in its OPT", "[cookie][hit]") {
  cache::FakeClock clock;
  cache::AnswerCache answers{1 << 20, cache::HashKey{1, 2}, clock, cache::TtlBounds{}, cache::TtlBounds{0, 3600}};
  const dns::Question q = test::question("www.lab");
  answers.insert(q, dns::rcode::noerror, {test::rr("www.lab. 300 IN A 192.0.2.1")}, {});
  auto hit = answers.find(q);
  REQUIRE(hit);
  const std::string cookie = dns::cookie_option(unhex("0102030405060708"), unhex("01000000aabbccdd0011223344556677"));
  const std::vector<std::uint8_t> qname(q.name.wire().begin(), q.name.wire().end());
  daemon::HitRequest request{7, true, false, dns::rrtype::A, qname, true, false, 1232};
  std::vector<std::uint8_t> out;
  daemon::make_hit_response(*hit->entry, request, daemon::HitServing{0, std::nullopt, std::uint16_t{3}, 1232, cookie}, out);
  dns::Message m;
  REQUIRE(dns::parse_message(out, m) == dns::WireError::none);
  REQUIRE(m.edns);
  CHECK(m.edns->options == std::string("\x00\x0f\x00\x02\x00\x03", 6) + cookie);
  CHECK(m.answer.size() == 1);
}
