// dnstap as an operator runs it: Debian's fstrm_capture as the collector (on a unix socket and
// on TCP loopback), its file read back by Debian's dnstap-ldns (-y, YAML), and every message
// type checked field by field: times, addresses, ports, protocol, zone, the wire messages and
// the sender's identity and version. Then a collector that goes away and comes back (ternd
// reconnects and logs again), and one that never reads (a full queue drops and counts).
#include <catch2/catch.hpp>

#include "support/dig.hpp"
#include "support/dns_wire.hpp"
#include "support/eventually.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/sourced_udp.hpp"
#include "support/ternd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

constexpr const char* dnstap_type = "protobuf:dnstap.Dnstap";

/// fstrm_capture writing what it receives to `file`; stopped (SIGTERM: it closes the file) by
/// stop() or at scope exit.
class Collector {
 public:
  /// On the unix socket `socket` (a stale socket file from a previous collector is removed).
  static std::unique_ptr<Collector> on_unix(const std::string& socket, const std::string& file) {
    std::filesystem::remove(socket);
    auto c = std::make_unique<Collector>(std::vector<std::string>{"-u", socket}, file);
    REQUIRE(eventually([&] { return std::filesystem::exists(socket); }, 5s));
    return c;
  }
  /// On 127.0.0.1:`port`, TCP.
  static std::unique_ptr<Collector> on_tcp(std::uint16_t port, const std::string& file) {
    auto c = std::make_unique<Collector>(std::vector<std::string>{"-a", "127.0.0.1", "-p", std::to_string(port)}, file);
    REQUIRE(eventually([&] { return !port_is_free(port); }, 5s));
    return c;
  }

  Collector(const std::vector<std::string>& where, const std::string& file) : file_(file) {
    std::vector<std::string> args{"/usr/bin/fstrm_capture", "-t", dnstap_type, "-w", file};
    args.insert(args.end(), where.begin(), where.end());
    process_ = std::make_unique<Process>(ProcessOptions{args, file + ".log", {}, true});
  }
  /// Ends the capture; the file is complete afterwards.
  void stop() { process_->stop(5s); }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::unique_ptr<Process> process_;
};

/// Whether a writer is connected to the collector listening on `socket`: an accepted unix
/// stream socket (state 03, connected) bound to that path shows in /proc/net/unix.
bool collector_connected(const std::string& socket) {
  std::ifstream in("/proc/net/unix");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string num, refcount, protocol, flags, type, state, inode, path;
    fields >> num >> refcount >> protocol >> flags >> type >> state >> inode >> path;
    if (path == socket && state == "03") return true;
  }
  return false;
}

/// One payload as dnstap-ldns -y prints it: the wrapper's and the message's fields by name
/// ("identity", "message.type", "message.query_port" ...), and the two DNS messages as text.
struct TapRecord {
  std::map<std::string, std::string> fields;
  std::string query_message, response_message;
  std::string text;
  std::string get(const std::string& key) const {
    auto it = fields.find(key);
    return it == fields.end() ? "" : it->second;
  }
};

/// "2026-12-07 05:32:53.123456789" (UTC) as seconds since the epoch; -1 if unreadable.
std::time_t stamp_seconds(const std::string& stamp) {
  const std::string value = stamp.rfind("!!timestamp ", 0) == 0 ? stamp.substr(12) : stamp;
  std::tm tm{};
  if (::strptime(value.c_str(), "%Y-%m-%d %H:%M:%S", &tm) == nullptr) return -1;
  return ::timegm(&tm);
}

/// The capture in `file` through dnstap-ldns -y; fails the test when it cannot be read.
std::vector<TapRecord> read_capture(const std::string& file) {
  const std::string out = shell("TZ=UTC dnstap-ldns -y -r " + file);
  INFO(out.substr(0, 4000));
  REQUIRE(out.find("Error") == std::string::npos);
  std::vector<TapRecord> records;
  TapRecord current;
  std::string* block = nullptr;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line == "---") {
      records.push_back(std::move(current));
      current = TapRecord{};
      block = nullptr;
      continue;
    }
    current.text += line + "\n";
    if (line.rfind("    ", 0) == 0) {
      if (block) *block += line.substr(4) + "\n";
      continue;
    }
    const bool in_message = line.rfind("  ", 0) == 0;
    const std::string body = in_message ? line.substr(2) : line;
    const auto colon = body.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = body.substr(0, colon);
    std::string value = colon + 2 <= body.size() ? body.substr(colon + 2) : "";
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    block = nullptr;
    if (key == "query_message") block = &current.query_message;
    if (key == "response_message") block = &current.response_message;
    current.fields[(in_message ? "message." : "") + key] = value;
  }
  return records;
}

