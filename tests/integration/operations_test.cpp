// Operating ternd as a process: the privilege drop (the process's uids after start), systemd
// readiness over a NOTIFY_SOCKET the test listens on, the Prometheus endpoint checked strictly
// against the text exposition format, the NDJSON query log (validated by python3's json) and
// its rotation, reloads under load that lose no query and keep the cache, and a SIGTERM that
// still answers the queries in flight.
#include <catch2/catch.hpp>

#include "support/silent_server.hpp"
#include "support/eventually.hpp"
#include "support/dig.hpp"
#include "support/dns_wire.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/ternd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {


struct CtlReply {
  int code = -1;
  std::string out;
};

CtlReply ternctl(const TempDir& dir, const std::string& socket, const std::vector<std::string>& words) {
  std::vector<std::string> args{ternctl_path(), "-s", socket};
  args.insert(args.end(), words.begin(), words.end());
  const std::string log = dir.path + "/ternctl.out";
  std::ofstream(log, std::ios::trunc).close();
  ExitStatus status = run_to_completion(ProcessOptions{args, log, {}, true}, 10s);
  return CtlReply{status.exited ? status.code : -1, read_file(log)};
}

/// The value of `key=` in `ternctl stats` output.
std::uint64_t stats_value(const std::string& stats, const std::string& key) {
  std::istringstream in(stats);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + "=", 0) == 0) return std::stoull(line.substr(key.size() + 1));
  FAIL("no " << key << " in ternctl stats:\n" << stats);
  return 0;
}

/// "Uid:" or "Gid:" of /proc/PID/status: real, effective, saved, filesystem.
std::vector<unsigned long> status_ids(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) != 0) continue;
    std::istringstream values(line.substr(field.size() + 1));
    std::vector<unsigned long> ids;
    for (unsigned long id; values >> id;) ids.push_back(id);
    return ids;
  }
  return {};
}

std::string status_field(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) {
      std::string value = line.substr(field.size() + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
  }
  return "";
}

// ---- HTTP and the Prometheus text format ----

/// One HTTP/1.1 request to 127.0.0.1:port; the whole response (the server closes), "" on error.
std::string http_get(std::uint16_t port, const std::string& target, const std::string& method = "GET") {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/plain\r\n\r\n";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      char buffer[65536];
      for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  return response;
}

/// A scrape, checked line by line against the text exposition format (0.0.4): every sample
/// belongs to a family announced by HELP and TYPE before it, names and labels have the
/// allowed syntax, values are numbers, no series twice, counters end in _total and are not
/// negative, histograms have increasing le bounds, cumulative buckets, +Inf last and equal
/// to _count. Failures are CHECKed; returns the samples by series ("name{labels}").
std::map<std::string, double> parse_exposition(const std::string& body) {
  static const std::regex help_re(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*)");
  static const std::regex type_re(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex sample_re(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)\})? ([-+]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|Inf)|NaN))");
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;  // family -> type
  std::set<std::string> helped, finished;
  std::string current;  // the family whose samples may follow
  struct Histogram {
    std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
    std::optional<double> count;
    bool sum = false;
  };
  std::map<std::string, Histogram> histograms;
  REQUIRE_FALSE(body.empty());
  CHECK(body.back() == '\n');
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    INFO("line: " << line);
    std::smatch m;
    if (std::regex_match(line, m, help_re)) {
      CHECK(helped.insert(m[1]).second);
      if (current != m[1].str() && !current.empty()) finished.insert(current);
      CHECK_FALSE(finished.count(m[1]));
      current = m[1];
      continue;
    }
    if (std::regex_match(line, m, type_re)) {
      CHECK(types.emplace(m[1], m[2]).second);  // one TYPE per family
      CHECK(current == m[1].str());              // right after its HELP
      continue;
    }
    REQUIRE(std::regex_match(line, m, sample_re));
    const std::string name = m[1], labels = m[3], value_text = m[4];
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s(suffix);
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0 &&
          types.count(name.substr(0, name.size() - s.size())) &&
          types[name.substr(0, name.size() - s.size())] == "histogram")
        family = name.substr(0, name.size() - s.size());
    }
    CHECK(family == current);  // samples follow their own HELP/TYPE, contiguously
    REQUIRE(types.count(family));
    const double value = value_text == "+Inf" || value_text == "Inf" ? INFINITY : std::stod(value_text);
    const std::string series = name + "{" + labels + "}";
    CHECK(samples.emplace(series, value).second);  // no series twice
    const std::string& type = types[family];
    if (type == "counter") {
      CHECK(name.size() > 6);
      CHECK(name.substr(name.size() - 6) == "_total");
      CHECK(value >= 0);
    }
    if (type == "histogram") {
      Histogram& h = histograms[family];
      if (name == family + "_bucket") {
        std::smatch le;
        static const std::regex le_re(R"(le="([^"]+)\")");
        REQUIRE(std::regex_search(labels, le, le_re));
        const double bound = le[1] == "+Inf" ? INFINITY : std::stod(le[1]);
        if (!h.buckets.empty()) {
          CHECK(bound > h.buckets.back().first);    // increasing bounds
          CHECK(value >= h.buckets.back().second);  // cumulative
        }
        h.buckets.emplace_back(bound, value);
      } else if (name == family + "_count") {
        h.count = value;
      } else {
        h.sum = true;
      }
    }
  }
  for (const auto& [family, type] : types) CHECK(helped.count(family));
  for (const auto& [family, h] : histograms) {
    INFO("histogram " << family);
    REQUIRE_FALSE(h.buckets.empty());
    CHECK(std::isinf(h.buckets.back().first));  // the last bucket is +Inf
    REQUIRE(h.count);
    CHECK(h.buckets.back().second == *h.count);
    CHECK(h.sum);
  }
  return samples;
}

