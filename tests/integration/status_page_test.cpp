// The live status page (http-listen, issue 22) against a real ternd, with curl as the client:
// the event stream (events arrive, ids increase by one, Last-Event-ID resumes without loss,
// heartbeats, the bound on streams), access control, bad requests; a pinned name's answer
// changing at the authority (lab.sh switch) as change events; and headless Chromium loading
// the page (status_page_browser.sh): its numbers are `ternctl stats`'s and it shows the switch.
#include "support/dig.hpp"
#include "support/eventually.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/ternd.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

/// A ternd with the status page on a port of its own and a control socket.
struct PageTernd {
  TempDir dir{"status-page"};
  std::uint16_t http_port = allocate_port();
  Ternd ternd;
  explicit PageTernd(const std::string& extra = "")
      : ternd(TerndOptions{"http-listen: 127.0.0.1@" + std::to_string(http_port) + "\ncontrol-socket: " + dir.path +
                           "/ternd.ctl\n" + extra}) {}
  std::string url(const std::string& target = "/") const {
    return "http://127.0.0.1:" + std::to_string(http_port) + target;
  }
  std::string stats() const { return shell(ternctl_path() + " -s " + dir.path + "/ternd.ctl stats"); }
  /// The stream for `seconds` (curl -N, cut off by -m): what arrived, headers first.
  std::string events(int seconds, const std::string& curl_options = "") const {
    return shell("curl -sSiN -m " + std::to_string(seconds) + " " + curl_options + " " + url("/events"));
  }
  /// The HTTP status curl got for `target` ("000": no reply).
  std::string status(const std::string& target, const std::string& curl_options = "") const {
    return shell("curl -s -o /dev/null -w %{http_code} -m 5 " + curl_options + " \"" + url(target) + "\"");
  }
};

struct Event {
  std::uint64_t id = 0;
  std::string kind, data;
};

/// The events of a stream's text, in order.
std::vector<Event> parse_events(const std::string& text) {
  std::vector<Event> out;
  std::istringstream lines(text);
  std::string line;
  Event e;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.starts_with("id: ")) e.id = std::stoull(line.substr(4));
    if (line.starts_with("event: ")) e.kind = line.substr(7);
    if (line.starts_with("data: ")) e.data = line.substr(6);
    if (line.empty() && e.id != 0) {
      out.push_back(e);
      e = Event{};
    }
  }
  return out;
}

/// The value of stats key `key` in `ternctl stats` text ("" when absent).
std::string stats_value(const std::string& stats, const std::string& key) {
  std::smatch m;
  if (std::regex_search(stats, m, std::regex("(^|\n)" + std::regex_replace(key, std::regex("\\."), "\\.") + "=(\\d+)")))
    return m[2];
  return "";
}

/// A raw request (for heads curl will not send); the status line of the reply.
std::string raw_status_line(std::uint16_t port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  return response.substr(0, response.find("\r\n"));
}

/// Runs `lab.sh ARGS...` on the test lab; REQUIREs exit 0.
void lab_sh(const std::vector<std::string>& words) {
  const Lab& lab = Lab::get();
  std::vector<std::string> args{"/usr/bin/env", "LAB_NET=" + lab.net(), "LAB_DIR=" + lab.dir(), "LAB_WAIT=15",
                                "/bin/bash", source_root() + "/zones/lab.sh"};
  args.insert(args.end(), words.begin(), words.end());
  const std::string log = lab.dir() + "/status-page-test.log";
  std::ofstream(log, std::ios::trunc).close();
  ExitStatus s = run_to_completion(ProcessOptions{args, log, {}, true}, 40s);
  INFO("lab.sh " << words.front() << ": " << read_file(log));
  REQUIRE((s.exited && s.code == 0));
}

}  // namespace

