// include: drop-in configuration files (a file, a glob, a list), merged where the key stands,
// errors naming the included file and its line, cycles refused.
#include "daemon/config/config_loader.hpp"
#include "daemon/config/settings_table.hpp"
#include "tests/unit/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace tern::daemon;
using tern::test::TempDir;

namespace {

/// The error of loading `path`, as "file:line: message" with the temp dir's path cut off.
std::string error_of(const TempDir& dir, const std::string& path, const std::vector<std::string>& overrides = {}) {
  try {
    load_config(path, overrides);
  } catch (const ConfigError& e) {
    std::string text = format_config_error(e);
    const std::string prefix = dir.path().string() + "/";
    for (std::size_t at; (at = text.find(prefix)) != std::string::npos;) text.erase(at, prefix.size());
    return text;
  }
  return "no error";
}

}  // namespace

TEST_CASE("include: drop-ins are read where the key stands, in name order, later values win", "[config][include]") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "conf.d");
  dir.write("conf.d/20-late.yaml", "verbosity: 3\nprefetch: yes\n");
  dir.write("conf.d/10-early.yaml", "verbosity: 2\nserve-stale: yes\n");
  dir.write("conf.d/ignored.conf", "this: is not read\n");
  // Before the include: replaced by the drop-ins; after it: wins over them.
  std::string main = dir.write("ternd.yaml", "verbosity: 0\ninclude: conf.d/*.yaml\ncache-size: 1m\nthreads: 2\n");
  Config c = load_config(main, {});
  CHECK(c.verbosity == 3);  // 10-early then 20-late
  CHECK(c.serve_stale);
  CHECK(c.prefetch);
  CHECK(c.cache_size == 1u << 20);
  CHECK(c.threads == 2);
  main = dir.write("ternd.yaml", "include: conf.d/*.yaml\nverbosity: 1\n");
  CHECK(load_config(main, {}).verbosity == 1);
  // A list of files and patterns, relative to the including file; absolute ones as they are.
  dir.write("one.yaml", "threads: 5\n");
  main = dir.write("ternd.yaml", "include: [conf.d/10-early.yaml, " + (dir.path() / "one.yaml").string() + "]\n");
  c = load_config(main, {});
  CHECK(c.verbosity == 2);
  CHECK(c.threads == 5);
  // A pattern that matches nothing (no conf.d yet) is no error; a named file is needed.
  main = dir.write("ternd.yaml", "include: nothing.d/*.yaml\nthreads: 3\n");
  CHECK(load_config(main, {}).threads == 3);
  main = dir.write("ternd.yaml", "include: []\nthreads: 3\n");
  CHECK(load_config(main, {}).threads == 3);
  main = dir.write("ternd.yaml", "\ninclude: missing.yaml\n");
  CHECK(error_of(dir, main) == "missing.yaml: cannot open: No such file or directory");
  // An included file may be empty or only comments.
  dir.write("empty.yaml", "# nothing yet\n");
  main = dir.write("ternd.yaml", "include: empty.yaml\n");
  CHECK(load_config(main, {}).threads == 0);
  // --dump-config prints the merged settings, not the include (it would read them twice).
  main = dir.write("ternd.yaml", "include: conf.d/*.yaml\n");
  const std::string dump = dump_config(load_config(main, {}));
  CHECK(dump.find("\ninclude: []\n") != std::string::npos);
  CHECK(dump.find("\nverbosity: 3\n") != std::string::npos);
}

TEST_CASE("include: errors name the included file and its line", "[config][include]") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "conf.d");
  dir.write("conf.d/10-ok.yaml", "verbosity: 2\n");
  dir.write("conf.d/20-bad.yaml", "# a comment\nprefetch: yes\nthreads: lots\n");
  const std::string main = dir.write("ternd.yaml", "verbosity: 1\ninclude: conf.d/*.yaml\n");
  CHECK(error_of(dir, main) ==
        "conf.d/20-bad.yaml:3: threads: 'lots' is not a number (0..256, or auto)");
  dir.write("conf.d/20-bad.yaml", "verbosty: 2\n");
  CHECK(error_of(dir, main) == "conf.d/20-bad.yaml:1: unknown setting 'verbosty' (did you mean 'verbosity'?)");
  dir.write("conf.d/20-bad.yaml", "a: [\n");
  CHECK(error_of(dir, main).starts_with("conf.d/20-bad.yaml:"));
  // The shape of the include itself.
  const std::string bad = dir.write("bad.yaml", "threads: 1\ninclude: {a: b}\n");
  CHECK(error_of(dir, bad).starts_with("bad.yaml:2: include: "));
  CHECK(error_of(dir, bad, {}) != "no error");
  const std::string good = dir.write("good.yaml", "threads: 1\n");
  CHECK(error_of(dir, good, {"include=conf.d/*.yaml"}) ==
        "--set include=conf.d/*.yaml: include is read from a file, not from --set");
}

TEST_CASE("include: a cycle is refused, naming the include that closes it", "[config][include]") {
  TempDir dir;
  dir.write("a.yaml", "verbosity: 2\ninclude: b.yaml\n");
  dir.write("b.yaml", "include: a.yaml\n");
  CHECK(error_of(dir, (dir.path() / "a.yaml").string()) ==
        "b.yaml:1: include: a.yaml is already being read (an include cycle)");
  dir.write("self.yaml", "include: ./*.yaml\n");
  CHECK(error_of(dir, (dir.path() / "self.yaml").string()).find("an include cycle") != std::string::npos);
  // The same file twice, one after the other, is no cycle.
  dir.write("c.yaml", "threads: 4\n");
  dir.write("twice.yaml", "include: [c.yaml, c.yaml]\n");
  CHECK(load_config((dir.path() / "twice.yaml").string(), {}).threads == 4);
}
