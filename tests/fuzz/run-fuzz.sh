#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 under ASan+UBSan (build-fuzz/), replays every
# committed regression input and seed, then fuzzes each target for FUZZ_SECONDS (default 60)
# starting from its seed corpus. Any crash, leak, invariant failure, timeout (> 5 s per input)
# or RSS over 2 GB fails the run; the input is left in $FUZZ_ARTIFACTS (default build-fuzz/
# fuzz-artifacts/). Usage: tests/fuzz/run-fuzz.sh [target...]   (default: all of them)
# Longer runs by hand: FUZZ_SECONDS=3600 tests/fuzz/run-fuzz.sh fuzz_wire
# FUZZ_PARALLEL=1 fuzzes the targets at the same time (the suite does, to keep its wall time).
# FUZZ_BUILD_ONLY=1 builds the targets and stops.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-build-fuzz}
artifacts=${FUZZ_ARTIFACTS:-$build/fuzz-artifacts}
targets=("$@")
((${#targets[@]})) || targets=(fuzz_wire fuzz_response fuzz_cache fuzz_dnssec fuzz_proxy fuzz_cache_file)

if [ -f "$build/build.ninja" ]; then meson setup --reconfigure "$build" >/dev/null
else
  CXX=clang++-14 meson setup "$build" -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$build" -j"${FUZZ_JOBS:-2}"
# FUZZ_BUILD_ONLY=1: stop here (tests/run.sh builds the tree while other suites run).
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
mkdir -p "$artifacts"
# fuzz_one TARGET: replay its regressions and seeds, then fuzz it; one summary line; 0 = clean.
fuzz_one() {
  local t=$1 bin=$build/tests/fuzz/$1 dir work execs per_s cov
  # Regressions and seeds first: each must run clean (-runs=0 executes only the given inputs).
  for dir in tests/fuzz/regressions/$t tests/fuzz/corpus/$t; do
    [ -d "$dir" ] || continue
    if ! "$bin" -runs=0 "$dir" >"$artifacts/$t.replay.log" 2>&1; then
      echo "fuzz: $t fails on an input in $dir:"; tail -n 30 "$artifacts/$t.replay.log"; return 1
    fi
  done
  # The run mutates a scratch copy: the committed corpus stays small.
  work=$(mktemp -d)
  cp tests/fuzz/corpus/"$t"/* "$work"/
  if "$bin" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$t-" "$work" >"$artifacts/$t.log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$artifacts/$t.log")
    per_s=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$artifacts/$t.log")
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$artifacts/$t.log" | tail -n 1)
    echo "fuzz: $t clean: ${seconds}s, $execs inputs ($per_s/s), $cov, corpus $(ls "$work" | wc -l)"
    rm -rf "$work"
  else
    echo "fuzz: $t FAILED (input saved under $artifacts/):"; grep -m 3 -E 'ERROR|invariant|runtime error' "$artifacts/$t.log" || tail -n 30 "$artifacts/$t.log"
    rm -rf "$work"
    return 1
  fi
}

status=0
if [ "${FUZZ_PARALLEL:-0}" = 1 ]; then
  pids=()
  for t in "${targets[@]}"; do
    fuzz_one "$t" >"$artifacts/$t.summary" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[i]}" || status=1
    cat "$artifacts/${targets[i]}.summary"
  done
else
  for t in "${targets[@]}"; do fuzz_one "$t" || status=1; done
fi
exit $status
