// dnstap: the payloads as protobuf-c reads them back (every field of each message type, both
// address families), the per-worker tap's choice of messages and its counters, a full queue
// that drops and counts without waiting, and the settings' errors.
#include <catch2/catch.hpp>

#include "daemon/config/config_loader.hpp"
#include "daemon/observe/dnstap_message.hpp"
#include "daemon/observe/dnstap_tap.hpp"
#include "daemon/observe/dnstap_writer.hpp"
#include "temp_dir.hpp"

#include "dnstap.pb-c.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace tern::daemon;
using tern::test::TempDir;
namespace resolver = tern::resolver;

namespace {

struct Unpacked {
  Dnstap__Dnstap* top = nullptr;
  ~Unpacked() {
    if (top) dnstap__dnstap__free_unpacked(top, nullptr);
  }
  const Dnstap__Message& message() const { return *top->message; }
};

std::unique_ptr<Unpacked> unpack(const dnstap::Payload& payload) {
  auto out = std::make_unique<Unpacked>();
  out->top = dnstap__dnstap__unpack(nullptr, payload.size, payload.data.get());
  REQUIRE(out->top != nullptr);
  REQUIRE(out->top->message != nullptr);
  return out;
}

std::vector<std::uint8_t> bytes(const ProtobufCBinaryData& data) { return {data.data, data.data + data.len}; }

const std::vector<std::uint8_t> query_wire{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 0, 0, 1, 0, 1};
const std::vector<std::uint8_t> response_wire{0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 0, 0, 1, 0, 1};

}  // namespace

TEST_CASE("dnstap CLIENT_QUERY over UDP: addresses, ports, time and the query, nothing else", "[dnstap]") {
  dnstap::MessageFields f;
  f.type = dnstap::MessageType::client_query;
  f.protocol = dnstap::SocketProtocol::udp;
  f.query_end = {asio::ip::make_address("127.0.0.9"), 40000};
  f.response_end = {asio::ip::make_address("127.0.0.1"), 53};
  f.query_time = {1700000000, 123456789};
  f.query_message = query_wire;
  auto u = unpack(dnstap::encode(f, {}));
  CHECK(u->top->type == DNSTAP__DNSTAP__TYPE__MESSAGE);
  CHECK_FALSE(u->top->has_identity);
  CHECK_FALSE(u->top->has_version);
  const Dnstap__Message& m = u->message();
  CHECK(m.type == DNSTAP__MESSAGE__TYPE__CLIENT_QUERY);
  CHECK(m.socket_family == DNSTAP__SOCKET_FAMILY__INET);
  CHECK(m.socket_protocol == DNSTAP__SOCKET_PROTOCOL__UDP);
  CHECK(bytes(m.query_address) == std::vector<std::uint8_t>{127, 0, 0, 9});
  CHECK(bytes(m.response_address) == std::vector<std::uint8_t>{127, 0, 0, 1});
  CHECK(m.query_port == 40000);
  CHECK(m.response_port == 53);
  CHECK(m.query_time_sec == 1700000000);
  CHECK(m.query_time_nsec == 123456789);
  CHECK(bytes(m.query_message) == query_wire);
  CHECK_FALSE(m.has_response_message);
  CHECK_FALSE(m.has_response_time_sec);
  CHECK_FALSE(m.has_query_zone);
}

TEST_CASE("dnstap RESOLVER_RESPONSE over DoT, IPv6: both times, the zone, the reply, identity and version",
          "[dnstap]") {
  const std::vector<std::uint8_t> zone{3, 'l', 'a', 'b', 0};
  dnstap::MessageFields f;
  f.type = dnstap::MessageType::resolver_response;
  f.protocol = dnstap::SocketProtocol::dot;
  f.query_end = {asio::ip::make_address("::1"), 50000};
  f.response_end = {asio::ip::make_address("2001:db8::53"), 853};
  f.query_time = {1700000000, 1};
  f.response_time = dnstap::Time{1700000001, 2};
  f.response_message = response_wire;
  f.query_zone = zone;
  auto u = unpack(dnstap::encode(f, {"ns1.example", "tern 0.1.0"}));
  CHECK(std::string(reinterpret_cast<char*>(u->top->identity.data), u->top->identity.len) == "ns1.example");
  CHECK(std::string(reinterpret_cast<char*>(u->top->version.data), u->top->version.len) == "tern 0.1.0");
  const Dnstap__Message& m = u->message();
  CHECK(m.type == DNSTAP__MESSAGE__TYPE__RESOLVER_RESPONSE);
  CHECK(m.socket_family == DNSTAP__SOCKET_FAMILY__INET6);
  CHECK(m.socket_protocol == DNSTAP__SOCKET_PROTOCOL__DOT);
  CHECK(m.query_address.len == 16);
  CHECK(bytes(m.response_address) == std::vector<std::uint8_t>{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53});
  CHECK(m.query_port == 50000);
  CHECK(m.response_port == 853);
  CHECK(m.query_time_sec == 1700000000);
  CHECK(m.response_time_sec == 1700000001);
  CHECK(m.response_time_nsec == 2);
  CHECK(bytes(m.response_message) == response_wire);
  CHECK(bytes(m.query_zone) == zone);
  CHECK_FALSE(m.has_query_message);
}

