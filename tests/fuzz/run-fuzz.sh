#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 under ASan+UBSan (build-fuzz/), replays every
# committed regression input and seed, then fuzzes each target for FUZZ_SECONDS (default 60)
# starting from its seed corpus. Any crash, leak, invariant failure, timeout (> 5 s per input)
# or RSS over 2 GB fails the run; the input is left in $FUZZ_ARTIFACTS (default build-fuzz/
# fuzz-artifacts/). Usage: tests/fuzz/run-fuzz.sh [target...]   (default: all three)
# Longer runs by hand: FUZZ_SECONDS=3600 tests/fuzz/run-fuzz.sh fuzz_wire
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-build-fuzz}
artifacts=${FUZZ_ARTIFACTS:-$build/fuzz-artifacts}
targets=("$@")
((${#targets[@]})) || targets=(fuzz_wire fuzz_response fuzz_cache)

if [ -f "$build/build.ninja" ]; then meson setup --reconfigure "$build" >/dev/null
else
  CXX=clang++-14 meson setup "$build" -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$build" -j"${FUZZ_JOBS:-2}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
mkdir -p "$artifacts"
status=0
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/$t
  # Regressions and seeds first: each must run clean (-runs=0 executes only the given inputs).
  for dir in tests/fuzz/regressions/$t tests/fuzz/corpus/$t; do
    [ -d "$dir" ] || continue
    if ! "$bin" -runs=0 "$dir" >"$artifacts/$t.replay.log" 2>&1; then
      echo "fuzz: $t fails on an input in $dir:"; tail -n 30 "$artifacts/$t.replay.log"; status=1; continue 2
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
  else
    echo "fuzz: $t FAILED (input saved under $artifacts/):"; grep -m 3 -E 'ERROR|invariant|runtime error' "$artifacts/$t.log" || tail -n 30 "$artifacts/$t.log"
    status=1
  fi
  rm -rf "$work"
done
exit $status
