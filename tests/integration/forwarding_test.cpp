// Forward and stub zones with real servers: a ternd that knows no lab forwards to a second
// ternd in front of the lab, or to the lab's NSD; a stub zone starts at the lab's NSD;
// forward-first falls back to iteration when the forwarder is dead; DNS over TLS to Debian's
// unbound with a certificate made by openssl for this test, and a wrong name that must fail.
#include <catch2/catch.hpp>

#include "support/dig.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/ternd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

std::string first_a(const DigResult& r) {
  auto records = r.answers("A");
  return records.empty() ? "" : records.back().data;
}

std::string forward_zone(const std::string& name, const std::string& server, const std::string& extra = "") {
  return "forward-zone:\n  - name: " + name + "\n    servers: [\"" + server + "\"]\n" + extra;
}

/// True once something accepts TCP connections on 127.0.0.1:port.
bool accepts_tcp(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

/// Debian's unbound answering one local name, over DNS over TLS only on its port, with a
/// self-signed certificate for dns.tern.test made by openssl; stopped by pid at scope exit.
struct TlsUnbound {
  TempDir dir{"unbound"};
  std::uint16_t port = allocate_port();
  std::unique_ptr<Process> process;
  std::string cert = dir.path + "/cert.pem";

  explicit TlsUnbound(const std::string& extra_server_config = "") {
    ProcessOptions gen;
    gen.args = {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-keyout", dir.path + "/key.pem", "-out", cert, "-subj", "/CN=dns.tern.test",
                "-addext", "subjectAltName=DNS:dns.tern.test"};
    gen.log_path = dir.path + "/openssl.log";
    ExitStatus made = run_to_completion(gen, 60s);
    INFO(read_file(gen.log_path));
    REQUIRE(made.exited);
    REQUIRE(made.code == 0);
    const std::string p = std::to_string(port);
    std::string conf = dir.write("unbound.conf",
                                 "server:\n"
                                 "  interface: 127.0.0.1@" + p + "\n"
                                 "  tls-port: " + p + "\n"
                                 "  tls-service-key: \"" + dir.path + "/key.pem\"\n"
                                 "  tls-service-pem: \"" + cert + "\"\n"
                                 "  do-ip6: no\n  do-udp: no\n"
                                 "  username: \"\"\n  chroot: \"\"\n"
                                 "  directory: \"" + dir.path + "\"\n"
                                 "  pidfile: \"" + dir.path + "/unbound.pid\"\n"
                                 "  use-syslog: no\n  logfile: \"\"\n  verbosity: 1\n"
                                 "  access-control: 127.0.0.0/8 allow\n"
                                 "  local-zone: \"dot.example.\" static\n"
                                 "  local-data: \"www.dot.example. 300 IN A 192.0.2.53\"\n" +
                                 extra_server_config +
                                 "remote-control:\n  control-enable: no\n");
    ProcessOptions run;
    run.args = {"/usr/sbin/unbound", "-d", "-c", conf};
    run.log_path = dir.path + "/unbound.log";
    process = std::make_unique<Process>(run);
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!accepts_tcp(port) && std::chrono::steady_clock::now() < deadline && !process->poll())
      std::this_thread::sleep_for(50ms);
    INFO(read_file(run.log_path));
    REQUIRE(accepts_tcp(port));
  }
  ~TlsUnbound() {
    if (process) process->stop();
  }
};

/// TCP connections to 127.0.0.1:port that are established, seen from the connecting side
/// (/proc/net/tcp: remote address and port, state 01).
int established_to(std::uint16_t port) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // header
  char wanted[16];
  std::snprintf(wanted, sizeof wanted, "0100007F:%04X", port);
  int count = 0;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (remote == wanted && state == "01") ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("forward-zone: a ternd without the lab forwards to a ternd in front of it", "[forward]") {
  Ternd upstream;
  // Built-in IANA hints and query-loopback off: whatever it answers came through the forwarder.
  // The front validates what comes through with the lab's anchor (the IANA one would make the
  // lab's root bogus); every DS and DNSKEY it needs comes through the forwarder too.
  Ternd front(TerndOptions{forward_zone(".", "127.0.0.1@" + std::to_string(upstream.port())) +
                               "trust-anchor-file: [\"" + Lab::get().trust_anchor() + "\"]\n",
                           false});
  DigResult r = dig(front.port(), "www.example.lab", "A");
  INFO(r.output);
  CHECK(r.status == "NOERROR");
  CHECK(first_a(r) == "127.0.0.80");
  // A CNAME chain across four zones, as the forwarder resolved it.
  DigResult chain = dig(front.port(), "www.chain.lab", "A");
  INFO(chain.output);
  CHECK(chain.answers("CNAME").size() == 3);
  CHECK(first_a(chain) == "127.0.0.80");
  CHECK(dig(front.port(), "nope.example.lab", "A").status == "NXDOMAIN");
  // Local zones stay local: never forwarded.
  CHECK(dig(front.port(), "www.localhost", "A").answers("A").front().data == "127.0.0.1");
}

