// DNS over HTTPS (RFC 8484) on HTTP/2 with real clients: curl --doh-url (POST) and a plain curl
// GET, kdig +https and +https-get; and, with a small nghttp2 client (support/h2_client), what a
// browser would not send: wrong paths, methods and content types, bad base64url, oversized
// bodies and headers, stream floods, rapid resets, requests in TLS 1.3 early data. Each ternd
// gets its own self-signed certificate; DoH shares DoT's context and connection bounds.
#include <catch2/catch.hpp>

#include "support/dig.hpp"
#include "support/dns_wire.hpp"
#include "support/h2_client.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/ternd.hpp"
#include "support/tls_client.hpp"

#include <cstdio>
#include <regex>
#include <signal.h>
#include <thread>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

void make_certificate(const TempDir& dir, const std::string& name, const std::string& cn) {
  const std::string key = dir.path + "/" + name + ".key", cert = dir.path + "/" + name + ".pem";
  std::string out = shell("umask 077; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                          "-days 30 -subj /CN=" + cn + " -keyout " + key + " -out " + cert);
  INFO(out);
  REQUIRE(read_file(cert).find("BEGIN CERTIFICATE") != std::string::npos);
}

/// A ternd with DoH (and DoT, sharing the certificate a.pem, CN tern-test-a) and a control socket.
struct DohServer {
  TempDir dir{"doh"};
  std::uint16_t https_port = allocate_port();
  std::uint16_t tls_port = allocate_port();
  std::unique_ptr<Ternd> ternd;
  explicit DohServer(const std::string& extra = "") {
    make_certificate(dir, "a", "tern-test-a");
    ternd = std::make_unique<Ternd>(TerndOptions{
        "https-listen: [\"127.0.0.1@" + std::to_string(https_port) + "\"]\n" + "tls-listen: [\"127.0.0.1@" +
        std::to_string(tls_port) + "\"]\n" + "tls-certificate: " + dir.path + "/a.pem\n" + "tls-private-key: " +
        dir.path + "/a.key\n" + "control-socket: " + dir.path + "/ternd.ctl\n" + extra});
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(https_port) + "/dns-query"; }
  std::string ternctl(const std::string& words) { return shell(ternctl_path() + " -s " + dir.path + "/ternd.ctl " + words); }
  std::uint64_t stat(const std::string& key) {
    std::smatch m;
    const std::string out = ternctl("stats");
    return std::regex_search(out, m, std::regex("(^|\n)" + std::regex_replace(key, std::regex("\\."), "\\.") + "=(\\d+)"))
               ? std::stoull(m[2])
               : 0;
  }
  std::string kdig(const std::string& args) {
    return shell("kdig +time=5 +retry=0 @127.0.0.1 -p " + std::to_string(https_port) + " " + args);
  }
};

Bytes query(std::uint16_t id, const std::string& name, std::uint16_t type = rrtype::A) {
  QueryOptions q;
  q.id = id;
  return make_query(name, type, q);
}

/// A GET of `name` on `c`, answered 200 with a DNS answer.
bool get_answers(H2Client& c, const std::string& name = "www.example.lab") {
  auto id = c.submit("GET", H2Client::get_path("/dns-query", query(0, name)));
  if (!c.wait({id})) return false;
  const H2Response& r = c.response(id);
  auto parsed = parse_response(r.body);
  return r.status == 200 && parsed && parsed->rcode == 0 && !parsed->answer.empty();
}

bool udp_answers(Ternd& t) {
  return dig(t.port(), "www.example.lab", "A").output.find("127.0.0.80") != std::string::npos;
}

}  // namespace