double sample(const std::map<std::string, double>& samples, const std::string& series) {
  auto it = samples.find(series);
  INFO("series " << series);
  REQUIRE(it != samples.end());
  return it->second;
}

/// The families a scrape declares as gauges (they may go down).
std::set<std::string> gauge_families(const std::string& body) {
  static const std::regex gauge_re(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) gauge)");
  std::set<std::string> out;
  for (std::sregex_iterator it(body.begin(), body.end(), gauge_re), end; it != end; ++it) out.insert((*it)[1]);
  return out;
}

std::string http_body(const std::string& response) {
  const auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

// ---- the query log ----

/// Checks every line of an NDJSON query log with python3's json module: an object with the
/// documented fields and types, an ISO 8601 UTC time. Returns python's complaints ("" if none).
std::string validate_query_log(const TempDir& dir, const std::string& path) {
  const std::string script = dir.write("check_query_log.py", R"PY(
import json, re, sys
fields = {"time": str, "client": str, "name": str, "type": str, "rcode": str,
          "cache": str, "dnssec": str, "ttl": int, "upstream": int, "latency_us": int}
bad = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        try:
            o = json.loads(line)
        except ValueError as e:
            print(f"line {n}: not JSON: {e}: {line!r}"); bad += 1; continue
        if not isinstance(o, dict) or set(o) != set(fields):
            print(f"line {n}: fields {sorted(o) if isinstance(o, dict) else o}"); bad += 1; continue
        for k, t in fields.items():
            if not isinstance(o[k], t) or (t is int and (isinstance(o[k], bool) or o[k] < 0)):
                print(f"line {n}: {k} = {o[k]!r}"); bad += 1
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", o["time"]):
            print(f"line {n}: time {o['time']!r}"); bad += 1
        if o["cache"] not in ("hit", "miss", "stale", "prefetch"):
            print(f"line {n}: cache {o['cache']!r}"); bad += 1
        if o["dnssec"] not in ("secure", "insecure", "indeterminate", "bogus"):
            print(f"line {n}: dnssec {o['dnssec']!r}"); bad += 1
        if not o["name"].endswith("."):
            print(f"line {n}: name {o['name']!r}"); bad += 1
sys.exit(1 if bad else 0)
)PY");
  const std::string out = dir.path + "/check_query_log.out";
  ExitStatus status = run_to_completion(ProcessOptions{{"/usr/bin/python3", script, path}, out, {}, true}, 30s);
  if (!status.exited || status.code != 0) return "python3: " + status.describe() + "\n" + read_file(out);
  return "";
}

std::vector<std::string> file_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// The integer after "key": in a JSON line of ours (a number field).
long json_number(const std::string& line, const std::string& key) {
  const auto at = line.find("\"" + key + "\":");
  REQUIRE(at != std::string::npos);
  return std::stol(line.substr(at + key.size() + 3));
}

// ---- systemd's notify socket ----

/// A unix datagram socket the test binds, as systemd does for Type=notify services.
struct NotifySocket {
  int fd = -1;
  std::string path;
  explicit NotifySocket(const std::string& p) : path(p) {
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close(fd);
      fd = -1;
    }
  }
  ~NotifySocket() {
    if (fd >= 0) close(fd);
  }
  /// The next datagram within `bound`, "" if none came.
  std::string receive(std::chrono::milliseconds bound = 10s) {
    timeval tv{static_cast<time_t>(bound.count() / 1000), static_cast<suseconds_t>(bound.count() % 1000 * 1000)};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buffer[4096];
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
  }
  /// Datagrams until one contains `state` (bounded); all of them, for failure messages.
  std::string receive_until(const std::string& state, std::chrono::milliseconds bound = 10s) {
    std::string all;
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
      std::string one = receive(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now() + 1ms));
      if (one.empty()) break;
      all += one + "|";
      if (("\n" + one + "\n").find("\n" + state + "\n") != std::string::npos) break;
    }
    return all;
  }
};

}  // namespace

