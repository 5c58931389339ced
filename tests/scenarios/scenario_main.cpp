// scenario_tests FILE-OR-DIRECTORY...: plays every *.scn scenario named (directories are
// searched, not recursively), side by side on a few threads, and prints one line per file:
// ok, FAIL (with the first mismatch and its diff), XFAIL (known to fail: the file says why)
// or XPASS (marked known to fail but passed: take the mark off). Exit status 1 when any file
// failed, passed unexpectedly or could not be read; 0 otherwise.
#include "resolver/log.hpp"
#include "tests/scenarios/scenario.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

namespace {

enum class Verdict { ok, fail, xfail, xpass };

struct Result {
  Verdict verdict = Verdict::fail;
  std::string text;
};

Result run_one(const std::string& path) {
  using namespace tern::scenario;
  try {
    const Scenario s = parse_scenario(path);
    const auto mismatch = play_scenario(s);
    if (s.xfail.empty()) return mismatch ? Result{Verdict::fail, "FAIL  " + *mismatch} : Result{Verdict::ok, "ok    " + path};
    if (mismatch) return {Verdict::xfail, "XFAIL " + path + " (" + s.xfail + ")\n" + *mismatch};
    return {Verdict::xpass, "XPASS " + path + ": passes but is marked xfail (" + s.xfail + "): take the mark off"};
  } catch (const std::exception& e) {
    return {Verdict::fail, std::string("FAIL  ") + e.what()};
  }
}

}  // namespace

int main(int argc, char** argv) {
  // The resolver's warnings (priming failed, ...) are what the scenarios provoke on purpose.
  tern::log::threshold = static_cast<int>(tern::log::Level::error);
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& entry : std::filesystem::directory_iterator(p))
        if (entry.path().extension() == ".scn") files.push_back(entry.path().string());
    } else {
      files.push_back(p.string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "usage: scenario_tests FILE-OR-DIRECTORY... (no .scn file found)\n";
    return 2;
  }
  std::vector<Result> results(files.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < files.size();) results[i] = run_one(files[i]);
  };
  const unsigned threads = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), 4));
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();

  std::size_t counts[4] = {};
  for (const Result& r : results) {
    ++counts[static_cast<int>(r.verdict)];
    std::cout << r.text << (r.text.ends_with('\n') ? "" : "\n");
  }
  std::cout << files.size() << " scenarios: " << counts[0] << " ok, " << counts[1] << " failed, " << counts[2]
            << " expected failures, " << counts[3] << " unexpected passes\n";
  return counts[1] + counts[3] > 0 ? 1 : 0;
}
