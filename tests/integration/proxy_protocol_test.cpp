// proxy-protocol-from: Debian's dnsdist in front of ternd with useProxyProtocol, and an
// access-control that refuses the balancer's own address but answers one client: the answer a
// client gets through dnsdist (UDP and TCP) is decided by its own address, which only the PROXY
// v2 header carries. Raw sockets then break the rules: a listed balancer without a header and an
// unlisted client with one are dropped, and counted.
#include <catch2/catch.hpp>

#include "support/dig.hpp"
#include "support/dns_wire.hpp"
#include "support/eventually.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/sourced_udp.hpp"
#include "support/ternd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <filesystem>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

/// The balancer's source address (dnsdist's `source`), listed in proxy-protocol-from and refused
/// by access-control: an answer through it proves the client's own address decided.
constexpr const char* balancer = "127.0.0.3";
/// access-control: 127.0.0.1 and 127.0.0.4 are answered, every other 127/8 address REFUSED.
const std::string acl =
    "access-control: [\"127.0.0.0/8 refuse\", \"127.0.0.1/32 allow\", \"127.0.0.4/32 allow\"]\n";

/// A PROXY v2 header (PROXY command, IPv4 over UDP or TCP) naming `client`.
Bytes proxy_header(const char* client, bool stream) {
  Bytes h{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
          0x21, static_cast<std::uint8_t>(stream ? 0x11 : 0x12), 0, 12};
  in_addr source{};
  ::inet_pton(AF_INET, client, &source);
  const auto* octets = reinterpret_cast<const std::uint8_t*>(&source);
  h.insert(h.end(), octets, octets + 4);
  h.insert(h.end(), {127, 0, 0, 1, 0x30, 0x39, 0, 53});
  return h;
}

Bytes with_header(const char* client, const Bytes& query) {
  Bytes datagram = proxy_header(client, false);
  datagram.insert(datagram.end(), query.begin(), query.end());
  return datagram;
}

/// The rcode of the reply to `datagram` sent from `source`, or -1 when none comes.
int rcode_from(const char* source, std::uint16_t port, const Bytes& datagram, std::chrono::milliseconds wait) {
  SourcedUdp socket(source);
  if (!socket.ok() || !socket.send(port, datagram)) return -2;
  auto reply = socket.receive(wait);
  if (!reply) return -1;
  auto r = parse_response(*reply, true);
  return r ? r->rcode : -3;
}

/// A TCP connection to 127.0.0.1:port from `source`; -1 on failure. The caller closes it.
int connect_from(const char* source, std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  timeval timeout{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

/// Whether the peer closes `fd` (read returns 0 or an error other than a timeout) within 3 s.
bool closed_by_peer(int fd) {
  std::array<std::uint8_t, 512> buffer{};
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  }
}

/// Debian's dnsdist on 127.0.0.1:port in front of `backend`, speaking PROXY v2 to it from
/// `balancer`; stopped by its pid at scope exit.
struct Dnsdist {
  Dnsdist(const TempDir& dir, std::uint16_t port, std::uint16_t backend) {
    const std::string config = dir.write(
        "dnsdist.conf",
        "setLocal('127.0.0.1:" + std::to_string(port) + "')\n" + "setACL({'127.0.0.0/8'})\n" +
            "setSecurityPollSuffix('')\n" +  // no query about its own version to the outside
            // Health checks off (forced up): the test decides what ternd sees.
            "newServer({address='127.0.0.1:" + std::to_string(backend) + "', source='" + balancer +
            "', useProxyProtocol=true}):setUp()\n");
    process = std::make_unique<Process>(ProcessOptions{
        {"/usr/bin/dnsdist", "--supervised", "--disable-syslog", "-C", config}, dir.path + "/dnsdist.log", {}, true});
  }
  std::unique_ptr<Process> process;
};

}  // namespace