// ---- privileges ----

TEST_CASE("started as root, ternd runs as the configured user and ternctl still works", "[ops][privileges]") {
  if (geteuid() != 0) {
    WARN("not root: the privilege drop cannot be tested");
    return;
  }
  const passwd* tern = getpwnam("tern");
  REQUIRE(tern != nullptr);  // .ci/install-deps creates it
  const unsigned long uid = tern->pw_uid, gid = tern->pw_gid;
  TempDir dir("priv");
  const std::string socket = dir.path + "/ternd.ctl", pidfile = dir.path + "/ternd.pid";
  TerndOptions o;
  o.username = "tern";
  o.extra_config = "control-socket: " + socket + "\npidfile: " + pidfile + "\n";
  Ternd t(o);
  const pid_t pid = t.process().pid();
  CHECK(status_ids(pid, "Uid") == std::vector<unsigned long>{uid, uid, uid, uid});
  CHECK(status_ids(pid, "Gid") == std::vector<unsigned long>{gid, gid, gid, gid});
  CHECK(status_field(pid, "Groups").find(" 0") == std::string::npos);
  CHECK(status_field(pid, "Groups").rfind("0 ", 0) != 0);
  CHECK(status_field(pid, "CapEff") == "0000000000000000");
  // The line is written once the workers run, which may be just after the first answer.
  CHECK(eventually([&] { return t.log().find("running as uid " + std::to_string(uid)) != std::string::npos; }));
  CHECK(read_file(pidfile) == std::to_string(pid) + "\n");
  // Resolution works as the user (upstream sockets are opened after the drop) ...
  CHECK(dig(t.port(), "www.example.lab", "A").status == "NOERROR");
  // ... and root's ternctl reaches the socket the user now owns.
  CtlReply stats = ternctl(dir, socket, {"stats"});
  CHECK(stats.code == 0);
  CHECK(stats_value(stats.out, "upstream.queries") > 0);
  struct stat st {};
  REQUIRE(::stat(socket.c_str(), &st) == 0);
  CHECK(st.st_uid == uid);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("started as root with a missing user, ternd refuses to start", "[ops][privileges]") {
  if (geteuid() != 0) {
    WARN("not root: nothing to refuse");
    return;
  }
  TempDir dir("nouser");
  const std::uint16_t port = allocate_port();
  const std::string config = dir.write("ternd.yaml", "listen: [\"127.0.0.1@" + std::to_string(port) +
                                                         "\"]\ncontrol-socket: \"\"\nusername: no-such-tern-user\n");
  const std::string log = dir.path + "/ternd.log";
  ExitStatus status = run_to_completion(ProcessOptions{{ternd_path(), "-c", config, "-d"}, log, {}, true}, 10s);
  const std::string output = read_file(log);
  INFO(output);
  CHECK(status.exited);
  CHECK(status.code == 1);
  CHECK(output.find("'no-such-tern-user' does not exist") != std::string::npos);
  CHECK(output.find("username: \"\"") != std::string::npos);
  CHECK(output.find("ternd started") == std::string::npos);
}

// ---- systemd ----

TEST_CASE("sd_notify: READY=1 once answering, RELOADING=1 then READY=1 on SIGHUP, STOPPING=1", "[ops][systemd]") {
  TempDir dir("notify");
  NotifySocket notify(dir.path + "/notify.sock");
  REQUIRE(notify.fd >= 0);
  TerndOptions o;
  o.extra_env = {"NOTIFY_SOCKET=" + notify.path};
  Ternd t(o);
  std::string got = notify.receive_until("READY=1");
  INFO("notifications: " << got);
  REQUIRE(got.find("READY=1") != std::string::npos);
  // READY=1 came from the daemon's own pid (NotifyAccess=main).
  CHECK(dig(t.port(), "www.example.lab", "A").status == "NOERROR");
  t.process().signal(SIGHUP);
  got = notify.receive_until("RELOADING=1");
  REQUIRE(got.find("RELOADING=1") != std::string::npos);
  got = notify.receive_until("READY=1");
  CHECK(got.find("READY=1") != std::string::npos);
  t.process().signal(SIGTERM);
  got = notify.receive_until("STOPPING=1");
  CHECK(got.find("STOPPING=1") != std::string::npos);
  auto status = t.process().wait_for(10s);
  REQUIRE(status);
  CHECK(status->exited);
  CHECK(status->code == 0);
}

// ---- metrics ----

TEST_CASE("metrics: the Prometheus endpoint, strictly checked, agrees with ternctl stats", "[ops][metrics]") {
  TempDir dir("metrics");
  const std::uint16_t metrics_port = allocate_port();
  const std::string socket = dir.path + "/ternd.ctl";
  TerndOptions o;
  o.extra_config = "metrics-listen: 127.0.0.1@" + std::to_string(metrics_port) + "\ncontrol-socket: " + socket + "\n";
  Ternd t(o);

  const std::string first_response = http_get(metrics_port, "/metrics");
  INFO(first_response);
  REQUIRE(first_response.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(first_response.find("\r\nContent-Type: text/plain; version=0.0.4") != std::string::npos);
  const auto first = parse_exposition(http_body(first_response));
  const std::set<std::string> gauges = gauge_families(http_body(first_response));
  for (const char* gauge : {"ternd_cache_entries", "ternd_cache_bytes", "ternd_cache_shards", "ternd_workers",
                            "ternd_resolutions_in_flight", "process_start_time_seconds", "ternd_build_info"}) {
    INFO(gauge);
    CHECK(gauges.count(gauge));
  }

  // Traffic: a miss, hits, an NXDOMAIN, a truncated answer (upstream TCP fallback).
  REQUIRE(dig(t.port(), "www.example.lab", "A").status == "NOERROR");
  REQUIRE(dig(t.port(), "www.example.lab", "A").status == "NOERROR");
  REQUIRE(dig(t.port(), "www.example.lab", "A", {"+tcp"}).status == "NOERROR");
  REQUIRE(dig(t.port(), "nope.example.lab", "A").status == "NXDOMAIN");
  REQUIRE(dig(t.port(), "big.example.lab", "TXT", {"+tcp"}).status == "NOERROR");

  const auto second = parse_exposition(http_body(http_get(metrics_port, "/metrics")));
  // Counters only go up: every counter and histogram series of the first scrape, again.
  for (const auto& [series, value] : first) {
    INFO(series);
    REQUIRE(second.count(series));
    if (!gauges.count(series.substr(0, series.find('{')))) CHECK(second.at(series) >= value);
  }
  auto grew = [&](const std::string& series) { return sample(second, series) - sample(first, series); };
  CHECK(grew("ternd_queries_total{transport=\"udp\"}") >= 3);
  CHECK(grew("ternd_queries_total{transport=\"tcp\"}") >= 2);
  CHECK(grew("ternd_cache_results_total{result=\"hit\"}") >= 2);
  CHECK(grew("ternd_cache_results_total{result=\"miss\"}") >= 3);
  CHECK(grew("ternd_responses_total{rcode=\"nxdomain\"}") == 1);
  CHECK(grew("ternd_upstream_queries_total{}") > 0);
  CHECK(grew("ternd_upstream_tcp_fallbacks_total{}") >= 1);
  CHECK(grew("ternd_query_duration_seconds_count{}") >= 5);
  CHECK(sample(second, "ternd_cache_entries{cache=\"answer\"}") >= 3);
  CHECK(sample(second, "ternd_cache_bytes{cache=\"answer\"}") > 0);
  // Prometheus derives ratios from the counters: no since-start hit ratio.
  CHECK_FALSE(second.count("ternd_cache_hit_ratio{}"));
  CHECK(sample(second, "ternd_resolutions_in_flight{}") == 0);  // every query answered
  const double started = sample(second, "process_start_time_seconds{}");
  const double now = static_cast<double>(std::time(nullptr));
  CHECK(started <= now);
  CHECK(started > now - 120);
  std::size_t build_info = 0;
  for (const auto& [series, value] : second) {
    if (series.rfind("ternd_build_info{version=\"", 0) != 0) continue;
    ++build_info;
    CHECK(value == 1);
  }
  CHECK(build_info == 1);

  // No traffic between these two reads: both views of the same counters agree, and the
  // per-worker counts add up to the total.
  const auto third = parse_exposition(http_body(http_get(metrics_port, "/metrics")));
  const CtlReply stats = ternctl(dir, socket, {"stats"});
  REQUIRE(stats.code == 0);
  CHECK(sample(third, "ternd_queries_total{transport=\"udp\"}") == stats_value(stats.out, "queries.udp"));
  CHECK(sample(third, "ternd_queries_total{transport=\"tcp\"}") == stats_value(stats.out, "queries.tcp"));
  CHECK(sample(third, "ternd_cache_results_total{result=\"hit\"}") == stats_value(stats.out, "cache.hits"));
  CHECK(sample(third, "ternd_upstream_queries_total{}") == stats_value(stats.out, "upstream.queries"));
  CHECK(sample(third, "ternd_upstream_spoof_near_misses_total{}") == stats_value(stats.out, "upstream.mismatched"));
  CHECK(sample(third, "ternd_cache_entries{cache=\"answer\"}") == stats_value(stats.out, "cache.answer.entries"));
  CHECK(sample(third, "ternd_queries_total{transport=\"tls\"}") == stats_value(stats.out, "queries.tls"));
  CHECK(sample(third, "ternd_tcp_accepted_total{}") == stats_value(stats.out, "tcp.accepted"));
  CHECK(sample(third, "ternd_udp_truncated_total{}") == stats_value(stats.out, "udp.truncated"));
  CHECK(sample(third, "ternd_upstream_scrubbed_total{}") == stats_value(stats.out, "upstream.scrubbed"));
  CHECK(sample(third, "ternd_cache_shards{cache=\"rrset\"}") == stats_value(stats.out, "cache.rrset.shards"));
  CHECK(sample(third, "ternd_workers{}") == stats_value(stats.out, "workers"));
  CHECK(sample(third, "process_start_time_seconds{}") == stats_value(stats.out, "process.start-time"));
  CHECK(sample(third, "ternd_query_duration_seconds_count{}") == stats_value(stats.out, "query-duration.count"));
  double per_worker = 0;
  for (const auto& [series, value] : third)
    if (series.rfind("ternd_worker_queries_total{", 0) == 0) per_worker += value;
  CHECK(per_worker == stats_value(stats.out, "queries.total"));

  CHECK(http_get(metrics_port, "/").rfind("HTTP/1.1 404", 0) == 0);
  CHECK(http_get(metrics_port, "/metrics", "DELETE").rfind("HTTP/1.1 405", 0) == 0);
}

// ---- query log ----

TEST_CASE("query log: valid NDJSON with plausible values; rotation by log-reopen and SIGHUP", "[ops][query-log]") {
  TempDir dir("qlog");
  const std::string socket = dir.path + "/ternd.ctl", path = dir.path + "/query.log";
  TerndOptions o;
  o.extra_config = "control-socket: " + socket + "\nquery-log: " + path + "\n";
  Ternd t(o);
  REQUIRE(dig(t.port(), "www.example.lab", "A").status == "NOERROR");    // miss
  REQUIRE(dig(t.port(), "www.example.lab", "A").status == "NOERROR");    // hit
  REQUIRE(dig(t.port(), "nope.example.lab", "A").status == "NXDOMAIN");  // miss, negative
  REQUIRE(eventually([&] { return file_lines(path).size() >= 3; }));
  CHECK(validate_query_log(dir, path).empty());
  const auto lines = file_lines(path);
  REQUIRE(lines.size() == 3);  // the readiness probes (RD=0, REFUSED) are not answers of the cache
  CHECK(lines[0].find("\"name\":\"www.example.lab.\"") != std::string::npos);
  CHECK(lines[0].find("\"client\":\"127.0.0.1\"") != std::string::npos);
  CHECK(lines[0].find("\"cache\":\"miss\"") != std::string::npos);
  CHECK(lines[0].find("\"rcode\":\"NOERROR\"") != std::string::npos);
  CHECK(json_number(lines[0], "upstream") > 0);
  CHECK(json_number(lines[0], "ttl") == 300);
  CHECK(lines[1].find("\"cache\":\"hit\"") != std::string::npos);
  CHECK(json_number(lines[1], "upstream") == 0);
  CHECK(json_number(lines[1], "ttl") <= 300);
  CHECK(json_number(lines[1], "ttl") > 0);
  CHECK(lines[2].find("\"rcode\":\"NXDOMAIN\"") != std::string::npos);
  CHECK(lines[2].find("\"type\":\"A\"") != std::string::npos);

  // Rotation: rename, ternctl log-reopen, the next line in a new file at the old path.
  REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
  const CtlReply reopened = ternctl(dir, socket, {"log-reopen"});
  CHECK(reopened.code == 0);
  CHECK(reopened.out == "logs reopened\n");
  REQUIRE(dig(t.port(), "www.example.lab", "A").status == "NOERROR");
  CHECK(eventually([&] { return file_lines(path).size() == 1; }));
  CHECK(file_lines(path + ".1").size() == 3);
  CHECK(validate_query_log(dir, path).empty());

  // The same with SIGHUP (logrotate's postrotate).
  REQUIRE(std::rename(path.c_str(), (path + ".2").c_str()) == 0);
  t.process().signal(SIGHUP);
  REQUIRE(eventually([&] { return t.log().find("configuration reloaded") != std::string::npos; }));
  REQUIRE(dig(t.port(), "www.example.lab", "A", {"+tcp"}).status == "NOERROR");
  CHECK(eventually([&] { return file_lines(path).size() == 1; }));
  CHECK(file_lines(path + ".2").size() == 1);
}

// ---- reload and stop ----

TEST_CASE("reloads under load lose no query and keep the cache; a bad reload keeps serving", "[ops][reload]") {
  TempDir dir("reload");
  const std::string socket = dir.path + "/ternd.ctl";
  const std::string extra = "control-socket: " + socket + "\n";
  TerndOptions o;
  o.extra_config = extra;
  Ternd t(o);
  REQUIRE(dig(t.port(), "www.example.lab", "A").status == "NOERROR");  // now cached

  std::atomic<bool> done{false};
  std::atomic<int> sent{0}, unanswered{0};
  std::thread load([&] {
    std::uint16_t id = 0x4000;
    const char* names[] = {"www.example.lab", "mail.example.lab", "www.chain.lab", "nope.example.lab"};
    while (!done) {
      QueryOptions q;
      q.id = ++id;
      auto reply = udp_exchange(t.port(), make_query(names[id % 4], rrtype::A, q), 3s);
      ++sent;
      auto r = reply ? parse_response(*reply, true) : std::nullopt;
      if (!r || r->id != q.id || (r->rcode != rcode::NOERROR && r->rcode != rcode::NXDOMAIN)) ++unanswered;
    }
  });
  auto reloads_done = [&](int n) {
    std::size_t count = 0, at = 0;
    const std::string log = t.log();
    while ((at = log.find("configuration reloaded", at)) != std::string::npos) ++count, ++at;
    return static_cast<int>(count) >= n;
  };
  for (int i = 1; i <= 3; ++i) {
    t.process().signal(SIGHUP);
    REQUIRE(eventually([&] { return reloads_done(i); }));
  }
  CHECK(ternctl(dir, socket, {"reload"}).code == 0);
  REQUIRE(eventually([&] { return reloads_done(4); }));
  // A broken file: rejected, the old configuration keeps serving.
  t.write_raw_config("listen: [\n");
  t.process().signal(SIGHUP);
  REQUIRE(eventually([&] { return t.log().find("reload rejected") != std::string::npos; }));
  const int before_bad = sent.load();
  REQUIRE(eventually([&] { return sent.load() > before_bad + 5; }));
  t.rewrite_config(extra);
  done = true;
  load.join();
  INFO(sent.load() << " queries sent during the reloads");
  CHECK(sent.load() > 20);
  CHECK(unanswered.load() == 0);
  CHECK(t.running());

  // The cached name is still a hit: answered with no upstream query, counted as a hit.
  const std::string before = ternctl(dir, socket, {"stats"}).out;
  const CtlReply shown = ternctl(dir, socket, {"cache", "show", "www.example.lab"});
  CHECK(shown.code == 0);
  CHECK(shown.out.find("www.example.lab.") != std::string::npos);
  REQUIRE(dig(t.port(), "www.example.lab", "A").status == "NOERROR");
  const std::string after = ternctl(dir, socket, {"stats"}).out;
  CHECK(stats_value(after, "cache.hits") == stats_value(before, "cache.hits") + 1);
  CHECK(stats_value(after, "upstream.queries") == stats_value(before, "upstream.queries"));
}

TEST_CASE("SIGTERM: queries waiting on a silent authority still get SERVFAIL, then exit 0", "[ops][signal]") {
  const std::string silent_address = lab_net() + ".99.2";
  SilentServer silent(silent_address);
  REQUIRE(silent.udp >= 0);
  TempDir dir("drain");
  const std::string hints = dir.write("silent.hints", ".            3600000 NS a.silent-root.\n"
                                                      "a.silent-root. 3600000 A " + silent_address + "\n");
  TerndOptions o;
  o.use_lab = false;
  o.extra_config = "root-hints: " + hints + "\nquery-loopback: yes\ndo-ip6: no\n";
  Ternd t(o);
  TcpClient tcp(t.port());
  REQUIRE(tcp.connected());
  QueryOptions q;
  q.id = 0xD001;
  REQUIRE(tcp.send_frame(make_query("www.example.lab", rrtype::A, q)));
  QueryOptions u;
  u.id = 0xD002;
  auto udp = std::async(std::launch::async,
                        [&] { return udp_exchange(t.port(), make_query("mail.example.lab", rrtype::A, u), 15s); });
  // Both are waiting upstream (the silent root swallows them) when the signal arrives.
  std::this_thread::sleep_for(300ms);
  t.process().signal(SIGTERM);
  auto reply = tcp.read_frame(15s);
  REQUIRE(reply);
  auto r = parse_response(*reply, true);
  REQUIRE(r);
  CHECK(r->id == 0xD001);
  CHECK(r->rcode == rcode::SERVFAIL);
  auto udp_reply = udp.get();
  REQUIRE(udp_reply);
  auto ur = parse_response(*udp_reply, true);
  REQUIRE(ur);
  CHECK(ur->id == 0xD002);
  CHECK(ur->rcode == rcode::SERVFAIL);
  auto status = t.process().wait_for(15s);
  REQUIRE(status);
  INFO(t.log());
  CHECK(status->exited);
  CHECK(status->code == 0);
  CHECK(t.log().find("unanswered at shutdown") == std::string::npos);
}

TEST_CASE("failure cache: a stub zone on a silent server is asked once; repeats are SERVFAIL EDE 13 from memory; "
          "flush asks again", "[ops][failure-cache]") {
  const std::string silent_address = lab_net() + ".99.3";
  SilentServer silent(silent_address);
  REQUIRE(silent.udp >= 0);
  TempDir dir("failcache");
  const std::string socket = dir.path + "/ternd.ctl";
  TerndOptions o;
  // 60 s: the repeats below must fall inside the first failure's memory on a loaded machine.
  o.extra_config = "control-socket: " + socket + "\ncache-min-failure-ttl: 60\n"
                   "stub-zone:\n  - name: silent.lab\n    servers: [\"" + silent_address + "\"]\n";
  Ternd t(o);

  const DigResult first = dig(t.port(), "www.silent.lab", "A", {}, 15);
  REQUIRE(first.answered);
  CHECK(first.status == "SERVFAIL");
  CHECK(first.output.find("EDE: 22") != std::string::npos);
  const std::size_t asked = silent.udp_received();
  CHECK(asked >= 1);

  const std::string before = ternctl(dir, socket, {"stats"}).out;
  // The same question, from memory. (Silence may concern one name only, e.g. an authority's
  // rate limiting: the zone itself is not remembered as failed, see ternd(8).)
  for (const char* name : {"www.silent.lab", "www.silent.lab", "www.silent.lab"}) {
    INFO(name);
    const DigResult again = dig(t.port(), name, "A");
    CHECK(again.status == "SERVFAIL");
    CHECK(again.output.find("EDE: 13") != std::string::npos);
  }
  const std::string after = ternctl(dir, socket, {"stats"}).out;
  CHECK(stats_value(after, "upstream.queries") == stats_value(before, "upstream.queries"));
  CHECK(stats_value(after, "cache.failure.hits") == stats_value(before, "cache.failure.hits") + 3);
  CHECK(stats_value(after, "cache.failure.entries") >= 1);
  CHECK(silent.udp_received() == asked);

  // Flushing the name forgets its failure: the next question walks again.
  const CtlReply flushed = ternctl(dir, socket, {"cache", "flush", "www.silent.lab"});
  CHECK(flushed.code == 0);
  CHECK(flushed.out.find("and 1 failure at www.silent.lab.") != std::string::npos);
  const DigResult walked = dig(t.port(), "www.silent.lab", "A", {}, 15);
  CHECK(walked.status == "SERVFAIL");
  CHECK(walked.output.find("EDE: 13") == std::string::npos);
  CHECK(stats_value(ternctl(dir, socket, {"stats"}).out, "upstream.queries") >
        stats_value(after, "upstream.queries"));
  CHECK(silent.udp_received() > asked);
}

TEST_CASE("chroot: ternd runs inside the directory, as the user, and still resolves", "[ops][privileges]") {
  if (geteuid() != 0) {
    WARN("not root: chroot cannot be tested");
    return;
  }
  TempDir root("chroot");
  std::filesystem::permissions(root.path, std::filesystem::perms(0755));
  TerndOptions o;
  o.username = "tern";
  o.extra_config = "chroot: " + root.path + "\n";
  // LeakSanitizer (ASan builds) reads /proc at exit, which the chroot hides: it would fail
  // the exit. Leaks are checked by every other test's ternd.
  const char* asan = std::getenv("ASAN_OPTIONS");
  o.extra_env = {"ASAN_OPTIONS=" + std::string(asan ? std::string(asan) + ":" : "") + "detect_leaks=0"};
  Ternd t(o);
  const pid_t pid = t.process().pid();
  CHECK(std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/root").string() == root.path);
  CHECK(status_ids(pid, "Uid").at(1) == getpwnam("tern")->pw_uid);
  CHECK(dig(t.port(), "www.chain.lab", "A").status == "NOERROR");
}

TEST_CASE("log-rate-limit: a flood of one kind of line is cut and the suppressed lines counted", "[ops][log]") {
  TerndOptions o;
  // verbosity 3 logs every upstream exchange: a few cold names make a flood of one kind.
  o.extra_config = "verbosity: 3\nlog-rate-limit: 1\n";
  Ternd t(o);
  for (const char* name : {"www.example.lab", "www.chain.lab", "www.glueless.corp", "mail.example.lab"})
    REQUIRE(dig(t.port(), name, "A").answered);
  CHECK(eventually([&] { return t.log().find("log-rate-limit: ") != std::string::npos; }));
  const std::string log = t.log();
  const auto at = log.find("log-rate-limit: ");
  REQUIRE(at != std::string::npos);
  INFO(log.substr(at, 200));
  CHECK(std::stoul(log.substr(at + 16)) > 0);
  CHECK(log.find("suppressed", at) != std::string::npos);
}
