// A cache that survives a restart: with cache-save-file, a ternd stopped cleanly writes its
// answer cache and the next one answers the hot name from it with no upstream query; ternctl
// cache dump --binary and cache load carry a cache from one ternd to another, and a damaged
// file loads what is whole and says what it skipped.
#include "support/dig.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/sourced_udp.hpp"
#include "support/ternd.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace tern::itest;
using namespace std::chrono_literals;

namespace {

struct CtlReply {
  int code = -1;
  std::string out;
};

/// ternctl -s SOCKET WORDS..., its exit code and output (in `dir`).
CtlReply ternctl(const std::string& socket, const std::string& dir, const std::vector<std::string>& words) {
  std::vector<std::string> args{ternctl_path(), "-s", socket};
  args.insert(args.end(), words.begin(), words.end());
  const std::string log = dir + "/ternctl.out";
  std::ofstream(log, std::ios::trunc).close();
  ExitStatus status = run_to_completion(ProcessOptions{args, log, {}, true}, 10s);
  return CtlReply{status.exited ? status.code : -1, read_file(log)};
}

/// Asks www.example.lab A and checks the lab's answer.
void ask_www(const Ternd& t) {
  DigResult r = dig(t.port(), "www.example.lab", "A");
  INFO(r.output);
  REQUIRE(r.status == "NOERROR");
  REQUIRE(r.answer.size() == 1);
  CHECK(r.answer[0].data == "127.0.0.80");
}

}  // namespace

TEST_CASE("cache-save-file: a restarted ternd answers its hot name from the saved cache", "[cache-file]") {
  TempDir dir{"cachefile"};
  const std::string file = dir.path + "/ternd.cache";
  const std::string socket = dir.path + "/ternd.ctl";
  const std::string config = "control-socket: " + socket + "\ncache-save-file: " + file + "\n";
  {
    Ternd first(TerndOptions{config});
    CHECK(first.log().find("not there yet") != std::string::npos);
    ask_www(first);
    CHECK(stat(socket, dir.path, "upstream.queries") > 0);
    first.stop();
    INFO(first.log());
    CHECK(first.log().find("entries saved") != std::string::npos);
  }
  REQUIRE(std::filesystem::exists(file));
  Ternd second(TerndOptions{config});
  INFO(second.log());
  CHECK(second.log().find("entries loaded") != std::string::npos);
  const std::uint64_t upstream_before = stat(socket, dir.path, "upstream.queries");
  ask_www(second);
  CHECK(stat(socket, dir.path, "upstream.queries") == upstream_before);
  CHECK(stat(socket, dir.path, "cache.hits") >= 1);
}

TEST_CASE("ternctl cache dump --binary and cache load: one ternd's cache into another", "[cache-file]") {
  TempDir dir{"cachefile"};
  const std::string socket_a = dir.path + "/a.ctl", socket_b = dir.path + "/b.ctl";
  Ternd a(TerndOptions{"control-socket: " + socket_a + "\n"});
  Ternd b(TerndOptions{"control-socket: " + socket_b + "\n"});
  ask_www(a);
  // A relative FILE is ternctl's, made absolute for ternd.
  const std::string file = dir.path + "/dump.cache";
  const std::string relative = std::filesystem::relative(file).string();
  REQUIRE(relative.front() != '/');
  const CtlReply dump = ternctl(socket_a, dir.path, {"cache", "dump", "--binary", relative});
  INFO(dump.out);
  REQUIRE(dump.code == 0);
  CHECK(dump.out.find("entries written to " + file) != std::string::npos);

  const CtlReply load = ternctl(socket_b, dir.path, {"cache", "load", file});
  INFO(load.out);
  REQUIRE(load.code == 0);
  CHECK(load.out.find("entries loaded") != std::string::npos);
  CHECK(load.out.find("skipped") == std::string::npos);
  const std::uint64_t upstream_before = stat(socket_b, dir.path, "upstream.queries");
  ask_www(b);
  CHECK(stat(socket_b, dir.path, "upstream.queries") == upstream_before);

  SECTION("a truncated file: what is whole loads, the cut is reported") {
    const std::string bytes = read_file(file);
    REQUIRE(bytes.size() > 40);
    std::ofstream(dir.path + "/cut.cache", std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 20);
    const CtlReply cut = ternctl(socket_b, dir.path, {"cache", "load", dir.path + "/cut.cache"});
    INFO(cut.out);
    CHECK(cut.code == 0);
    CHECK(cut.out.find("truncated") != std::string::npos);
    CHECK(b.log().find("truncated") != std::string::npos);
  }
  SECTION("not a cache file: nothing loaded, the command fails") {
    std::ofstream(dir.path + "/junk.cache") << "hello\n";
    const CtlReply junk = ternctl(socket_b, dir.path, {"cache", "load", dir.path + "/junk.cache"});
    CHECK(junk.code == 1);
    CHECK(junk.out.find("not a tern cache file") != std::string::npos);
    const CtlReply missing = ternctl(socket_b, dir.path, {"cache", "load", dir.path + "/none.cache"});
    CHECK(missing.code == 1);
    CHECK(missing.out.find("No such file") != std::string::npos);
  }
}
