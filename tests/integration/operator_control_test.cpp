// What an operator sees of a running ternd: `ternctl reload` reports the outcome (exit 1 with
// FILE:LINE when the file is rejected), `ternctl status` and `ternctl verbosity`, the log's
// levels (notice for routine events) and, with stderr on the journal, sd-daemon "<N>" lines
// without a timestamp; `ternctl stop` logs who asked, and "stopped" is always the last line.
#include <catch2/catch.hpp>

#include "support/eventually.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/ternd.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <thread>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

struct CtlResult {
  int code = -1;
  std::string out;  ///< stdout and stderr together
};

CtlResult ternctl(const std::string& socket, const std::vector<std::string>& words) {
  static int n = 0;
  TempDir dir("ternctl");
  std::vector<std::string> args{ternctl_path(), "-s", socket};
  args.insert(args.end(), words.begin(), words.end());
  const std::string log = dir.path + "/out-" + std::to_string(++n);
  ExitStatus status = run_to_completion(ProcessOptions{args, log, {}, true}, 20s);
  return CtlResult{status.exited ? status.code : -1, read_file(log)};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("ternctl reload waits: exit 1 with FILE:LINE when rejected, 0 and a summary when applied",
          "[operator][reload]") {
  Ternd t(TerndOptions{"udp-batch-size: 16\n", false});
  const std::string socket = t.dir() + "/ternd.ctl";

  t.rewrite_config("udp-batch-size: 16\nnot-a-setting: 1\n");
  CtlResult rejected = ternctl(socket, {"reload"});
  INFO(rejected.out);
  CHECK(rejected.code == 1);
  CHECK(contains(rejected.out, t.config_path() + ":"));
  CHECK(contains(rejected.out, "unknown setting 'not-a-setting'"));
  CHECK(contains(rejected.out, "keeps the running configuration"));

  t.rewrite_config("udp-batch-size: 8\nip-ratelimit: 1000\n");
  CtlResult applied = ternctl(socket, {"reload"});
  INFO(applied.out);
  CHECK(applied.code == 0);
  CHECK(contains(applied.out, "configuration reloaded from " + t.config_path() + ": changed ip-ratelimit"));
  CHECK(contains(applied.out, "udp-batch-size changed: takes effect at restart"));

  // threads: auto runs one worker per core: naming that number is no change.
  t.rewrite_config("udp-batch-size: 16\nip-ratelimit: 1000\nthreads: " +
                   std::to_string(std::max(1u, std::thread::hardware_concurrency())) + "\n");
  CtlResult same = ternctl(socket, {"reload"});
  INFO(same.out);
  CHECK(same.code == 0);
  CHECK(contains(same.out, "no reloadable setting changed"));
  CHECK_FALSE(contains(same.out, "takes effect at restart"));
  CHECK(t.running());
}

TEST_CASE("ternctl status and verbosity", "[operator][status]") {
  Ternd t(TerndOptions{"", false});
  const std::string socket = t.dir() + "/ternd.ctl";
  CtlResult status = ternctl(socket, {"status"});
  INFO(status.out);
  CHECK(status.code == 0);
  CHECK(contains(status.out, "pid: " + std::to_string(t.process().pid()) + "\n"));
  CHECK(contains(status.out, "config-file: " + t.config_path() + "\n"));
  CHECK(contains(status.out, "listen: 127.0.0.1@" + std::to_string(t.port()) + " UDP TCP\n"));
  CHECK(contains(status.out, "listen: " + socket + " control\n"));
  CHECK(contains(status.out, "threads: "));
  CHECK(contains(status.out, "uptime: "));
  CHECK(contains(status.out, "version: "));
  CHECK(contains(status.out, "cache-fill: "));

  // At the default verbosity the control lines (info) are not logged; after verbosity 2 they are.
  CHECK_FALSE(contains(t.log(), "control: status"));
  CtlResult set = ternctl(socket, {"verbosity", "2"});
  CHECK(set.code == 0);
  CHECK(contains(set.out, "verbosity 2 (info)"));
  ternctl(socket, {"stats"});
  CHECK(eventually([&] { return contains(t.log(), "control: stats (pid "); }));
  CHECK(contains(ternctl(socket, {"verbosity"}).out, "verbosity 2 (info)"));

  // Usage errors: short, specific, with a suggestion; the exit status is 2.
  CtlResult typo = ternctl(socket, {"relaod"});
  CHECK(typo.code == 2);
  CHECK(contains(typo.out, "unknown command 'relaod' (did you mean 'reload'?)"));
  CHECK(lines_of(typo.out).size() == 2);
  CtlResult bad = ternctl(socket, {"verbosity", "9"});
  CHECK(bad.code == 2);
  CHECK(lines_of(bad.out).size() == 1);
}

TEST_CASE("logs: notice for routine events, journal lines under systemd, stop says who asked", "[operator][log]") {
  TempDir dir("journal");
  const std::uint16_t port = allocate_port();
  const std::string socket = dir.path + "/ternd.ctl";
  const std::string config = dir.write("ternd.yaml", Ternd::base_config(port, false) + "control-socket: " + socket + "\n");
  for (bool journal : {true, false}) {
    INFO((journal ? "JOURNAL_STREAM names stderr" : "JOURNAL_STREAM names another file"));
    const std::string log = dir.path + (journal ? "/journal.log" : "/plain.log");
    std::ofstream(log).close();
    struct stat st {};
    REQUIRE(::stat(log.c_str(), &st) == 0);
    // A stream inherited from a parent whose stderr was the journal must not count.
    const unsigned long long inode = journal ? st.st_ino : st.st_ino + 1;
    ProcessOptions options{{ternd_path(), "-c", config, "-d"}, log,
                           {"JOURNAL_STREAM=" + std::to_string(st.st_dev) + ":" + std::to_string(inode)}, true};
    Process ternd(options);
    REQUIRE(eventually([&] { return contains(read_file(log), "ternd started"); }, 20s));
    CtlResult stop = ternctl(socket, {"stop"});
    CHECK(stop.code == 0);
    auto status = ternd.wait_for(10s);
    REQUIRE(status);
    CHECK(status->exited);
    CHECK(status->code == 0);
    const std::string text = read_file(log);
    INFO(text);
    const std::vector<std::string> lines = lines_of(text);
    REQUIRE(!lines.empty());
    if (journal) {
      for (const std::string& line : lines) {
        INFO(line);
        CHECK((line.size() > 3 && line[0] == '<' && line[2] == '>' && line[1] >= '3' && line[1] <= '7'));
      }
      CHECK(contains(text, "<5>ternd started: "));
      CHECK(contains(text, "<5>stop asked by ternctl (pid "));
      CHECK(lines.back().starts_with("<5>stopped: "));
    } else {
      CHECK(contains(text, "Z ternd[notice] ternd started: "));
      CHECK(contains(text, "Z ternd[notice] stop asked by ternctl (pid "));
      CHECK(contains(lines.back(), "Z ternd[notice] stopped: "));
    }
    CHECK_FALSE(contains(text, "warning"));  // nothing here needs attention
  }
}