TEST_CASE("forward-zone to the lab's NSD and stub-zone starting at it", "[forward][stub]") {
  Lab& lab = Lab::get();
  const std::string nsd = lab.address("10.1");  // ns1.example.lab
  SECTION("forward-zone: NSD answers its own zone even with RD=1") {
    // An internal zone forwarded past the root: a negative trust anchor, as Unbound's operators
    // set domain-insecure for theirs (else its chain of trust would be sought at the root).
    Ternd front(TerndOptions{forward_zone("example.lab.", nsd) + "domain-insecure: [example.lab]\n", false});
    DigResult r = dig(front.port(), "ftp.example.lab", "A");
    INFO(r.output);
    CHECK(r.status == "NOERROR");
    CHECK(first_a(r) == "127.0.0.80");
  }
  SECTION("stub-zone: iteration starts at NSD, without the root") {
    Ternd front(TerndOptions{"stub-zone:\n  - name: example.lab\n    servers: [\"" + nsd + "\"]\n"
                             "domain-insecure: [example.lab]\n", false});
    DigResult r = dig(front.port(), "www.example.lab", "A");
    INFO(r.output);
    CHECK(r.status == "NOERROR");
    CHECK(first_a(r) == "127.0.0.80");
    CHECK(dig(front.port(), "nope.example.lab", "A").status == "NXDOMAIN");
  }
}

TEST_CASE("forward-first: a dead forwarder falls back to iteration, else SERVFAIL", "[forward]") {
  const std::string dead = "127.0.0.1@" + std::to_string(allocate_port());  // nothing listens there
  SECTION("forward-first: yes") {
    Ternd t(TerndOptions{forward_zone("lab.", dead, "    forward-first: yes\n")});
    DigResult r = dig(t.port(), "www.example.lab", "A", {}, 8);
    INFO(r.output);
    CHECK(r.status == "NOERROR");
    CHECK(first_a(r) == "127.0.0.80");
  }
  SECTION("forward-first: no") {
    Ternd t(TerndOptions{forward_zone("lab.", dead)});
    DigResult r = dig(t.port(), "www.example.lab", "A", {}, 8);
    INFO(r.output);
    CHECK(r.status == "SERVFAIL");
    // Names outside the forward zone are iterated as usual.
    CHECK(first_a(dig(t.port(), "www.glueless.corp", "A")) == "127.0.14.80");
  }
}

TEST_CASE("forward-tls: DNS over TLS to unbound, the certificate checked by name", "[forward][tls]") {
  TlsUnbound unbound;
  const std::string server = "127.0.0.1@" + std::to_string(unbound.port);
  auto config = [&](const std::string& name, bool with_ca) {
    return forward_zone("dot.example.", server, "    forward-tls: yes\n    forward-tls-name: " + name + "\n") +
           (with_ca ? "tls-ca-file: " + unbound.cert + "\n" : "") + "domain-insecure: [dot.example]\n";
  };
  SECTION("the right name and CA: answered over TLS (unbound serves nothing else on that port)") {
    Ternd t(TerndOptions{config("dns.tern.test", true), false});
    DigResult r = dig(t.port(), "www.dot.example", "A", {}, 8);
    INFO(r.output << "\nternd log:\n" << t.log());
    CHECK(r.status == "NOERROR");
    CHECK(first_a(r) == "192.0.2.53");
  }
  SECTION("a name the certificate does not carry: verification fails, SERVFAIL") {
    Ternd t(TerndOptions{config("wrong.tern.test", true), false});
    DigResult r = dig(t.port(), "www.dot.example", "A", {}, 8);
    INFO(r.output << "\nternd log:\n" << t.log());
    CHECK(r.status == "SERVFAIL");
    CHECK(t.log().find("handshake failed") != std::string::npos);
  }
  SECTION("the system's CAs do not know the self-signed certificate: SERVFAIL") {
    Ternd t(TerndOptions{config("dns.tern.test", false), false});
    DigResult r = dig(t.port(), "www.dot.example", "A", {}, 8);
    INFO(r.output << "\nternd log:\n" << t.log());
    CHECK(r.status == "SERVFAIL");
  }
}

TEST_CASE("forward-tls: a connection is kept for the next queries, and replaced once closed",
          "[forward][tls]") {
  SECTION("kept: queries after the first reuse it instead of a handshake each") {
    TlsUnbound unbound;
    Ternd t(TerndOptions{forward_zone("dot.example.", "127.0.0.1@" + std::to_string(unbound.port),
                                      "    forward-tls: yes\n    forward-tls-name: dns.tern.test\n") +
                             "tls-ca-file: " + unbound.cert + "\nthreads: 1\ndomain-insecure: [dot.example]\n",
                         false});
    CHECK(first_a(dig(t.port(), "www.dot.example", "A", {}, 8)) == "192.0.2.53");
    for (int i = 0; i < 4; ++i) {
      DigResult r = dig(t.port(), "n" + std::to_string(i) + ".dot.example", "A", {}, 8);
      INFO(r.output);
      CHECK(r.status == "NXDOMAIN");  // unbound's static zone, each a new question for ternd
    }
    // One worker, one query at a time: one connection, still open after the last answer.
    CHECK(established_to(unbound.port) == 1);
  }
  SECTION("replaced: unbound closes idle connections after a second; the next query still works") {
    TlsUnbound unbound("  tcp-idle-timeout: 1000\n");
    Ternd t(TerndOptions{forward_zone("dot.example.", "127.0.0.1@" + std::to_string(unbound.port),
                                      "    forward-tls: yes\n    forward-tls-name: dns.tern.test\n") +
                             "tls-ca-file: " + unbound.cert + "\nthreads: 1\ndomain-insecure: [dot.example]\n",
                         false});
    CHECK(first_a(dig(t.port(), "www.dot.example", "A", {}, 8)) == "192.0.2.53");
    std::this_thread::sleep_for(2500ms);  // unbound closes the kept connection meanwhile
    DigResult r = dig(t.port(), "n1.dot.example", "A", {}, 8);
    INFO(r.output << "\nternd log:\n" << t.log());
    CHECK(r.status == "NXDOMAIN");
  }
}