TEST_CASE("proxy-protocol-from: dnsdist in front, access-control decided by the real client", "[proxy]") {
  REQUIRE(std::filesystem::exists("/usr/bin/dnsdist"));  // .ci/install-deps installs it
  TempDir dir{"proxy"};
  const std::string socket = dir.path + "/ternd.ctl";
  Ternd t(TerndOptions{"control-socket: " + socket + "\n" + acl + "proxy-protocol-from: [\"" + balancer + "\"]\n"});
  const std::uint16_t front = allocate_port();
  Dnsdist dnsdist(dir, front, t.port());
  INFO(tail_file(dir.path + "/dnsdist.log", 20));
  // dnsdist answers once it has read its config and bound its port.
  REQUIRE(eventually([&] { return dig(front, "www.example.lab", "A", {}, 1, 1).answered; }, 10s));

  for (const char* transport : {"+notcp", "+tcp"}) {
    INFO(transport);
    DigResult allowed = dig(front, "www.example.lab", "A", {transport, "-b", "127.0.0.1"});
    INFO(allowed.output);
    CHECK(allowed.status == "NOERROR");
    REQUIRE(allowed.answer.size() == 1);
    CHECK(allowed.answer[0].data == "127.0.0.80");
    DigResult refused = dig(front, "www.example.lab", "A", {transport, "-b", "127.0.0.2"});
    INFO(refused.output);
    CHECK(refused.status == "REFUSED");
  }
  CHECK(stat(socket, dir.path, "proxy.accepted") >= 4);
  CHECK(stat(socket, dir.path, "proxy.dropped-missing") == 0);
  CHECK(stat(socket, dir.path, "proxy.dropped-unexpected") == 0);
  CHECK(stat(socket, dir.path, "acl.refused") >= 2);
}

TEST_CASE("proxy-protocol-from: a header where none belongs, none where one must be: dropped and counted",
          "[proxy]") {
  TempDir dir{"proxy"};
  const std::string socket = dir.path + "/ternd.ctl";
  const std::string query_log = dir.path + "/queries.log";
  Ternd t(TerndOptions{"control-socket: " + socket + "\n" + acl + "proxy-protocol-from: [\"" + balancer +
                       "\"]\nquery-log: " + query_log + "\n"});
  const Bytes query = make_query("www.example.lab", rrtype::A);

  // The balancer with a header: the header's client decides (answered, then refused), and the
  // query log names it, never the balancer.
  CHECK(rcode_from(balancer, t.port(), with_header("127.0.0.1", query), 3s) == 0);
  CHECK(rcode_from(balancer, t.port(), with_header("127.0.0.2", query), 3s) == 5);
  CHECK(rcode_from(balancer, t.port(), with_header("127.0.0.4", query), 3s) == 0);
  CHECK(stat(socket, dir.path, "proxy.accepted") == 3);
  CHECK(eventually([&] { return read_file(query_log).find("\"client\":\"127.0.0.4\"") != std::string::npos; }));
  CHECK(read_file(query_log).find(std::string("\"client\":\"") + balancer) == std::string::npos);
  // UDP: the balancer without a header, and a client claiming an address with one.
  CHECK(rcode_from(balancer, t.port(), query, 1s) == -1);
  CHECK(rcode_from("127.0.0.1", t.port(), with_header("127.0.0.1", query), 1s) == -1);
  CHECK(stat(socket, dir.path, "proxy.dropped-missing") == 1);
  CHECK(stat(socket, dir.path, "proxy.dropped-unexpected") == 1);
  // A client without a header is answered as before.
  CHECK(rcode_from("127.0.0.1", t.port(), query, 3s) == 0);

  // TCP: the same two mistakes close the connection.
  Bytes frame{static_cast<std::uint8_t>(query.size() >> 8), static_cast<std::uint8_t>(query.size())};
  frame.insert(frame.end(), query.begin(), query.end());
  int unlisted = connect_from("127.0.0.1", t.port());
  REQUIRE(unlisted >= 0);
  Bytes spoof = proxy_header("127.0.0.1", true);
  spoof.insert(spoof.end(), frame.begin(), frame.end());
  REQUIRE(::write(unlisted, spoof.data(), spoof.size()) == static_cast<ssize_t>(spoof.size()));
  CHECK(closed_by_peer(unlisted));
  ::close(unlisted);
  int listed = connect_from(balancer, t.port());
  REQUIRE(listed >= 0);
  REQUIRE(::write(listed, frame.data(), frame.size()) == static_cast<ssize_t>(frame.size()));
  CHECK(closed_by_peer(listed));
  ::close(listed);
  CHECK(stat(socket, dir.path, "proxy.dropped-missing") == 2);
  CHECK(stat(socket, dir.path, "proxy.dropped-unexpected") == 2);
}
