#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, builds tern, runs every suite,
# and ends with one line "N passed, N failed". Needs root: the labs' NSD servers bind port 53 on
# 127.54/16 and 127.55/16, the socket-level resolver tests 127.77/16.
#
# Four build trees, each for what needs it (a fresh 2-core machine has to finish in 25 minutes):
#   build       plain (-O2): every suite, the integration suite in two shards side by side;
#   build-asan  ASan+UBSan, halting on the first error: the unit and resolver suites compiled
#               with it, and ternd itself, which the plain integration binary then drives (the
#               integration suite is ternd's input from outside: the test binary need not be
#               sanitized, the daemon must; a sanitized tree does not build it);
#   build-tsan  ThreadSanitizer: the cache concurrency suite only;
#   build-fuzz  clang libFuzzer targets, regressions and seeds replayed, then 60 s each.
# Most of a suite's wall time is waiting (TTLs expiring, servers timing out), so each tree
# after the first compiles at the lowest CPU priority while the suite before it runs: the
# tests get the CPU when they want it, the compiler the rest.
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
count() {  # count DIR: add the results of DIR's last meson test run
  local ok bad
  ok=$(grep -c '"result": "OK"' "$1/meson-logs/testlog.json" || true)
  bad=$(grep -c '"result": "\(FAIL\|TIMEOUT\|ERROR\)"' "$1/meson-logs/testlog.json" || true)
  passed=$((passed + ok))
  failed=$((failed + bad))
}
tally() {  # tally NAME COMMAND...: one pass or fail for a command
  if "${@:2}"; then passed=$((passed + 1)); else echo "== $1 FAILED"; failed=$((failed + 1)); fi
}

# in_background NAME COMMAND...: runs COMMAND at nice 19, output in build-logs/NAME.log; its pid
# in $bg_pid. finish_background NAME PID: waits for it; on failure shows the log's end.
mkdir -p build-logs
in_background() {
  nice -n 19 "${@:2}" >"build-logs/$1.log" 2>&1 &
  bg_pid=$!
}
finish_background() {
  if wait "$2"; then return 0; fi
  echo "== $1 FAILED:"; tail -n 60 "build-logs/$1.log"; return 1
}

echo "== building build"
ninja -C build
in_background build-asan ninja -C build-asan
asan_build=$bg_pid
echo "== testing build (build-asan compiling meanwhile, nice 19)"
meson test -C build --no-rebuild --print-errorlogs --num-processes 2 || true
count build

echo "== building and testing build-asan (everything but the integration binary and the tools)"
finish_background build-asan "$asan_build"
ninja -C build-asan  # a no-op when the background build succeeded; its errors here if not
meson test -C build-asan --no-rebuild --print-errorlogs --num-processes 2 || true
count build-asan

# The tsan and fuzz trees compile while the sanitized integration suite runs.
fuzz_targets=(fuzz_wire fuzz_response fuzz_cache fuzz_dnssec fuzz_proxy fuzz_cache_file fuzz_rpz fuzz_doh fuzz_l2_value
  fuzz_http)
in_background build-tsan ninja -C build-tsan tests/unit/cache_concurrency_tests
tsan_build=$bg_pid
in_background build-fuzz env FUZZ_BUILD_ONLY=1 tests/fuzz/run-fuzz.sh "${fuzz_targets[@]}"
fuzz_build=$bg_pid

# The integration suite against the build-asan ternd, both shards at once (as in build's
# meson test; tests/integration/meson.build names the shards' files).
echo "== testing build-asan: the integration suite driving the sanitized ternd"
shard_a=$(python3 - <<'EOF'
import re
text = open("tests/integration/meson.build").read()
block = re.search(r"integration_shard_a = \[(.*?)\]", text, re.S).group(1)
names = re.findall(r"'([^']+)'", block)
print(",".join("[#%s]" % n for n in names), "".join("~[#%s]" % n for n in names))
EOF
)
read -r spec_a spec_b <<<"$shard_a"
asan_env=(TERN_ITEST_TERND="$PWD/build-asan/daemon/ternd" TERN_ITEST_TERNCTL="$PWD/build-asan/daemon/ternctl"
  TERN_ITEST_TERND_SANITIZED=1 TERN_ITEST_SOURCE_ROOT="$PWD")
mkdir -p build-asan/integration
env "${asan_env[@]}" TERN_ITEST_LAB_NET=127.54 TERN_ITEST_PORT_BASE=15000 \
  build/tests/integration/integration_tests -# "$spec_a" >build-asan/integration/a.log 2>&1 &
pid_a=$!
env "${asan_env[@]}" TERN_ITEST_LAB_NET=127.55 TERN_ITEST_PORT_BASE=20000 \
  build/tests/integration/integration_tests -# "$spec_b" >build-asan/integration/b.log 2>&1 &
pid_b=$!
for shard in a b; do
  pid_var=pid_$shard
  if wait "${!pid_var}"; then
    passed=$((passed + 1)); tail -n 2 "build-asan/integration/$shard.log"
  else
    failed=$((failed + 1)); echo "== integration-asan-$shard FAILED:"; tail -n 80 "build-asan/integration/$shard.log"
  fi
done

# ThreadSanitizer watches the shared cache under many threads (the concurrency suite only:
# asio's own internals are not TSan-instrumented in Debian's build).
echo "== building and testing build-tsan (cache concurrency)"
finish_background build-tsan "$tsan_build" || true
ninja -C build-tsan tests/unit/cache_concurrency_tests
tally cache-concurrency-tsan env TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/unit/cache_concurrency_tests

# libFuzzer targets (clang-14, ASan+UBSan): regressions and seeds replayed, then 60 s each.
finish_background build-fuzz "$fuzz_build" || true
echo "== building and running build-fuzz (libFuzzer: ${fuzz_targets[*]}, 60 s each, side by side)"
mkdir -p build-fuzz
FUZZ_PARALLEL=1 tests/fuzz/run-fuzz.sh "${fuzz_targets[@]}" | tee build-fuzz/suite.log || true
clean=$(grep -c '^fuzz: .* clean:' build-fuzz/suite.log || true)
passed=$((passed + clean))
failed=$((failed + ${#fuzz_targets[@]} - clean))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
