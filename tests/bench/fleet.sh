#!/usr/bin/env bash
# tests/bench/fleet.sh: what a shared Redis cache buys a fleet of ternd behind dnsdist
# (zones/fleet.sh), in one run, printed as the table README shows:
#   - upstream queries per 1000 client queries and the hit ratio with 1, 2 and 3 instances,
#     for roundrobin without L2, chashed without L2 and roundrobin with L2;
#   - a new instance joining a warm fleet: its hit ratio over its first queries, with and
#     without L2;
#   - Redis killed under load: SERVFAILs (against the same run without the kill) and p99;
#   - Redis slowed by a delay relay beyond redis-timeout: timeouts before the breaker opened,
#     and the p99 meanwhile;
#   - a restart with cache-save-file (when the ternd built knows it): the hit ratio after it.
# The workload: NAMES distinct names under the lab's wildcard (*.wild.example.lab), each asked
# REPEAT times in a shuffled order (a fixed seed), sent by dnsperf through dnsdist.
# Every process is started and stopped by pid (zones/fleet.sh); the lab is started once here.
set -euo pipefail

SCRIPT_NAME=fleet.sh
REPO_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
NAMES=1000
REPEAT=5
OUTSTANDING=20
LOAD_SECONDS=8
SLOW_MS=100
LOAD_NAMES=20000
SECTIONS="size join load restart"
KEEP=0

usage() {
  cat <<EOF
usage: tests/bench/fleet.sh [--names N] [--repeat N] [--outstanding N] [--load-seconds N] [--keep]
  --names N         distinct names of the workload (default $NAMES)
  --repeat N        times each is asked (default $REPEAT): queries = names x repeat
  --outstanding N   dnsperf -q (default $OUTSTANDING)
  --load-seconds N  length of the Redis-outage and slow-Redis runs (default $LOAD_SECONDS)
  --slow-ms N       one-way delay the relay adds in front of Redis (default $SLOW_MS; redis-timeout is 50)
  --load-names N    distinct names of the outage runs, each asked twice (default $LOAD_NAMES):
                    misses all along, so that Redis is asked while it is down or slow
  --sections "S.."  which parts to run, of: size join load restart (default all)
  --keep            keep the temporary directory
env: LAB_NET (default 127.53), TERND, TERNCTL, DELAY_RELAY as zones/fleet.sh
EOF
}

while [ $# -gt 0 ]; do
  case $1 in
    --names) NAMES=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --outstanding) OUTSTANDING=$2; shift 2 ;;
    --load-seconds) LOAD_SECONDS=$2; shift 2 ;;
    --slow-ms) SLOW_MS=$2; shift 2 ;;
    --load-names) LOAD_NAMES=$2; shift 2 ;;
    --sections) SECTIONS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

source "$REPO_DIR/tests/bench/common.sh"
need_tools dnsperf dig redis-server redis-cli dnsdist
export LAB_NET=${LAB_NET:-127.53}
TMP=$(mktemp -d /tmp/tern-fleet-bench.XXXXXX)
export FLEET_DIR=$TMP/fleet LAB_DIR=$TMP/lab
FLEET=$REPO_DIR/zones/fleet.sh
NET=$LAB_NET.250
PORT=53
LOAD_PID=

cleanup() {
  stop_pid "$LOAD_PID"
  "$FLEET" down >/dev/null 2>&1 || true
  stop_lab "$LAB_DIR"
  if [ "$KEEP" = 1 ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

names_file() {  # names_file PREFIX FILE: NAMES names x REPEAT, shuffled with a fixed seed
  local i r
  for ((r = 0; r < REPEAT; r++)); do
    for ((i = 1; i <= NAMES; i++)); do echo "$1$i.wild.example.lab A"; done
  done | shuf --random-source=<(yes tern) >"$2"
}

stat() { awk -F= -v k="$2" '$1 == k { print $2 }' "$1"; }

# delta BEFORE AFTER KEY: how much a counter grew
delta() { echo $(($(stat "$2" "$3" || echo 0) - $(stat "$1" "$3" || echo 0))); }

# measure STATS_BEFORE STATS_AFTER QUERIES: "upstream/1000 hit-ratio"
measure() {
  local up hits l2 misses
  up=$(delta "$1" "$2" upstream.queries)
  hits=$(delta "$1" "$2" cache.hits)
  l2=$(delta "$1" "$2" l2.hits)
  misses=$(delta "$1" "$2" cache.misses)
  awk -v up="$up" -v q="$3" -v h="$hits" -v l2="$l2" -v m="$misses" \
    'BEGIN { printf "%.0f %.3f\n", up * 1000 / q, (h + l2) / ((h + m) > 0 ? h + m : 1) }'
}

dnsperf_run() {  # dnsperf_run SERVER PORT FILE OUT [EXTRA...]: one pass of FILE, -v for latencies
  local server=$1 port=$2 file=$3 out=$4
  shift 4
  dnsperf -s "$server" -p "$port" -d "$file" -q "$OUTSTANDING" -c 4 -t 5 -v "$@" >"$out" 2>&1 || true
}

p99_ms() {  # from dnsperf -v lines: "> RCODE NAME TYPE SECONDS"
  awk '/^> / { print $NF * 1000 }' "$1" | sort -n |
    awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } i = int(NR * 0.99); if (i < 1) i = 1; printf "%.1f\n", v[i] }'
}

