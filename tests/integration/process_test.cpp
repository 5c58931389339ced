// ternd as a program: --check-config, --dump-config, --help and bad command lines; SIGTERM
// stops it (exit 0) within 5 s; a port held by another socket, or by another ternd, and a live
// control socket are clear start-up errors; a reload names the restart-only settings it changed, and only those.
#include <catch2/catch.hpp>

#include "support/dig.hpp"
#include "support/dns_wire.hpp"
#include "support/eventually.hpp"
#include "support/failures.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/ternd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

struct Run {
  ExitStatus status;
  std::string output;
};

Run run_ternd(const TempDir& dir, std::vector<std::string> args, std::chrono::milliseconds bound = 10s) {
  static int n = 0;
  ProcessOptions o;
  o.args = {ternd_path()};
  o.args.insert(o.args.end(), args.begin(), args.end());
  o.log_path = dir.path + "/run-" + std::to_string(++n) + ".log";
  Run r{run_to_completion(o, bound), ""};
  r.output = read_file(o.log_path);
  INFO("ternd " << args.back() << ":\n" << r.output);
  CHECK(sanitizer_report(r.output).empty());
  CHECK(r.status.exited);  // never a crash, whatever the exit code
  return r;
}

/// A socket bound (without SO_REUSEPORT/SO_REUSEADDR) to 127.0.0.1:port, closed at scope exit.
struct PlainSocket {
  int fd = -1;
  PlainSocket(int type, std::uint16_t port) {
    fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        (type == SOCK_STREAM && listen(fd, 4) != 0)) {
      close(fd);
      fd = -1;
    }
  }
  ~PlainSocket() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

TEST_CASE("--check-config: a good file exits 0, errors exit 2 with file:line", "[process][config]") {
  TempDir dir("proc");
  SECTION("good") {
    std::string good = dir.write("good.yaml",
                                 "listen: [\"127.0.0.1@5399\"]\n"
                                 "query-loopback: yes\n"
                                 "tcp-idle-timeout: 500\n"
                                 "access-control: [\"10.0.0.0/8 refuse\"]\n");
    Run r = run_ternd(dir, {"-c", good, "--check-config"});
    INFO(r.output);
    CHECK(r.status.exited);
    CHECK(r.status.code == 0);
    CHECK(r.output.find("config OK") != std::string::npos);
  }
  SECTION("an unknown key") {
    std::string bad = dir.write("bad.yaml", "# a comment\nthreads: 1\nno-such-key: yes\n");
    Run r = run_ternd(dir, {"-c", bad, "--check-config"});
    INFO(r.output);
    CHECK(r.status.exited);
    CHECK(r.status.code == 2);
    CHECK(r.output.find(bad + ":3:") != std::string::npos);
    CHECK(r.output.find("no-such-key") != std::string::npos);
    CHECK(r.output.find("config OK") == std::string::npos);
  }
  SECTION("a value out of range, and the same file at start-up") {
    std::string bad = dir.write("range.yaml", "listen: [\"127.0.0.1@5399\"]\ntcp-idle-timeout: 5\n");
    Run r = run_ternd(dir, {"-c", bad, "--check-config"});
    INFO(r.output);
    CHECK(r.status.code == 2);
    CHECK(r.output.find(bad + ":2:") != std::string::npos);
    Run start = run_ternd(dir, {"-c", bad, "-d"});
    INFO(start.output);
    CHECK(start.status.exited);
    CHECK(start.status.code == 2);
    CHECK(start.output.find(bad + ":2:") != std::string::npos);
  }
  SECTION("a missing file given with -c") {
    Run r = run_ternd(dir, {"-c", dir.path + "/nonexistent.yaml", "--check-config"});
    INFO(r.output);
    CHECK(r.status.code == 2);
    CHECK(r.output.find("nonexistent.yaml") != std::string::npos);
  }
  SECTION("a wrong type, a YAML syntax error, a bad word, at start-up too") {
    struct Case {
      const char* name;
      const char* text;
      int line;
      const char* says;
    };
    for (const Case& c : {Case{"type.yaml", "threads: 2\nprefetch: [yes]\n", 2, "prefetch: expected a boolean"},
                          Case{"syntax.yaml", "threads: 2\nlisten: [\"127.0.0.1@5399\"\n", 3, "not found"},
                          Case{"word.yaml", "log-destination: journal\n", 1, "log-destination: 'journal'"},
                          Case{"port.yaml", "metrics-listen: 127.0.0.1\n", 1, "needs a port"}}) {
      INFO(c.name);
      std::string bad = dir.write(c.name, c.text);
      for (const char* mode : {"--check-config", "-d"}) {
        Run r = run_ternd(dir, {"-c", bad, mode});
        INFO(mode << ": " << r.output);
        CHECK(r.status.code == 2);
        CHECK(r.output.find(bad + ":" + std::to_string(c.line) + ": ") != std::string::npos);
        CHECK(r.output.find(c.says) != std::string::npos);
        CHECK(r.output.find("ternd started") == std::string::npos);
      }
    }
  }
  SECTION("root-hints naming a missing file") {
    std::string bad = dir.write("hints.yaml", "root-hints: /nonexistent/root.hints\n");
    Run r = run_ternd(dir, {"-c", bad, "--check-config"});
    INFO(r.output);
    CHECK(r.status.code == 2);
    CHECK(r.output.find(bad + ":1:") != std::string::npos);
  }
}

