// The PROXY v2 parser (proxy_header.hpp) and the datagram admission under proxy-protocol-from
// (proxy_sources.hpp): who is believed, what is dropped and counted.
#include "daemon/config/access_control.hpp"
#include "daemon/listeners/proxy_header.hpp"
#include "daemon/listeners/proxy_sources.hpp"
#include "resolver/input_limits.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

using namespace tern::daemon;

namespace {

/// A PROXY command header over UDP (DGRAM) from `source`:`port` with `tlv` octets of TLVs.
std::vector<std::uint8_t> header_v4(std::array<std::uint8_t, 4> source, std::uint16_t port,
                                    std::vector<std::uint8_t> tlvs = {}) {
  std::vector<std::uint8_t> h(proxy_v2_signature.begin(), proxy_v2_signature.end());
  const std::size_t length = 12 + tlvs.size();
  h.insert(h.end(), {0x21, 0x12, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)});
  h.insert(h.end(), source.begin(), source.end());
  h.insert(h.end(), {127, 0, 0, 1});
  h.insert(h.end(), {static_cast<std::uint8_t>(port >> 8), static_cast<std::uint8_t>(port), 0, 53});
  h.insert(h.end(), tlvs.begin(), tlvs.end());
  return h;
}

std::vector<std::uint8_t> header_v6_stream() {
  std::vector<std::uint8_t> h(proxy_v2_signature.begin(), proxy_v2_signature.end());
  h.insert(h.end(), {0x21, 0x21, 0, 36});
  h.insert(h.end(), 15, 0x20);
  h.push_back(0x01);                       // source 2020:...:01 (2020 2020 ... 01)
  h.insert(h.end(), 16, 0);                // destination ::
  h.insert(h.end(), {0x30, 0x39, 0, 53});  // ports 12345, 53
  return h;
}

const std::vector<std::uint8_t> query{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};

}  // namespace

TEST_CASE("proxy v2: an IPv4 PROXY header gives the client and its size", "[proxy]") {
  auto packet = header_v4({192, 0, 2, 7}, 4242);
  packet.insert(packet.end(), query.begin(), query.end());
  ProxyHeader header;
  REQUIRE(parse_proxy_v2(packet, header) == ProxyParse::ok);
  CHECK(header.size == 28);
  CHECK(header.has_source);
  CHECK_FALSE(header.ipv6);
  CHECK(header.source_port == 4242);
  CHECK_FALSE(header.stream);
  CHECK(proxy_client(header, asio::ip::make_address("127.0.0.1")) == asio::ip::make_address("192.0.2.7"));
}

TEST_CASE("proxy v2: an IPv6 STREAM header", "[proxy]") {
  ProxyHeader header;
  REQUIRE(parse_proxy_v2(header_v6_stream(), header) == ProxyParse::ok);
  CHECK(header.size == 52);
  CHECK(header.ipv6);
  CHECK(header.stream);
  CHECK(proxy_client(header, asio::ip::make_address("::1")) ==
        asio::ip::make_address("2020:2020:2020:2020:2020:2020:2020:2001"));
}

TEST_CASE("proxy v2: TLVs are skipped but must fit", "[proxy]") {
  ProxyHeader header;
  CHECK(parse_proxy_v2(header_v4({10, 0, 0, 1}, 1, {0x04, 0, 2, 0xAA, 0xBB}), header) == ProxyParse::ok);
  CHECK(header.size == 33);
  // A TLV claiming more than the header holds.
  CHECK(parse_proxy_v2(header_v4({10, 0, 0, 1}, 1, {0x04, 0, 9, 0xAA, 0xBB}), header) == ProxyParse::malformed);
  // Two octets left: not even a TLV's type and length.
  CHECK(parse_proxy_v2(header_v4({10, 0, 0, 1}, 1, {0x04, 0}), header) == ProxyParse::malformed);
}

TEST_CASE("proxy v2: LOCAL leaves the peer as the client", "[proxy]") {
  std::vector<std::uint8_t> h(proxy_v2_signature.begin(), proxy_v2_signature.end());
  h.insert(h.end(), {0x20, 0x00, 0, 0});
  ProxyHeader header;
  REQUIRE(parse_proxy_v2(h, header) == ProxyParse::ok);
  CHECK_FALSE(header.has_source);
  CHECK(proxy_client(header, asio::ip::make_address("10.1.1.1")) == asio::ip::make_address("10.1.1.1"));
}