TEST_CASE("DoH: curl --doh-url (POST), curl GET, kdig +https and +https-get; max-age from the TTLs; padding",
          "[doh]") {
  DohServer s;
  // curl resolves the name through DoH (POST, application/dns-message) and then connects to it.
  std::string out = shell("curl -v --doh-insecure --max-time 3 --doh-url " + s.url() + " http://www.example.lab:1/");
  INFO(out);
  CHECK(out.find("DoH A: 127.0.0.80") != std::string::npos);
  CHECK(s.stat("https.status.200") >= 1);

  // A plain GET (RFC 8484 §4.1, ID 0): status, media type, max-age = the answer's TTL.
  const std::string path = H2Client::get_path("/dns-query", query(0, "www.example.lab"));
  std::string get = shell("curl -sk --http2 -D - -o /dev/null 'https://127.0.0.1:" + std::to_string(s.https_port) + path + "'");
  INFO(get);
  CHECK(get.find("HTTP/2 200") != std::string::npos);
  CHECK(get.find("content-type: application/dns-message") != std::string::npos);
  std::smatch m;
  REQUIRE(std::regex_search(get, m, std::regex(R"(cache-control: max-age=(\d+))")));
  CHECK(std::stoul(m[1]) > 0);
  CHECK(std::stoul(m[1]) <= 300);

  std::string k = s.kdig("+https www.example.lab A +padding");
  INFO(k);
  CHECK(k.find("HTTP/2-POST") != std::string::npos);
  CHECK(std::regex_search(k, std::regex(R"(www\.example\.lab\.\s+\d+\s+IN\s+A\s+127\.0\.0\.80)")));
  REQUIRE(std::regex_search(k, m, std::regex(R"(;; Received (\d+) B)")));
  CHECK(std::stoul(m[1]) % 468 == 0);  // RFC 8467, as on DoT
  std::string kg = s.kdig("+https-get www.example.lab A");
  INFO(kg);
  CHECK(kg.find("HTTP/2-GET") != std::string::npos);
  CHECK(kg.find("127.0.0.80") != std::string::npos);

  // NXDOMAIN: max-age is the negative TTL (example.lab's SOA: 60).
  H2Client c(s.https_port);
  REQUIRE(c.connected());
  CHECK(c.alpn() == "h2");
  auto id = c.submit("GET", H2Client::get_path("/dns-query", query(7, "nosuch.example.lab")));
  REQUIRE(c.wait({id}));
  CHECK(c.response(id).status == 200);
  auto parsed = parse_response(c.response(id).body);
  REQUIRE(parsed);
  CHECK(parsed->id == 7);
  CHECK(parsed->rcode == 3);
  CHECK(c.response(id).headers.at("cache-control") == "max-age=60");
  CHECK(s.stat("queries.https") >= 5);
}

TEST_CASE("DoH: bad requests get 400/404/405/413/415/431, counted; the connection's other streams go on",
          "[doh][bad-input]") {
  DohServer s;
  H2Client c(s.https_port);
  REQUIRE(c.connected());
  const Bytes good = query(1, "www.example.lab");
  const Bytes huge(70000, 0);
  const Bytes tiny{1, 2, 3};
  const HeaderList dns_type{{"content-type", "application/dns-message"}};
  HeaderList big_headers;
  for (int i = 0; i < 10; ++i) big_headers.emplace_back("x-pad-" + std::to_string(i), std::string(2000, 'a' + i));

  struct Case {
    int expected;
    std::int32_t stream;
  };
  std::vector<Case> cases{
      {404, c.submit("GET", H2Client::get_path("/other", good))},
      {405, c.submit("PUT", "/dns-query", dns_type, &good)},
      {405, c.submit("DELETE", H2Client::get_path("/dns-query", good))},
      {415, c.submit("POST", "/dns-query", {{"content-type", "text/plain"}}, &good)},
      {400, c.submit("GET", "/dns-query?dns=not*base64")},
      {400, c.submit("GET", "/dns-query?name=www.example.lab")},
      {400, c.submit("POST", "/dns-query", dns_type, &tiny)},  // shorter than a DNS header
      {413, c.submit("POST", "/dns-query", dns_type, &huge)},
      {431, c.submit("GET", H2Client::get_path("/dns-query", good), big_headers)},
      {200, c.submit("POST", "/dns-query", dns_type, &good)},
  };
  std::vector<std::int32_t> ids;
  for (const Case& k : cases) ids.push_back(k.stream);
  REQUIRE(c.wait(ids));
  for (const Case& k : cases) {
    INFO("stream " << k.stream << " expected " << k.expected);
    CHECK(c.response(k.stream).status == k.expected);
  }
  CHECK(get_answers(c));  // the same connection still answers
  CHECK(s.stat("https.status.404") == 1);
  CHECK(s.stat("https.status.405") == 2);
  CHECK(s.stat("https.status.415") == 1);
  CHECK(s.stat("https.status.400") == 3);
  CHECK(s.stat("https.status.413") == 1);
  CHECK(s.stat("https.status.431") == 1);
  CHECK(s.ternd->running());
}

