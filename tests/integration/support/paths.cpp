#include "support/paths.hpp"

#include "support/failures.hpp"

#include <exception>
#include <filesystem>
#include <fstream>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#ifndef TERN_ITEST_TERND_PATH
#define TERN_ITEST_TERND_PATH ""
#endif
#ifndef TERN_ITEST_TERNCTL_PATH
#define TERN_ITEST_TERNCTL_PATH ""
#endif
#ifndef TERN_ITEST_SOURCE_ROOT
#define TERN_ITEST_SOURCE_ROOT ""
#endif

namespace tern::itest {

namespace {
std::string from_env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}
}  // namespace

std::string ternd_path() { return from_env("TERN_ITEST_TERND", TERN_ITEST_TERND_PATH); }

std::string ternctl_path() { return from_env("TERN_ITEST_TERNCTL", TERN_ITEST_TERNCTL_PATH); }

bool ternd_is_sanitized() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#else
  return from_env("TERN_ITEST_TERND_SANITIZED", "0") == std::string("1");
#endif
}

std::string source_root() { return from_env("TERN_ITEST_SOURCE_ROOT", TERN_ITEST_SOURCE_ROOT); }

std::string make_temp_dir(const std::string& tag) {
  std::string pattern = "/tmp/tern-itest-" + tag + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr)
    throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
  return buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!keep_current_artifacts() && std::uncaught_exceptions() == 0) std::filesystem::remove_all(path, ec);
}

std::string TempDir::write(const std::string& name, const std::string& text) const {
  std::string file = path + "/" + name;
  std::ofstream out(file, std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file);
  return file;
}

}  // namespace tern::itest