TEST_CASE("proxy v2: what is not a whole valid header", "[proxy]") {
  ProxyHeader header;
  CHECK(parse_proxy_v2(query, header) == ProxyParse::not_proxy);
  CHECK(parse_proxy_v2({}, header) == ProxyParse::not_proxy);
  const auto good = header_v4({192, 0, 2, 7}, 1);
  for (std::size_t n = 1; n < good.size(); ++n)
    CHECK(parse_proxy_v2(std::span(good).first(n), header) == ProxyParse::incomplete);
  auto bad = good;
  bad[12] = 0x11;  // version 1 in binary form
  CHECK(parse_proxy_v2(bad, header) == ProxyParse::malformed);
  bad = good;
  bad[12] = 0x22;  // command 2
  CHECK(parse_proxy_v2(bad, header) == ProxyParse::malformed);
  bad = good;
  bad[13] = 0x42;  // family 4
  CHECK(parse_proxy_v2(bad, header) == ProxyParse::malformed);
  bad = good;
  bad[13] = 0x10;  // INET over an unspecified transport, with the PROXY command
  CHECK(parse_proxy_v2(bad, header) == ProxyParse::malformed);
  bad = good;
  bad[13] = 0x22;  // INET6 addresses do not fit in 12 octets
  CHECK(parse_proxy_v2(bad, header) == ProxyParse::malformed);
  bad = good;
  bad[14] = 0x02;  // 524 octets: over the bound
  CHECK(parse_proxy_v2(bad, header) == ProxyParse::too_long);
  CHECK(proxy_v2_declared_size(bad) > tern::resolver::limits::max_proxy_header_bytes);
  // Version 1's text form is not accepted.
  const std::string v1 = "PROXY TCP4 192.0.2.1 127.0.0.1 1 53\r\n";
  CHECK(parse_proxy_v2(std::span(reinterpret_cast<const std::uint8_t*>(v1.data()), v1.size()), header) ==
        ProxyParse::not_proxy);
}

TEST_CASE("proxy-protocol-from: a listed peer's header names the client", "[proxy]") {
  std::string error;
  ProxySources sources({*parse_acl_rule("127.65.0.0/16 allow", error)});
  DaemonStats stats;
  const auto balancer = asio::ip::make_address("127.65.0.9");
  auto datagram = header_v4({192, 0, 2, 7}, 1);
  datagram.insert(datagram.end(), query.begin(), query.end());
  std::span<const std::uint8_t> packet(datagram);
  asio::ip::address client;
  REQUIRE(admit_datagram(sources, balancer, packet, client, stats) == ProxyVerdict::proxied);
  CHECK(client == asio::ip::make_address("192.0.2.7"));
  CHECK(std::vector<std::uint8_t>(packet.begin(), packet.end()) == query);
  CHECK(stats.proxy_accepted == 1);

  SECTION("no header from a listed peer: dropped") {
    std::span<const std::uint8_t> plain(query);
    CHECK(admit_datagram(sources, balancer, plain, client, stats) == ProxyVerdict::drop);
    CHECK(stats.proxy_dropped_missing == 1);
  }
  SECTION("a header from an unlisted peer: dropped") {
    std::span<const std::uint8_t> spoof(datagram);
    CHECK(admit_datagram(sources, asio::ip::make_address("127.0.0.1"), spoof, client, stats) == ProxyVerdict::drop);
    CHECK(stats.proxy_dropped_unexpected == 1);
  }
  SECTION("an unlisted peer without a header: as before") {
    std::span<const std::uint8_t> plain(query);
    const auto direct = asio::ip::make_address("::ffff:127.0.0.1");
    CHECK(admit_datagram(sources, direct, plain, client, stats) == ProxyVerdict::direct);
    CHECK(client == direct);
    CHECK(plain.size() == query.size());
  }
  SECTION("an IPv4-mapped balancer matches its IPv4 prefix") {
    std::span<const std::uint8_t> again(datagram);
    CHECK(admit_datagram(sources, asio::ip::make_address("::ffff:127.65.1.1"), again, client, stats) ==
          ProxyVerdict::proxied);
  }
}
