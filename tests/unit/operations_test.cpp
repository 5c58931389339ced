// Operations without a process: the log's rate limit, the metrics endpoint's HTTP handling,
// chroot path mapping and the user lookup that decides whether ternd may start.
#include "daemon/control/metrics_server.hpp"
#include "daemon/process/privileges.hpp"
#include "resolver/log.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

using namespace tern;

TEST_CASE("the log rate limit: a burst, then lines are counted and reported", "[log]") {
  log::set_rate_limit(5);
  constexpr std::string_view kind = "a kind of message {}";
  int admitted = 0;
  for (int i = 0; i < 100; ++i) admitted += log::admit(kind) ? 1 : 0;
  // Bursts of twice the rate; a few more may refill while the loop runs on a slow machine.
  CHECK(admitted >= 10);
  CHECK(admitted < 100);
  constexpr std::string_view other = "another kind {}";
  CHECK(log::admit(other));  // one kind's flood does not silence another
  CHECK(log::report_suppressed() == static_cast<std::uint64_t>(100 - admitted));
  CHECK(log::report_suppressed() == 0);  // reported once
  log::set_rate_limit(0);
  for (int i = 0; i < 100; ++i) REQUIRE(log::admit(kind));
}

TEST_CASE("the metrics endpoint's HTTP answers", "[metrics]") {
  const std::function<std::string()> render = [] { return std::string("ternd_x 1\n"); };
  const std::string ok = daemon::metrics_http_response("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", render);
  CHECK(ok.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") != std::string::npos);
  CHECK(ok.find("Content-Length: 10\r\n") != std::string::npos);
  CHECK(ok.substr(ok.size() - 10) == "ternd_x 1\n");
  CHECK(daemon::metrics_http_response("GET /metrics?x=1 HTTP/1.0\r\n\r\n", render).rfind("HTTP/1.1 200", 0) == 0);
  const std::string head = daemon::metrics_http_response("HEAD /metrics HTTP/1.1\r\n\r\n", render);
  CHECK(head.substr(head.size() - 4) == "\r\n\r\n");
  CHECK(daemon::metrics_http_response("GET / HTTP/1.1\r\n\r\n", render).rfind("HTTP/1.1 404", 0) == 0);
  CHECK(daemon::metrics_http_response("POST /metrics HTTP/1.1\r\n\r\n", render).rfind("HTTP/1.1 405", 0) == 0);
  CHECK(daemon::metrics_http_response("garbage\r\n\r\n", render).rfind("HTTP/1.1 400", 0) == 0);
  CHECK(daemon::metrics_http_response("GET /metrics SPDY/3\r\n\r\n", render).rfind("HTTP/1.1 400", 0) == 0);
}

TEST_CASE("paths seen from inside a chroot", "[privileges]") {
  CHECK(daemon::path_inside_chroot("/var/lib/tern/ternd.yaml", "/var/lib/tern") == "/ternd.yaml");
  CHECK(daemon::path_inside_chroot("/var/lib/tern/etc/a.yaml", "/var/lib/tern/") == "/etc/a.yaml");
  CHECK(daemon::path_inside_chroot("/etc/tern/ternd.yaml", "/var/lib/tern") == "/etc/tern/ternd.yaml");
  CHECK(daemon::path_inside_chroot("/var/lib/ternx/a", "/var/lib/tern") == "/var/lib/ternx/a");
  CHECK(daemon::path_inside_chroot("/etc/a", "") == "/etc/a");
}

TEST_CASE("whom ternd becomes", "[privileges]") {
  std::string warning;
  CHECK_FALSE(daemon::plan_user("", warning));  // username "": stay
  CHECK(warning.empty());
  if (geteuid() == 0) {
    // Root never runs on as root because a user is missing.
    CHECK_THROWS_WITH(daemon::plan_user("no-such-tern-user", warning),
                      Catch::Contains("does not exist") && Catch::Contains("username: \"\""));
    auto nobody = daemon::plan_user("nobody", warning);
    REQUIRE(nobody);
    CHECK(nobody->uid != 0);
    CHECK_FALSE(nobody->groups.empty());
  } else {
    CHECK_FALSE(daemon::plan_user("no-such-tern-user", warning));
    CHECK(warning.find("does not exist") != std::string::npos);
  }
}