std::vector<TapRecord> of_type(const std::vector<TapRecord>& records, const std::string& type) {
  std::vector<TapRecord> out;
  for (const TapRecord& r : records)
    if (r.get("message.type") == type) out.push_back(r);
  return out;
}

/// A UDP client on 127.0.0.1 whose port the test knows (dnstap's query_port).
class KnownPortClient {
 public:
  KnownPortClient() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t length = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &length);
    port_ = ntohs(a.sin_port);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~KnownPortClient() { ::close(fd_); }
  std::uint16_t port() const { return port_; }
  /// One query to ternd, its reply (empty when none came within 5 s).
  Bytes ask(std::uint16_t server_port, const Bytes& query) {
    send(server_port, query);
    std::vector<std::uint8_t> buffer(4096);
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    return n > 0 ? Bytes(buffer.begin(), buffer.begin() + n) : Bytes{};
  }
  void send(std::uint16_t server_port, const Bytes& query) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(server_port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(fd_, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

std::string all_logs() {
  return "dnstap-log-client-query: yes\ndnstap-log-client-response: yes\n"
         "dnstap-log-resolver-query: yes\ndnstap-log-resolver-response: yes\n";
}

}  // namespace

TEST_CASE("dnstap over a unix socket: every message type with its fields, read back by dnstap-ldns", "[dnstap]") {
  TempDir dir("dnstap");
  auto collector = Collector::on_unix(dir.path + "/tap.sock", dir.path + "/capture.fstrm");
  const std::time_t started = std::time(nullptr);
  Ternd t(TerndOptions{"dnstap-socket: " + dir.path + "/tap.sock\n" + all_logs() +
                       "dnstap-send-identity: yes\ndnstap-identity: itest-resolver\n"
                       "dnstap-send-version: yes\ndnstap-version: tern-itest 1\n"});
  KnownPortClient client;
  QueryOptions rd;
  rd.id = 0x1111;
  const Bytes miss = client.ask(t.port(), make_query("www.example.lab", 1, rd));
  REQUIRE_FALSE(miss.empty());
  rd.id = 0x2222;
  const Bytes hit = client.ask(t.port(), make_query("www.example.lab", 1, rd));
  REQUIRE_FALSE(hit.empty());
  DigResult tcp = dig(t.port(), "www.example.lab", "A", {"+tcp"});
  REQUIRE(tcp.status == "NOERROR");
  t.stop();  // flushes the queues to the collector
  collector->stop();
  const std::time_t ended = std::time(nullptr);

  const std::vector<TapRecord> records = read_capture(collector->file());
  REQUIRE_FALSE(records.empty());
  for (const TapRecord& r : records) {
    INFO(r.text);
    CHECK(r.get("type") == "MESSAGE");
    CHECK(r.get("identity") == "itest-resolver");
    CHECK(r.get("version") == "tern-itest 1");
  }
  auto in_window = [&](const std::string& stamp) {
    const std::time_t s = stamp_seconds(stamp);
    return s >= started - 1 && s <= ended + 1;
  };
  const std::string port = std::to_string(client.port()), server_port = std::to_string(t.port());

  {  // CLIENT_QUERY: the miss and the hit over UDP from the client's port, and the TCP query (one ternd run for all three checks)
    std::vector<TapRecord> udp;
    for (const TapRecord& r : of_type(records, "CLIENT_QUERY"))
      if (r.get("message.query_port") == port) udp.push_back(r);
    REQUIRE(udp.size() == 2);
    for (const TapRecord& r : udp) {
      INFO(r.text);
      CHECK(r.get("message.socket_family") == "INET");
      CHECK(r.get("message.socket_protocol") == "UDP");
      CHECK(r.get("message.query_address") == "127.0.0.1");
      CHECK(r.get("message.response_address") == "127.0.0.1");
      CHECK(r.get("message.response_port") == server_port);
      CHECK(in_window(r.get("message.query_time")));
      CHECK(r.get("message.response_time").empty());
      CHECK(r.query_message.find("www.example.lab.") != std::string::npos);
      CHECK(r.response_message.empty());
    }
    CHECK(udp[0].query_message.find("id: 4369") != std::string::npos);  // 0x1111
    CHECK(udp[1].query_message.find("id: 8738") != std::string::npos);  // 0x2222
    bool tcp_seen = false;
    for (const TapRecord& r : of_type(records, "CLIENT_QUERY"))
      tcp_seen = tcp_seen || (r.get("message.socket_protocol") == "TCP" &&
                              r.query_message.find("www.example.lab.") != std::string::npos &&
                              r.get("message.response_port") == server_port);
    CHECK(tcp_seen);
  }
  {  // CLIENT_RESPONSE: the answers as sent, with both times
    std::vector<TapRecord> udp;
    for (const TapRecord& r : of_type(records, "CLIENT_RESPONSE"))
      if (r.get("message.query_port") == port) udp.push_back(r);
    REQUIRE(udp.size() == 2);
    for (const TapRecord& r : udp) {
      INFO(r.text);
      CHECK(r.get("message.socket_protocol") == "UDP");
      CHECK(r.get("message.query_address") == "127.0.0.1");
      CHECK(r.get("message.response_port") == server_port);
      CHECK(in_window(r.get("message.query_time")));
      CHECK(in_window(r.get("message.response_time")));
      CHECK(stamp_seconds(r.get("message.response_time")) >= stamp_seconds(r.get("message.query_time")));
      CHECK(r.response_message.find("rcode: NOERROR") != std::string::npos);
      CHECK(r.response_message.find("www.example.lab.") != std::string::npos);
      CHECK(r.query_message.empty());
    }
    CHECK(udp[1].response_message.find("id: 8738") != std::string::npos);  // the hit's own ID
    bool tcp_seen = false;
    for (const TapRecord& r : of_type(records, "CLIENT_RESPONSE"))
      tcp_seen = tcp_seen || (r.get("message.socket_protocol") == "TCP" &&
                              r.response_message.find("www.example.lab.") != std::string::npos);
    CHECK(tcp_seen);
  }
  {  // RESOLVER_QUERY and RESOLVER_RESPONSE: the lab's servers on port 53, the zone asked
    const std::vector<TapRecord> queries = of_type(records, "RESOLVER_QUERY");
    const std::vector<TapRecord> replies = of_type(records, "RESOLVER_RESPONSE");
    REQUIRE_FALSE(queries.empty());
    REQUIRE_FALSE(replies.empty());
    bool asked_zone = false, answered_zone = false;
    for (const TapRecord& r : queries) {
      INFO(r.text);
      CHECK(r.get("message.socket_protocol") == "UDP");
      CHECK(r.get("message.response_address").rfind(lab_net() + ".", 0) == 0);
      CHECK(r.get("message.response_port") == "53");
      CHECK(r.get("message.query_port") != "0");
      CHECK(in_window(r.get("message.query_time")));
      CHECK_FALSE(r.query_message.empty());
      asked_zone = asked_zone || (r.get("message.query_zone") == "example.lab." &&
                                  r.query_message.find("www.example.lab.") != std::string::npos);
    }
    for (const TapRecord& r : replies) {
      INFO(r.text);
      CHECK(r.get("message.response_port") == "53");
      CHECK(in_window(r.get("message.response_time")));
      CHECK(stamp_seconds(r.get("message.response_time")) >= stamp_seconds(r.get("message.query_time")));
      CHECK_FALSE(r.response_message.empty());
      answered_zone = answered_zone || (r.get("message.query_zone") == "example.lab." &&
                                        r.response_message.find("www.example.lab.") != std::string::npos &&
                                        r.response_message.find("rcode: NOERROR") != std::string::npos);
    }
    CHECK(asked_zone);
    CHECK(answered_zone);
  }
}

TEST_CASE("dnstap over TCP: only the chosen message type, no identity unless asked", "[dnstap]") {
  TempDir dir("dnstap-tcp");
  const std::uint16_t port = allocate_port();
  auto collector = Collector::on_tcp(port, dir.path + "/capture.fstrm");
  Ternd t(TerndOptions{"dnstap-address: 127.0.0.1@" + std::to_string(port) + "\ndnstap-log-client-response: yes\n"});
  REQUIRE(dig(t.port(), "mail.example.lab", "A").answered);
  REQUIRE(dig(t.port(), "mail.example.lab", "A", {"+tcp"}).answered);
  t.stop();
  collector->stop();
  const std::vector<TapRecord> records = read_capture(collector->file());
  CHECK(of_type(records, "CLIENT_QUERY").empty());
  CHECK(of_type(records, "RESOLVER_QUERY").empty());
  CHECK(of_type(records, "RESOLVER_RESPONSE").empty());
  bool udp = false, tcp = false;
  for (const TapRecord& r : of_type(records, "CLIENT_RESPONSE")) {
    INFO(r.text);
    CHECK(r.get("identity").empty());
    CHECK(r.get("version").empty());
    if (r.response_message.find("mail.example.lab.") == std::string::npos) continue;
    udp = udp || r.get("message.socket_protocol") == "UDP";
    tcp = tcp || r.get("message.socket_protocol") == "TCP";
  }
  CHECK(udp);
  CHECK(tcp);
}

TEST_CASE("dnstap: a collector that goes away and comes back is reconnected, and logs again", "[dnstap]") {
  TempDir dir("dnstap-reconnect");
  const std::string socket = dir.path + "/tap.sock";
  auto first = Collector::on_unix(socket, dir.path + "/first.fstrm");
  Ternd t(TerndOptions{"dnstap-socket: " + socket + "\ndnstap-log-client-query: yes\n"});
  REQUIRE(eventually([&] { return collector_connected(socket); }, 5s));
  first->stop();
  // The writer learns of the loss when it next writes: a query whose message meets the closed
  // stream, then a reconnection every second (fstrm's reopen interval).
  dig(t.port(), "gone.example.lab", "A");
  auto second = Collector::on_unix(socket, dir.path + "/second.fstrm");
  REQUIRE(eventually([&] { return collector_connected(socket); }, 10s));
  REQUIRE(dig(t.port(), "back.example.lab", "A").answered);
  t.stop();
  second->stop();
  bool back = false;
  for (const TapRecord& r : of_type(read_capture(second->file()), "CLIENT_QUERY"))
    back = back || r.query_message.find("back.example.lab.") != std::string::npos;
  CHECK(back);
}

TEST_CASE("dnstap: a collector that never reads fills the queue; messages are dropped and counted, answers go on",
          "[dnstap]") {
  TempDir dir("dnstap-deaf");
  const std::string path = dir.path + "/deaf.sock";
  // Listens and never accepts: fstrm's writer connects, sends READY and waits for an ACCEPT
  // that never comes, so its queue is never drained.
  int deaf = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  REQUIRE(::bind(deaf, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(deaf, 4) == 0);
  const std::string control = dir.path + "/ctl.sock";
  Ternd t(TerndOptions{"threads: 1\ncontrol-socket: " + control + "\ndnstap-socket: " + path +
                       "\ndnstap-log-client-query: yes\ndnstap-log-client-response: yes\n"});
  KnownPortClient client;
  QueryOptions rd;
  REQUIRE_FALSE(client.ask(t.port(), make_query("www.example.lab", 1, rd)).empty());
  // 2 messages per hit: 2600 hits are well past one worker's 4096 places.
  unsigned answered = 0;
  for (unsigned i = 0; i < 2600; ++i) {
    rd.id = static_cast<std::uint16_t>(i);
    if (!client.ask(t.port(), make_query("www.example.lab", 1, rd)).empty()) ++answered;
  }
  CHECK(answered == 2600);
  const std::uint64_t dropped = stat(control, dir.path, "dnstap.dropped");
  const std::uint64_t sent = stat(control, dir.path, "dnstap.sent");
  CHECK(dropped > 0);
  CHECK(sent <= 4096);
  CHECK(sent + dropped >= 2 * 2601);
  ::close(deaf);  // ends the writer's wait, so that ternd stops at once
  CHECK(t.stop().exited);
}