note "lab on $LAB_NET (LAB_DIR $LAB_DIR)"
start_lab "$LAB_NET" "$LAB_DIR"
QUERIES=$((NAMES * REPEAT))
RESULTS=$TMP/results.txt
: >"$RESULTS"

section() { [[ " $SECTIONS " == *" $1 "* ]]; }

# ---- 1. upstream per 1000 and hit ratio, by fleet size and policy --------------------------
section size && for config in "roundrobin 0" "chashed 0" "roundrobin 1"; do
  read -r policy l2 <<<"$config"
  for n in 1 2 3; do
    names_file "s$policy$l2$n-" "$TMP/names.txt"
    FLEET_N=$n FLEET_POLICY=$policy FLEET_L2=$l2 FLEET_SAVE=0 "$FLEET" up >"$TMP/up.log" 2>&1 ||
      { cat "$TMP/up.log" >&2; die "fleet up failed"; }
    "$FLEET" stats >"$TMP/before.txt"
    dnsperf_run "$NET.2" "$PORT" "$TMP/names.txt" "$TMP/perf.txt"
    "$FLEET" stats >"$TMP/after.txt"
    read -r per1000 ratio <<<"$(measure "$TMP/before.txt" "$TMP/after.txt" "$QUERIES")"
    echo "size $policy l2=$l2 n=$n $per1000 $ratio $(rcode_count "$TMP/perf.txt" SERVFAIL)" | tee -a "$RESULTS" >&2
    "$FLEET" down >/dev/null
  done
done

# ---- 2. a new instance joining a warm fleet -------------------------------------------------
section join && for l2 in 0 1; do
  names_file "j$l2-" "$TMP/names.txt"
  FLEET_N=3 FLEET_POLICY=roundrobin FLEET_L2=$l2 FLEET_SAVE=0 "$FLEET" up >"$TMP/up.log" 2>&1 ||
    { cat "$TMP/up.log" >&2; die "fleet up failed"; }
  dnsperf_run "$NET.2" "$PORT" "$TMP/names.txt" "$TMP/perf.txt"  # warm the fleet
  "$FLEET" add >/dev/null
  "$FLEET" stats 4 >"$TMP/before.txt"
  dnsperf_run "$NET.14" 53 "$TMP/names.txt" "$TMP/perf.txt"
  "$FLEET" stats 4 >"$TMP/after.txt"
  read -r per1000 ratio <<<"$(measure "$TMP/before.txt" "$TMP/after.txt" "$QUERIES")"
  echo "join l2=$l2 $per1000 $ratio" | tee -a "$RESULTS" >&2
  "$FLEET" down >/dev/null
done

# ---- 3. Redis killed under load, and Redis slowed -------------------------------------------
timed_load() {  # timed_load OUT: LOAD_SECONDS of fresh names through dnsdist, in the background
  NAMES=$LOAD_NAMES REPEAT=2 names_file "k$RANDOM-" "$TMP/load.txt"
  dnsperf -s "$NET.2" -p "$PORT" -d "$TMP/load.txt" -q "$OUTSTANDING" -c 4 -t 5 -v -l "$LOAD_SECONDS" \
    >"$1" 2>&1 &
  LOAD_PID=$!
}
section load && for kill_it in 0 1; do
  FLEET_N=3 FLEET_POLICY=roundrobin FLEET_L2=1 FLEET_SAVE=0 "$FLEET" up >"$TMP/up.log" 2>&1 ||
    { cat "$TMP/up.log" >&2; die "fleet up failed"; }
  timed_load "$TMP/perf.txt"
  sleep $((LOAD_SECONDS / 3))
  [ "$kill_it" = 1 ] && "$FLEET" redis-kill
  wait "$LOAD_PID" || true
  LOAD_PID=
  "$FLEET" stats >"$TMP/after.txt"
  echo "outage kill=$kill_it $(field "$TMP/perf.txt" "Queries completed:") $(rcode_count "$TMP/perf.txt" SERVFAIL)" \
    "$(p99_ms "$TMP/perf.txt") $(stat "$TMP/after.txt" l2.errors) $(stat "$TMP/after.txt" l2.breaker-opened)" |
    tee -a "$RESULTS" >&2
  "$FLEET" down >/dev/null
