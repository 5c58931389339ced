// Where the programs under test are: compiled in by meson, overridable from the environment.
#pragma once

#include <string>

namespace tern::itest {

/// ternd: $TERN_ITEST_TERND, else the build's daemon/ternd (TERN_ITEST_TERND_PATH).
std::string ternd_path();
/// ternctl: $TERN_ITEST_TERNCTL, else the build's daemon/ternctl (TERN_ITEST_TERNCTL_PATH).
std::string ternctl_path();
/// Whether the ternd under test is built with AddressSanitizer: this binary is
/// (__SANITIZE_ADDRESS__), or $TERN_ITEST_TERND_SANITIZED is 1 (tests/run.sh points the plain
/// binary at the build-asan ternd). Its RSS then measures the sanitizer, not ternd.
bool ternd_is_sanitized();
/// The source tree (for zones/lab.sh and zone files): $TERN_ITEST_SOURCE_ROOT, else the build's.
std::string source_root();
/// A fresh directory under /tmp (mkdtemp), named after `tag`.
std::string make_temp_dir(const std::string& tag);

/// A directory from make_temp_dir, removed at scope exit unless the running test failed.
struct TempDir {
  std::string path;
  explicit TempDir(const std::string& tag = "tmp") : path(make_temp_dir(tag)) {}
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// Writes `text` to path/name and returns the full path.
  std::string write(const std::string& name, const std::string& text) const;
};

}  // namespace tern::itest
