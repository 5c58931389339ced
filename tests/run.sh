#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, builds tern twice (plain, and
# with ASan+UBSan that halt on the first error), runs every suite in both builds, and ends with
# one line "N passed, N failed". Needs root: the lab's NSD servers bind port 53 on 127.54/16.
set -euo pipefail
cd "$(dirname "$0")/.."

.ci/install-deps

# ccache (installed by install-deps, picked up by meson) keeps compiled objects between runs;
# the base dir makes its keys independent of where the clone lives.
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1

setup() {  # setup DIR [meson options]: configure once, reconfigure when meson.build changed
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then meson setup --reconfigure "$dir" "$@" >/dev/null
  else meson setup "$dir" "$@" >/dev/null; fi
}
setup build -Ddebug=false
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug -Doptimization=0
setup build-tsan -Db_sanitize=thread -Db_lundef=false -Dbuildtype=debug -Doptimization=1

export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

passed=0 failed=0
for dir in build build-asan; do
  echo "== building $dir"
  ninja -C "$dir"
  echo "== testing $dir"
  if meson test -C "$dir" --print-errorlogs --num-processes 2; then
    result=$(grep -c '"result": "OK"' "$dir/meson-logs/testlog.json" || true)
  else
    result=$(grep -c '"result": "OK"' "$dir/meson-logs/testlog.json" || true)
  fi
  bad=$(grep -c '"result": "\(FAIL\|TIMEOUT\|ERROR\)"' "$dir/meson-logs/testlog.json" || true)
  passed=$((passed + result))
  failed=$((failed + bad))
done
# ThreadSanitizer watches the shared cache under many threads (the concurrency suite only:
# asio's own internals are not TSan-instrumented in Debian's build).
echo "== building and testing build-tsan (cache concurrency)"
ninja -C build-tsan tests/unit/cache_concurrency_tests
if TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/unit/cache_concurrency_tests; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi
# libFuzzer targets (clang-14, ASan+UBSan): regressions and seeds replayed, then 60 s each.
echo "== building and running build-fuzz (libFuzzer, the three targets 60 s each, side by side)"
mkdir -p build-fuzz
FUZZ_PARALLEL=1 tests/fuzz/run-fuzz.sh fuzz_wire fuzz_response fuzz_cache | tee build-fuzz/suite.log || true
clean=$(grep -c '^fuzz: .* clean:' build-fuzz/suite.log || true)
passed=$((passed + clean))
failed=$((failed + 3 - clean))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