TEST_CASE("--check-config refuses what start-up refuses: a missing user, a query log it cannot open",
          "[process][config]") {
  TempDir dir("proc-checks");
  const std::string listen = "listen: [\"127.0.0.1@" + std::to_string(allocate_port()) + "\"]\ncontrol-socket: \"\"\n";
  auto both_refuse = [&](const std::string& name, const std::string& text, int start_code, const std::string& says) {
    const std::string file = dir.write(name, listen + text);
    Run check = run_ternd(dir, {"-c", file, "--check-config"});
    INFO(check.output);
    CHECK(check.status.code == 2);  // --check-config: 2 for every refusal
    CHECK(check.output.find(says) != std::string::npos);
    CHECK(check.output.find("config OK") == std::string::npos);
    Run start = run_ternd(dir, {"-c", file, "-d"});
    INFO(start.output);
    CHECK(start.status.code == start_code);
    CHECK(start.output.find(says) != std::string::npos);
    CHECK(start.output.find("ternd started") == std::string::npos);
  };
  SECTION("query-log in a directory that does not exist") {
    both_refuse("qlog.yaml", "username: \"\"\nquery-log: " + dir.path + "/no-such-dir/queries.log\n", 1,
                "query-log: cannot open '" + dir.path + "/no-such-dir/queries.log': No such file or directory");
  }
  SECTION("a query log that can be opened: config OK, and no file left behind") {
    const std::string file = dir.write("qlog-ok.yaml", listen + "username: \"\"\nquery-log: " + dir.path + "/q.log\n");
    Run check = run_ternd(dir, {"-c", file, "--check-config"});
    CHECK(check.status.code == 0);
    CHECK(check.output.find("config OK") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.path + "/q.log"));
  }
  SECTION("a username that does not exist") {
    if (geteuid() != 0) {
      WARN("not root: start-up runs on as the invoking user, nothing to refuse");
      return;
    }
    both_refuse("user.yaml", "username: no-such-tern-user\n", 1, "user 'no-such-tern-user' does not exist");
  }
}

