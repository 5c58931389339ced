// What an operator coming from Unbound looks for, with ternd as a process and dig as the
// client: CH TXT version.bind/id.server and NSID (hidden by default), include: drop-ins (read
// again on reload, errors naming the drop-in), the remembered failures in `cache show`, `cache
// dump` and the query log, and the server table of `ternctl infra show|flush`.
#include "support/dig.hpp"
#include "support/eventually.hpp"
#include "support/lab.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/ternd.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// The first TXT string of the answer, or "" when there is none.
std::string first_txt(const DigResult& r) {
  auto txt = r.answers("TXT");
  if (txt.empty()) return "";
  auto strings = txt_strings(txt.front().data);
  return strings.empty() ? "" : strings.front();
}

struct Ctl {
  int code = -1;
  std::string out;
};

/// ternctl against `socket`, its output captured.
Ctl ternctl(const TempDir& dir, const std::string& socket, const std::vector<std::string>& words) {
  std::vector<std::string> args{ternctl_path(), "-s", socket};
  args.insert(args.end(), words.begin(), words.end());
  const std::string log = dir.path + "/ternctl.out";
  std::ofstream(log, std::ios::trunc).close();
  ExitStatus status = run_to_completion(ProcessOptions{args, log, {}, true}, 10s);
  return Ctl{status.exited ? status.code : -1, read_file(log)};
}

}  // namespace

TEST_CASE("identity: version.bind and id.server REFUSED by default, answered when configured; NSID",
          "[operator][identity]") {
  SECTION("defaults: hidden, as Unbound's hide-identity/hide-version; no NSID") {
    Ternd t(TerndOptions{"", false});
    for (const char* name : {"version.bind", "version.server", "id.server", "hostname.bind"}) {
      INFO(name);
      DigResult r = dig(t.port(), name, "TXT", {"CH"});
      REQUIRE(r.answered);
      CHECK(r.status == "REFUSED");
      CHECK(r.answer.empty());
    }
    DigResult plain = dig(t.port(), "localhost", "A", {"+nsid"});
    CHECK(plain.status == "NOERROR");
    CHECK_FALSE(contains(plain.output, "NSID"));
  }
  SECTION("configured") {
    Ternd t(TerndOptions{"hide-identity: no\nidentity: resolver-7.example\nhide-version: no\nnsid: ascii_tern-ns7\n",
                         false});
    DigResult version = dig(t.port(), "version.bind", "TXT", {"CH"});
    INFO(version.output);
    CHECK(version.status == "NOERROR");
    CHECK(first_txt(version).rfind("tern ", 0) == 0);
    CHECK(first_txt(dig(t.port(), "id.server", "TXT", {"CH"})) == "resolver-7.example");
    CHECK(first_txt(dig(t.port(), "hostname.bind", "TXT", {"CH", "+norec"})) == "resolver-7.example");
    // NSID (RFC 5001) on a local answer, then on a cache hit of the same name.
    for (int i = 0; i < 2; ++i) {
      DigResult r = dig(t.port(), "localhost", "A", {"+nsid"});
      INFO(r.output);
      CHECK(r.status == "NOERROR");
      CHECK(contains(r.output, "(\"tern-ns7\")"));
    }
    CHECK_FALSE(contains(dig(t.port(), "localhost", "A").output, "NSID"));
  }
}

TEST_CASE("include: a conf.d drop-in is merged, re-read on reload, and its errors name it", "[operator][include]") {
  TempDir conf("conf");
  std::filesystem::create_directories(conf.path + "/conf.d");
  conf.write("conf.d/50-version.yaml", "hide-version: no\nversion: from the drop-in\n");
  Ternd t(TerndOptions{"include: " + conf.path + "/conf.d/*.yaml\n", false});
  CHECK(first_txt(dig(t.port(), "version.bind", "TXT", {"CH"})) == "from the drop-in");
  // A reload reads the drop-ins afresh.
  conf.write("conf.d/50-version.yaml", "hide-version: no\nversion: changed by reload\n");
  t.process().signal(SIGHUP);
  CHECK(eventually([&] { return first_txt(dig(t.port(), "version.bind", "TXT", {"CH"})) == "changed by reload"; }, 10s));
  // A second drop-in, later in name order, wins.
  conf.write("conf.d/90-hide.yaml", "hide-version: yes\n");
  t.process().signal(SIGHUP);
  CHECK(eventually([&] { return dig(t.port(), "version.bind", "TXT", {"CH"}).status == "REFUSED"; }, 10s));
  // A broken drop-in: --check-config names it and its line; a reload keeps the running config.
  const std::string bad = conf.write("conf.d/95-bad.yaml", "# the operator's typo\nverbosty: 2\n");
  const std::string out = conf.path + "/check.out";
  ExitStatus check = run_to_completion(ProcessOptions{{ternd_path(), "--check-config", "-c", t.config_path()}, out, {}, true}, 10s);
  INFO(read_file(out));
  CHECK(check.exited);
  CHECK(check.code == 2);
  CHECK(contains(read_file(out), bad + ":2: unknown setting 'verbosty' (did you mean 'verbosity'?)"));
  t.process().signal(SIGHUP);
  CHECK(eventually([&] { return contains(t.log(), bad + ":2:"); }, 10s));
  CHECK(dig(t.port(), "version.bind", "TXT", {"CH"}).status == "REFUSED");
  CHECK(t.running());
}