TEST_CASE("dnstap: an IPv4 end facing an IPv6 one is written IPv4-mapped, family INET6", "[dnstap]") {
  dnstap::MessageFields f;
  f.type = dnstap::MessageType::client_response;
  f.protocol = dnstap::SocketProtocol::tcp;
  f.query_end = {asio::ip::make_address("192.0.2.1"), 1};
  f.response_end = {asio::ip::make_address("::"), 53};
  f.response_time = dnstap::Time{};
  f.response_message = response_wire;
  auto u = unpack(dnstap::encode(f, {}));
  const Dnstap__Message& m = u->message();
  CHECK(m.socket_family == DNSTAP__SOCKET_FAMILY__INET6);
  CHECK(m.socket_protocol == DNSTAP__SOCKET_PROTOCOL__TCP);
  CHECK(bytes(m.query_address) == std::vector<std::uint8_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1});
}

namespace {

/// A unix socket that listens and never accepts: fstrm's writer connects (the kernel completes
/// it), sends READY and waits for an ACCEPT that never comes, so nothing is ever drained.
struct DeafCollector {
  int fd = -1;
  explicit DeafCollector(const std::string& path) {
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 4) == 0);
  }
  ~DeafCollector() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);  // resets the pending connection: the writer's wait ends
    fd = -1;
  }
};

}  // namespace

TEST_CASE("dnstap tap: only the chosen messages are sent; a full queue drops and counts, never waits", "[dnstap]") {
  TempDir dir;
  const std::string path = dir.path().string() + "/collector.sock";
  DeafCollector deaf(path);
  DaemonStats stats;
  dnstap::Options options;
  options.client_response = true;  // and nothing else
  {
    dnstap::Writer writer(dnstap::Target{path, "", 0}, 1);
    dnstap::Tap tap(writer, 0, options, stats);
    CHECK(tap.logs_client());
    CHECK_FALSE(tap.logs_client_query());
    const dnstap::Endpoint client{asio::ip::make_address("127.0.0.9"), 40000};
    const dnstap::Endpoint local{asio::ip::make_address("127.0.0.1"), 53};
    tap.client_query(dnstap::SocketProtocol::udp, client, local, query_wire, resolver::tap_now());
    resolver::UpstreamTapExchange exchange;
    exchange.local_address = exchange.server = asio::ip::make_address("127.0.0.1");
    tap.upstream_query(exchange, query_wire);
    tap.upstream_response(exchange, response_wire, resolver::tap_now());
    CHECK(stats.dnstap_sent == 0);
    CHECK(stats.dnstap_dropped == 0);
    // The queue holds queue_entries payloads (one slot may stay free): well past it, every
    // further one is dropped at once.
    const unsigned attempts = dnstap::queue_entries + 100;
    for (unsigned i = 0; i < attempts; ++i)
      tap.client_exchange(dnstap::SocketProtocol::udp, client, local, query_wire, resolver::tap_now(), response_wire);
    CHECK(stats.dnstap_sent + stats.dnstap_dropped == attempts);
    CHECK(stats.dnstap_sent <= dnstap::queue_entries);
    CHECK(stats.dnstap_dropped >= 100);
    deaf.close();  // lets the I/O thread give up the handshake, so the writer stops at once
  }
}

TEST_CASE("dnstap settings: one collector, a TCP address with its port, a short socket path", "[dnstap][config]") {
  TempDir dir;
  auto load = [&](const std::string& yaml) { return load_config(dir.write("ternd.yaml", yaml), {}); };
  const Config on = load("dnstap-address: 127.0.0.1@6000\ndnstap-log-client-response: yes\ndnstap-send-identity: yes\n"
                         "dnstap-identity: resolver-7\n");
  REQUIRE(on.dnstap_address);
  CHECK(on.dnstap_address->port == 6000);
  CHECK(on.dnstap_log_client_response);
  CHECK_FALSE(on.dnstap_log_client_query);
  CHECK(on.dnstap_identity == "resolver-7");
  CHECK_THROWS_WITH(load("dnstap-socket: /run/dnstap.sock\ndnstap-address: 127.0.0.1@6000\n"),
                    Catch::Contains("dnstap-socket and dnstap-address are both set"));
  CHECK_THROWS_WITH(load("dnstap-address: 127.0.0.1\n"), Catch::Contains("dnstap-address"));
  CHECK_THROWS_WITH(load("dnstap-socket: /" + std::string(120, 'x') + "\n"), Catch::Contains("too long for a unix socket"));
  CHECK_THROWS_WITH(load("dnstap-log-client-query: maybe\n"), Catch::Contains("not a boolean"));
}