TEST_CASE("--help, --dump-config with --set, and a bad option", "[process][config]") {
  TempDir dir("proc");
  Run help = run_ternd(dir, {"--help"});
  INFO(help.output);
  CHECK(help.status.code == 0);
  CHECK(help.output.find("--check-config") != std::string::npos);

  std::string file = dir.write("t.yaml", "tcp-idle-timeout: 700\n");
  Run dump = run_ternd(dir, {"-c", file, "--set", "tcp-max-connections=7", "--dump-config"});
  INFO(dump.output);
  CHECK(dump.status.code == 0);
  CHECK(dump.output.find("tcp-idle-timeout: 700") != std::string::npos);
  CHECK(dump.output.find("tcp-max-connections: 7") != std::string::npos);

  Run bad_set = run_ternd(dir, {"-c", file, "--set", "no-such=1", "--check-config"});
  INFO(bad_set.output);
  CHECK(bad_set.status.code == 2);

  Run bad = run_ternd(dir, {"--no-such-option"});
  INFO(bad.output);
  CHECK(bad.status.code == 2);
}

TEST_CASE("SIGTERM: ternd drains and exits 0 within 5 s", "[process][signal]") {
  Ternd t;
  REQUIRE(dig(t.port(), "www.example.lab", "A").status == "NOERROR");
  TcpClient idle(t.port());  // an open client connection must not hold the exit up
  REQUIRE(idle.connected());
  auto start = std::chrono::steady_clock::now();
  t.process().signal(SIGTERM);
  auto status = t.process().wait_for(5s);
  REQUIRE(status);
  INFO(status->describe() << "\n" << t.log());
  CHECK(status->exited);
  CHECK(status->code == 0);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(t.log().find("stopping") != std::string::npos);
}

TEST_CASE("SIGTERM with queries in flight still exits 0 within 5 s", "[process][signal]") {
  Ternd t;
  // Cold queries in flight over TCP while the signal arrives.
  TcpClient c(t.port());
  std::vector<Bytes> frames;
  std::uint16_t id = 0x9000;
  for (const char* name : {"www.chain.lab", "www.glueless.corp", "www.half.lab", "loop.chain.lab"}) {
    QueryOptions q;
    q.id = id++;
    frames.push_back(make_query(name, rrtype::A, q));
  }
  REQUIRE(c.send_frames(frames));
  t.process().signal(SIGTERM);
  auto status = t.process().wait_for(5s);
  REQUIRE(status);
  INFO(status->describe() << "\n" << t.log());
  CHECK(status->exited);
  CHECK(status->code == 0);
}

namespace {

/// Whether a ternd answers on 127.0.0.1:port (an RD=0 query gets any reply).
bool answers(std::uint16_t port) {
  QueryOptions q;
  q.rd = false;
  return udp_exchange(port, make_query(".", rrtype::SOA, q), 2s).has_value();
}

}  // namespace

// Before the first worker claimed each address (port_claim.hpp), the second ternd bound the
// same address through SO_REUSEPORT and the kernel split the queries between the two.
TEST_CASE("one instance per address: a second ternd on the same address exits 1 naming it", "[process][bind]") {
  Ternd first(TerndOptions{"threads: 2\n", false});
  TempDir dir("second");
  const std::string where = "127.0.0.1@" + std::to_string(first.port());
  std::string file = dir.write("second.yaml", Ternd::base_config(first.port(), false) + "control-socket: " +
                                                  dir.path + "/second.ctl\n");
  Run r = run_ternd(dir, {"-c", file, "-d"}, 10s);
  CHECK(r.status.code == 1);
  CHECK(r.output.find("cannot listen on " + where + " (UDP)") != std::string::npos);
  CHECK(r.output.find("another process already serves it") != std::string::npos);
  CHECK(first.running());
  for (int i = 0; i < 40; ++i) CHECK(answers(first.port()));  // each from a fresh source port
  // The first ternd's own workers still share the address: the kernel spread the 40 queries
  // (plus the readiness probes) over both (one of them alone: a chance of 2^-39).
  TempDir ctl("ctl");
  const std::string out = ctl.path + "/stats";
  ExitStatus status = run_to_completion(
      ProcessOptions{{ternctl_path(), "-s", first.dir() + "/ternd.ctl", "stats"}, out, {}, true}, 10s);
  CHECK(status.code == 0);
  const std::string stats = read_file(out);
  INFO(stats);
  CHECK(stats.find("worker.0.queries=0\n") == std::string::npos);
  CHECK(stats.find("worker.1.queries=0\n") == std::string::npos);
  CHECK(stats.find("worker.1.queries=") != std::string::npos);
}