TEST_CASE("DoH: a stream flood is bounded by https-max-streams, rapid resets end the connection, UDP answers on",
          "[doh][limits]") {
  DohServer s("https-max-streams: 20\n");
  {
    H2Client c(s.https_port);
    REQUIRE(c.connected());
    std::vector<std::int32_t> ids;
    for (int i = 0; i < 60; ++i) ids.push_back(c.submit("GET", H2Client::get_path("/dns-query", query(0, "www.example.lab"))));
    REQUIRE(c.wait(ids));
    int answered = 0, refused = 0;
    for (auto id : ids) {
      if (c.response(id).status == 200) ++answered;
      else if (c.response(id).reset == 7) ++refused;  // REFUSED_STREAM
    }
    INFO("answered " << answered << ", refused " << refused);
    CHECK(answered >= 20);
    CHECK(refused >= 1);
    CHECK(answered + refused == 60);
    CHECK(get_answers(c));  // refused streams cost the connection nothing
  }
  // HTTP/2 rapid reset (CVE-2023-44487): open and cancel at once, many times.
  H2Client flood(s.https_port);
  REQUIRE(flood.connected());
  for (int i = 0; i < 300 && !flood.closed(); ++i) {
    auto id = flood.submit("GET", H2Client::get_path("/dns-query", query(0, "r" + std::to_string(i) + ".example.lab")));
    flood.flush();  // the HEADERS must leave before the reset (nghttp2 drops both otherwise)
    flood.reset(id);
    flood.flush();
  }
  CHECK(flood.wait_closed());
  // GOAWAY ENHANCE_YOUR_CALM is sent, but a client still writing when ternd closes may get a
  // TCP reset that discards it before it reads it: checked only when it arrived.
  if (flood.goaway()) CHECK(flood.goaway_error() == 0xb);
  CHECK(s.stat("https.reset-floods") == 1);
  CHECK(udp_answers(*s.ternd));
  H2Client after(s.https_port);
  REQUIRE(after.connected());
  CHECK(get_answers(after));
  // Garbage instead of the connection preface: closed, counted, nothing else hurt.
  H2Client junk(s.https_port);
  REQUIRE(junk.connected());
  REQUIRE(junk.send_raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(junk.wait_closed());
  CHECK(s.stat("https.protocol-errors") == 1);
  CHECK(get_answers(after));
}

TEST_CASE("DoH: DoT and DoH share tls-max-connections-per-client; the idle timeout closes a DoH connection",
          "[doh][limits]") {
  DohServer s("tls-max-connections-per-client: 2\ntcp-idle-timeout: 800\n");
  TlsClient dot(s.tls_port);
  REQUIRE(dot.connected());
  H2Client one(s.https_port);
  REQUIRE(one.connected());
  REQUIRE(get_answers(one));
  H2Client two(s.https_port);  // the third TLS connection from 127.0.0.1: closed before the handshake
  CHECK_FALSE(two.connected());
  CHECK(s.stat("tls.rejected") >= 1);
  CHECK(udp_answers(*s.ternd));
  // Idle past tcp-idle-timeout: ternd closes it.
  CHECK(one.wait_closed(5s));
  H2Client three(s.https_port);
  REQUIRE(three.connected());
  CHECK(get_answers(three));
}

TEST_CASE("DoH: TLS 1.3 early data: a GET is answered, a POST gets 425 Too Early", "[doh][early-data]") {
  DohServer s("tls-early-data: yes\n");
  const std::string connect = "openssl s_client -alpn h2 -connect 127.0.0.1:" + std::to_string(s.https_port);
  // A first connection for the session ticket (s_client waits a moment for it).
  std::string first = shell("sleep 0.5 | " + connect + " -sess_out " + s.dir.path + "/session.pem 2>&1");
  REQUIRE(read_file(s.dir.path + "/session.pem").find("BEGIN SSL SESSION") != std::string::npos);
  // The preface, SETTINGS, a GET and a POST, all in early data.
  const Bytes opening = H2Client::opening_bytes(
      {{"GET", H2Client::get_path("/dns-query", query(0, "www.example.lab"))}, {"POST", "/dns-query"}});
  s.dir.write("early.bin", std::string(opening.begin(), opening.end()));
  std::string second = shell("sleep 1 | " + connect + " -sess_in " + s.dir.path + "/session.pem -early_data " +
                             s.dir.path + "/early.bin 2>&1 | grep -a 'Early data'");
  INFO(second);
  CHECK(second.find("Early data was accepted") != std::string::npos);
  CHECK(s.stat("tls.early-data-accepted") == 1);
  CHECK(s.stat("https.status.425") == 1);  // the POST, replayable, is not answered (RFC 8470)
  CHECK(s.stat("https.status.200") == 1);  // the GET is
  // After the handshake the same POST is answered.
  H2Client c(s.https_port);
  REQUIRE(c.connected());
  const Bytes good = query(2, "www.example.lab");
  auto id = c.submit("POST", "/dns-query", {{"content-type", "application/dns-message"}}, &good);
  REQUIRE(c.wait({id}));
  CHECK(c.response(id).status == 200);
}

TEST_CASE("DoH: certificate reload with a connection open", "[doh][reload]") {
  DohServer s;
  H2Client old(s.https_port);
  REQUIRE(old.connected());
  REQUIRE(get_answers(old));
  make_certificate(s.dir, "b", "tern-test-b");
  std::rename((s.dir.path + "/b.pem").c_str(), (s.dir.path + "/a.pem").c_str());
  std::rename((s.dir.path + "/b.key").c_str(), (s.dir.path + "/a.key").c_str());
  INFO(s.ternctl("reload"));
  // -a: s_client also prints what ternd sends after the handshake (HTTP/2's binary SETTINGS
  // frame), which makes grep call the whole output binary and print no line.
  std::string cert = shell("openssl s_client -alpn h2 -connect 127.0.0.1:" + std::to_string(s.https_port) +
                           " </dev/null 2>/dev/null | grep -a subject=");
  INFO(cert);
  CHECK(cert.find("tern-test-b") != std::string::npos);
  CHECK(get_answers(old));  // the connection from before the reload goes on
  H2Client fresh(s.https_port);
  REQUIRE(fresh.connected());
  CHECK(get_answers(fresh));
}

TEST_CASE("DDR: _dns.resolver.arpa SVCB names the DoT and DoH endpoints that are on", "[doh][ddr]") {
  DohServer s;
  DigResult r = dig(s.ternd->port(), "_dns.resolver.arpa", "SVCB");
  INFO(r.output);
  CHECK(r.status == "NOERROR");
  CHECK(r.output.find("SVCB\t1 . alpn=\"dot\" port=" + std::to_string(s.tls_port) + " ipv4hint=127.0.0.1") !=
        std::string::npos);
  CHECK(r.output.find("SVCB\t2 . alpn=\"h2\" port=" + std::to_string(s.https_port) + " ipv4hint=127.0.0.1 key7=\"/dns-query{?dns}\"") !=
        std::string::npos);
  // Without encrypted listeners there is nothing to discover.
  Ternd plain;
  DigResult none = dig(plain.port(), "_dns.resolver.arpa", "SVCB");
  INFO(none.output);
  CHECK(none.output.find("alpn=") == std::string::npos);
}