done
if section load; then
FLEET_N=3 FLEET_POLICY=roundrobin FLEET_L2=1 FLEET_SAVE=0 REDIS_DELAY_MS=$SLOW_MS "$FLEET" up >"$TMP/up.log" 2>&1 ||
  { cat "$TMP/up.log" >&2; die "fleet up failed"; }
"$FLEET" stats >"$TMP/before.txt"
timed_load "$TMP/perf.txt"
wait "$LOAD_PID" || true
LOAD_PID=
"$FLEET" stats >"$TMP/after.txt"
echo "slow delay=$SLOW_MS $(field "$TMP/perf.txt" "Queries completed:") $(rcode_count "$TMP/perf.txt" SERVFAIL)" \
  "$(p99_ms "$TMP/perf.txt") $(delta "$TMP/before.txt" "$TMP/after.txt" l2.timeouts)" \
  "$(delta "$TMP/before.txt" "$TMP/after.txt" l2.breaker-opened) $(delta "$TMP/before.txt" "$TMP/after.txt" l2.skipped)" |
  tee -a "$RESULTS" >&2
"$FLEET" down >/dev/null
fi

# ---- 4. a restart with cache-save-file ------------------------------------------------------
if section restart; then
FLEET_N=1 FLEET_L2=0 "$FLEET" up >"$TMP/up.log" 2>&1 || { cat "$TMP/up.log" >&2; die "fleet up failed"; }
if [ "$(cat "$FLEET_DIR/save")" = 1 ]; then
  names_file "r-" "$TMP/names.txt"
  dnsperf_run "$NET.2" "$PORT" "$TMP/names.txt" "$TMP/perf.txt"
  "$FLEET" restart-ternd 1 >/dev/null
  "$FLEET" stats 1 >"$TMP/before.txt"
  dnsperf_run "$NET.2" "$PORT" "$TMP/names.txt" "$TMP/perf.txt"
  "$FLEET" stats 1 >"$TMP/after.txt"
  read -r per1000 ratio <<<"$(measure "$TMP/before.txt" "$TMP/after.txt" "$QUERIES")"
  echo "restart saved=1 $per1000 $ratio" | tee -a "$RESULTS" >&2
else
  echo "restart saved=0 - -" | tee -a "$RESULTS" >&2
fi
"$FLEET" down >/dev/null
fi

# ---- the table ------------------------------------------------------------------------------
echo
echo "fleet bench: $NAMES names x $REPEAT = $QUERIES queries per run, dnsperf -q $OUTSTANDING, $(nproc) cores"
echo
echo "| policy | L2 | instances | upstream / 1000 queries | hit ratio |"
echo "|---|---|---|---|---|"
awk '$1 == "size" { printf "| %s | %s | %s | %s | %s |\n", $2, ($3 == "l2=1" ? "yes" : "no"), substr($4, 3), $5, $6 }' "$RESULTS"
echo
echo "| new instance joining a warm fleet of 3 | upstream / 1000 | hit ratio of its first $QUERIES |"
echo "|---|---|---|"
awk '$1 == "join" { printf "| %s | %s | %s |\n", ($2 == "l2=1" ? "with L2" : "without L2"), $3, $4 }' "$RESULTS"
echo
echo "| Redis under load (${LOAD_SECONDS} s, 3 instances) | queries | SERVFAIL | p99 ms | other |"
echo "|---|---|---|---|---|"
awk '$1 == "outage" { printf "| %s | %s | %s | %s | l2.errors %s, breaker opened %s |\n",
       ($2 == "kill=1" ? "killed at " int('"$LOAD_SECONDS"' / 3) " s" : "up throughout"), $3, $4, $5, $6, $7 }
     $1 == "slow" { printf "| slowed (+%s ms each way) | %s | %s | %s | timeouts %s before breakers opened %s times; %s lookups skipped |\n",
       substr($2, 7), $3, $4, $5, $6, $7, $8 }' "$RESULTS"
echo
awk '$1 == "restart" { if ($2 == "saved=1") printf "restart with cache-save-file: upstream/1000 %s, hit ratio %s over the first %d queries\n", $3, $4, '"$QUERIES"';
     else print "restart with cache-save-file: not measured (this ternd has no cache-save-file)" }' "$RESULTS"