TEST_CASE("status page: events arrive with ids one apart, heartbeats, Last-Event-ID resumes without loss",
          "[status-page]") {
  PageTernd t;
  dig(t.ternd.port(), "www.example.lab", "A");
  const std::string first = t.events(6);
  INFO(first);
  CHECK(first.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(first.find("Content-Type: text/event-stream") != std::string::npos);
  CHECK(first.find("\n: heartbeat\n") != std::string::npos);  // one every 5 s
  const std::vector<Event> events = parse_events(first);
  REQUIRE(events.size() >= 4);
  for (std::size_t i = 1; i < events.size(); ++i) CHECK(events[i].id == events[i - 1].id + 1);
  CHECK(events.back().kind == "sample");
  CHECK(events.back().data.find("\"queries.total\":") != std::string::npos);

  // A client that saw up to last-3 gets exactly what followed, then what is new.
  const std::uint64_t seen = events.back().id - 3;
  const std::vector<Event> resumed = parse_events(t.events(2, "-H \"Last-Event-ID: " + std::to_string(seen) + "\""));
  REQUIRE(resumed.size() >= 3);
  CHECK(resumed.front().id == seen + 1);
  for (std::size_t i = 1; i < resumed.size(); ++i) CHECK(resumed[i].id == resumed[i - 1].id + 1);
  for (std::size_t i = 0; i < 3; ++i) CHECK(resumed[i].data == events[events.size() - 3 + i].data);
  // The page's first connection names the last event it was served with as ?last_event_id=N.
  const std::vector<Event> after_page = parse_events(
      shell("curl -sN -m 2 \"" + t.url("/events?last_event_id=" + std::to_string(seen)) + "\""));
  REQUIRE(!after_page.empty());
  CHECK(after_page.front().id == seen + 1);
  // ... and the page carries the last events in it, so it draws them as soon as it loads.
  CHECK(shell("curl -s " + t.url("/")).find("const INITIAL = \"id: ") != std::string::npos);
}

TEST_CASE("status page: streams are bounded; access control; bad requests", "[status-page]") {
  PageTernd t("http-access-control: [\"127.0.0.2 refuse\", \"127.0.0.3 deny\"]\n");
  // Eight streams are held open by curl; the ninth is turned away, and served once they go.
  {
    std::vector<std::unique_ptr<Process>> held;
    for (int i = 0; i < 8; ++i)
      held.push_back(std::make_unique<Process>(
          ProcessOptions{{"/usr/bin/curl", "-sN", "-m", "30", "-o", "/dev/null", t.url("/events")}, "", {}, true}));
    // Bounded, not timed: eight curl processes must first start and connect on a loaded machine.
    CHECK(eventually([&] { return t.status("/events", "-m 2") == "503"; }, 60s));
  }
  CHECK(eventually([&] { return t.events(2).rfind("HTTP/1.1 200", 0) == 0; }, 30s));

  CHECK(t.status("/") == "200");
  CHECK(t.status("/", "--interface 127.0.0.2") == "403");
  CHECK(t.status("/", "--interface 127.0.0.3") == "000");  // closed without an answer
  CHECK(t.status("/nope") == "404");
  CHECK(t.status("/", "-X POST") == "405");
  CHECK(t.status("/events", "-X DELETE") == "405");
  CHECK(t.status("/watch") == "400");                       // no name
  CHECK(t.status("/watch?name=a..b") == "400");             // not a name
  CHECK(t.status("/watch?name=a.lab&type=NOPE") == "400");  // not a type
  CHECK(t.status("/events", "-H \"Last-Event-ID: x\"") == "400");
  CHECK(t.status("/", "-H \"X-Big: " + std::string(5000, 'a') + "\"") == "431");
  CHECK(raw_status_line(t.http_port, "NONSENSE\r\n\r\n") == "HTTP/1.1 400 Bad Request");
  CHECK(raw_status_line(t.http_port, "GET /%zz HTTP/1.1\r\n\r\n") == "HTTP/1.1 400 Bad Request");
  CHECK(t.ternd.running());
}

TEST_CASE("status page: a pinned name's switch at the authority, in the stream and in Chromium", "[status-page]") {
  PageTernd t;
  const std::string name = "db-fast.failover.lab";  // TTL 2 in the lab: the switch shows at once
  // Pinning looks at the cache, never resolves: nothing is asked upstream for it.
  const std::string upstream_before = stats_value(t.stats(), "upstream.queries");
  CHECK(t.status("/watch?name=" + name + "&type=A") == "200");
  const std::vector<Event> absent = parse_events(t.events(3));
  REQUIRE(!absent.empty());
  CHECK(absent.back().data.find("\"state\":\"absent\"") != std::string::npos);
  CHECK(stats_value(t.stats(), "upstream.queries") == upstream_before);

  REQUIRE(dig(t.ternd.port(), name, "A").answers("A").size() == 1);
  {
    struct Switched {
      Switched() { lab_sh({"switch", "new", "failover.lab"}); }
      ~Switched() { lab_sh({"switch", "old", "failover.lab"}); }
    } switched;
    // Asked until ternd answers the new address (the old one's TTL runs out within 2 s).
    CHECK(eventually([&] {
      auto a = dig(t.ternd.port(), name, "A").answers("A");
      return a.size() == 1 && a[0].data == "127.0.26.2";
    }, 15s));
  }
  // The stream's ring holds the change: from the cached old answer to the new one.
  const std::string stream = t.events(2, "-H \"Last-Event-ID: 1\"");
  INFO(stream);
  bool answer_change = false;
  for (const Event& e : parse_events(stream))
    if (e.kind == "change" && e.data.find("\"kind\":\"answer\"") != std::string::npos &&
        e.data.find("127.0.16.2") != std::string::npos && e.data.find("127.0.26.2") != std::string::npos)
      answer_change = true;
  CHECK(answer_change);

  // The page in a real browser: what it shows after its script ran, and a screenshot.
  TempDir out("status-page-browser");
  const std::string stats = t.stats();
  const ExitStatus browser = run_to_completion(
      ProcessOptions{{"/usr/bin/env", "TERN_SCREENSHOT=" + out.path + "/page.png", "/bin/bash",
                      source_root() + "/tests/integration/status_page_browser.sh", t.url("/"), out.path + "/page.html"},
                     out.path + "/browser.log", {}, true},
      180s);  // seconds on an idle machine; a minute under a load of 30 on 2 cores
  INFO(read_file(out.path + "/browser.log"));
  REQUIRE((browser.exited && browser.code == 0));
  const std::string dom = read_file(out.path + "/page.html");
  REQUIRE(dom.find("id=\"total-queries.total\"") != std::string::npos);
  for (const char* key : {"queries.total", "cache.hits", "cache.misses", "upstream.queries"}) {
    INFO(key);
    std::smatch m;
    REQUIRE(std::regex_search(dom, m, std::regex(std::string("id=\"total-") + key + "\">(\\d+)<")));
    CHECK(m[1] == stats_value(stats, key));
  }
  CHECK(dom.find("answer: A 127.0.16.2 -&gt; A 127.0.26.2") != std::string::npos);
  const std::string png = read_file(out.path + "/page.png");
  CHECK(png.rfind("\x89PNG", 0) == 0);
  // For a person to look at (the README's picture was taken so): TERN_ITEST_SCREENSHOT=FILE.
  if (const char* keep = std::getenv("TERN_ITEST_SCREENSHOT")) std::ofstream(keep, std::ios::binary) << png;
}