TEST_CASE("one instance per control socket: a second ternd with a live control socket exits 1 naming it",
          "[process][bind]") {
  Ternd first(TerndOptions{"", false});
  TempDir dir("second");
  const std::string socket = first.dir() + "/ternd.ctl";
  std::string file = dir.write("second.yaml", Ternd::base_config(allocate_port(), false) + "control-socket: " +
                                                  socket + "\n");
  Run r = run_ternd(dir, {"-c", file, "-d"}, 10s);
  CHECK(r.status.code == 1);
  CHECK(r.output.find("control socket " + socket + ": a process already accepts on it") != std::string::npos);
  CHECK(first.running());
  CHECK(answers(first.port()));
  CHECK(std::filesystem::exists(socket));
}

TEST_CASE("a port held by a plain socket: ternd exits 1 with a clear message", "[process][bind]") {
  TempDir dir("proc");
  const std::string hints_line = "root-hints: " + Lab::get().hints() + "\n";
  for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
    INFO((type == SOCK_DGRAM ? "UDP port taken" : "TCP port taken"));
    std::uint16_t port = allocate_port();
    PlainSocket holder(type, port);
    REQUIRE(holder.fd >= 0);
    std::string where = "127.0.0.1@" + std::to_string(port);
    std::string file = dir.write("taken-" + std::to_string(type) + ".yaml",
                                 "listen: [\"" + where + "\"]\n" + hints_line);
    Run r = run_ternd(dir, {"-c", file, "-d"}, 10s);
    INFO(r.output);
    CHECK(r.status.exited);
    CHECK(r.status.code == 1);
    CHECK(r.output.find("cannot listen on") != std::string::npos);
    CHECK(r.output.find(where) != std::string::npos);
  }
}

namespace {

/// How many times `needle` occurs in `text`.
int occurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

}  // namespace

TEST_CASE("SIGHUP: a changed restart-only setting is named, a reloadable one is not", "[process][reload]") {
  Ternd t(TerndOptions{"udp-batch-size: 16\nip-ratelimit: 0\n", false});
  const std::string named = "reload: udp-batch-size changed: takes effect at restart";
  auto reloads_done = [&](int n) { return occurrences(t.log(), "configuration reloaded") >= n; };

  // udp-batch-size is restart-only, ip-ratelimit reloadable: only the first is named.
  t.rewrite_config("udp-batch-size: 8\nip-ratelimit: 1000\n");
  t.process().signal(SIGHUP);
  REQUIRE(eventually([&] { return reloads_done(1); }));
  std::string log = t.log();
  INFO(log);
  CHECK(occurrences(log, named) == 1);
  CHECK(occurrences(log, "changed: takes effect at restart") == 1);
  CHECK(log.find("ip-ratelimit changed") == std::string::npos);

  // The running value is still the one from the start: the same file names it again...
  t.process().signal(SIGHUP);
  REQUIRE(eventually([&] { return reloads_done(2); }));
  CHECK(occurrences(t.log(), named) == 2);
  // ... and going back to it names nothing.
  t.rewrite_config("udp-batch-size: 16\nip-ratelimit: 0\n");
  t.process().signal(SIGHUP);
  REQUIRE(eventually([&] { return reloads_done(3); }));
  CHECK(occurrences(t.log(), named) == 2);
  CHECK(occurrences(t.log(), "changed: takes effect at restart") == 2);
  CHECK(t.running());
}