TEST_CASE("failure cache: cache show, cache dump and the query log show the remembered failure",
          "[operator][failure-cache]") {
  TempDir ctl("ctl");
  const std::string socket = ctl.path + "/ternd.ctl", log = ctl.path + "/query.log";
  Ternd t(TerndOptions{"control-socket: " + socket + "\nquery-log: " + log +
                       "\ncache-min-failure-ttl: 60\ncache-max-failure-ttl: 120\n"});
  // The lab's lame delegation: the only server answers REFUSED.
  CHECK(dig(t.port(), "www.lame.lab", "A").status == "SERVFAIL");
  DigResult again = dig(t.port(), "www.lame.lab", "A");
  CHECK(again.status == "SERVFAIL");
  Ctl show = ternctl(ctl, socket, {"cache", "show", "www.lame.lab"});
  INFO(show.out);
  CHECK(show.code == 0);
  CHECK(contains(show.out, "www.lame.lab. A failure\n  scope: question\n"));
  CHECK(contains(show.out, "  remaining: "));
  CHECK(contains(show.out, "  next-backoff: 120 s\n"));
  CHECK(contains(ternctl(ctl, socket, {"cache", "dump"}).out, "\n; FAILURE www.lame.lab. A remaining="));
  // cache watch follows data, not a failure's block: the name is not cached.
  Ctl watch = ternctl(ctl, socket, {"cache", "watch", "www.lame.lab", "--count", "1"});
  CHECK(contains(watch.out, " www.lame.lab not cached"));
  // The second answer came from the failure cache, without a query.
  CHECK(eventually([&] { return contains(read_file(log), "\"cache\":\"failure\""); }, 5s));
  std::string lines = read_file(log);
  INFO(lines);
  CHECK(contains(lines, "\"name\":\"www.lame.lab.\""));
  CHECK(contains(lines, "\"cache\":\"failure\",\"dnssec\":\"indeterminate\",\"ttl\":0,\"upstream\":0"));
}

TEST_CASE("infra show and flush: each authority's RTT, failures, back-off, EDNS, cookies", "[operator][infra]") {
  TempDir ctl("ctl");
  const std::string socket = ctl.path + "/ternd.ctl";
  Ternd t(TerndOptions{"control-socket: " + socket + "\n"});
  CHECK(dig(t.port(), "www.half.lab", "A").status == "NOERROR");  // ns1 answers, ns2 is dead
  const std::string ns1 = Lab::get().address("12.1");
  Ctl zone = ternctl(ctl, socket, {"infra", "show", "half.lab"});
  INFO(zone.out);
  CHECK(zone.code == 0);
  CHECK(contains(zone.out, "zone half.lab.: 2 NS, 2 addresses known\n"));
  CHECK(contains(zone.out, "\n" + ns1 + " (ns1.half.lab.)\n  srtt: "));
  CHECK(contains(zone.out, "\n" + Lab::get().address("12.2") + " (ns2.half.lab.)\n"));
  Ctl all = ternctl(ctl, socket, {"infra", "show"});
  CHECK((contains(all.out, Lab::get().address("0.1") + "\n") || contains(all.out, Lab::get().address("0.2") + "\n")));
  CHECK(contains(all.out, "  edns: yes\n"));
  Ctl one = ternctl(ctl, socket, {"infra", "show", ns1});
  CHECK(one.out.rfind(ns1 + "\n  srtt: ", 0) == 0);
  CHECK(contains(one.out, "  backoff: none\n"));
  CHECK(ternctl(ctl, socket, {"infra", "flush", ns1}).out == "flushed 1 server at " + ns1 + "\n");
  CHECK(contains(ternctl(ctl, socket, {"infra", "show", ns1}).out, "never asked"));
  CHECK(ternctl(ctl, socket, {"infra", "flush", "half.lab"}).code == 2);
  CHECK(contains(ternctl(ctl, socket, {"infra", "flush"}).out, "flushed "));
  CHECK(ternctl(ctl, socket, {"infra", "show"}).out == "no servers known\n");
}
