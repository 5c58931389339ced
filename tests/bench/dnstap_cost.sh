#!/usr/bin/env bash
# tests/bench/dnstap_cost.sh: what dnstap's client-response logging costs the cache-hit path.
# One run, two ternd processes side by side on the same lab: one without dnstap, one sending a
# CLIENT_RESPONSE message for every answer (dnstap-log-client-response: yes) to Debian's
# fstrm_capture on a unix socket (writing to /dev/null). Both are warmed with the same lab names
# and then take turns under the same unthrottled dnsperf load, --rounds slices each, so that a
# change in the machine's load falls on both; each slice counts the measured process's CPU
# seconds (/proc/PID/stat). Prints QPS, QPS per CPU-second and the cost as a markdown table,
# and the on side's dnstap.sent / dnstap.dropped. A measurement, not a test: nothing asserted.
#
#   LAB_NET=127.66 tests/bench/dnstap_cost.sh [--build-dir DIR] [--seconds N] [--rounds N]
#
# Root is needed for the lab (NSD binds port 53 on $LAB_NET.x.y). Every process it starts is
# stopped by its pid at exit.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd -- "$SCRIPT_DIR/../.." && pwd)
SCRIPT_NAME=dnstap_cost.sh
# shellcheck source=common.sh
. "$SCRIPT_DIR/common.sh"

BUILD_DIR=$REPO_DIR/build
SECONDS_RUN=12       # dnsperf time per server, split over the rounds
ROUNDS=3
CLIENTS=8
DNSPERF_THREADS=2
OUTSTANDING=100
THREADS=1            # worker threads of each ternd
LAB_NET=${LAB_NET:-127.58}
WAIT_SECONDS=20

while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --seconds) need_int --seconds "$2"; SECONDS_RUN=$2; shift 2 ;;
    --rounds) need_int --rounds "$2"; ROUNDS=$2; shift 2 ;;
    --threads) need_int --threads "$2"; THREADS=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) die "unknown option $1 (--help)" ;;
  esac
done
((ROUNDS > 0)) || die "--rounds must be at least 1"
need_tools dnsperf dig fstrm_capture nsd
TERND=$BUILD_DIR/daemon/ternd
TERNCTL=$BUILD_DIR/daemon/ternctl
[ -x "$TERND" ] || die "$TERND not built (ninja -C $BUILD_DIR daemon/ternd daemon/ternctl)"

TMP=$(mktemp -d /tmp/tern-dnstap-cost.XXXXXX)
LAB_DIR=$TMP/lab
LAB_STARTED=0 OFF_PID= ON_PID= CAPTURE_PID=
cleanup() {
  stop_pid "$OFF_PID"
  stop_pid "$ON_PID"
  stop_pid "$CAPTURE_PID"
  ((LAB_STARTED)) && stop_lab "$LAB_DIR"
  rm -rf "$TMP"
}
trap cleanup EXIT

note "lab on $LAB_NET"
mkdir -p "$LAB_DIR"
start_lab "$LAB_NET" "$LAB_DIR"
LAB_STARTED=1

fstrm_capture -t protobuf:dnstap.Dnstap -u "$TMP/tap.sock" -w /dev/null >"$TMP/capture.log" 2>&1 &
CAPTURE_PID=$!
for ((i = 0; i < 50; i++)); do [ -S "$TMP/tap.sock" ] && break; sleep 0.1; done
[ -S "$TMP/tap.sock" ] || die "fstrm_capture did not open $TMP/tap.sock"

OFF_PORT=$(pick_port)
ON_PORT=$(pick_port "$OFF_PORT")
ternd_config "$OFF_PORT" "$THREADS" 64 "$LAB_DIR/root.hints" "dnssec: no" >"$TMP/off.yaml"
ternd_config "$ON_PORT" "$THREADS" 64 "$LAB_DIR/root.hints" "dnssec: no
dnstap-socket: $TMP/tap.sock
dnstap-log-client-response: yes" | sed "s|^control-socket: \"\"|control-socket: $TMP/on.ctl|" >"$TMP/on.yaml"
"$TERND" -d -c "$TMP/off.yaml" >"$TMP/off.log" 2>&1 &
OFF_PID=$!
"$TERND" -d -c "$TMP/on.yaml" >"$TMP/on.log" 2>&1 &
ON_PID=$!
wait_answer "ternd (dnstap off)" "$OFF_PID" "$OFF_PORT" "$TMP/off.log"
wait_answer "ternd (dnstap on)" "$ON_PID" "$ON_PORT" "$TMP/on.log"

# Cache hits: lab names that answer NOERROR, each warmed (and checked) on both.
cat >"$TMP/names" <<'NAMES'
www.example.lab A
www.example.lab AAAA
www.example.lab MX
mail.example.lab A
ftp.example.lab A
multi.example.lab A
db.shop.lab A
www.shop.lab A
www.glueless.corp A
NAMES
while read -r name type; do
  for port in "$OFF_PORT" "$ON_PORT"; do
    dig +tries=2 +time=2 -p "$port" @127.0.0.1 "$name" "$type" | grep -q 'status: NOERROR' ||
      die "$name $type did not resolve on port $port"
  done
done <"$TMP/names"

CLK_TCK=$(getconf CLK_TCK)
SLICE=$(((SECONDS_RUN + ROUNDS - 1) / ROUNDS))
declare -A QUERIES=([off]=0 [on]=0) TICKS=([off]=0 [on]=0) WALL=([off]=0 [on]=0)
for ((round = 1; round <= ROUNDS; round++)); do
  for side in off on; do
    if [ "$side" = off ]; then pid=$OFF_PID port=$OFF_PORT; else pid=$ON_PID port=$ON_PORT; fi
    cpu_ticks "$pid"; before=$CPU_TICKS
    dnsperf -s 127.0.0.1 -p "$port" -d "$TMP/names" -l "$SLICE" -c "$CLIENTS" -T "$DNSPERF_THREADS" \
      -q "$OUTSTANDING" >"$TMP/$side-$round.out" 2>&1 || die "dnsperf failed: $(tail -n 5 "$TMP/$side-$round.out")"
    cpu_ticks "$pid"
    TICKS[$side]=$((TICKS[$side] + CPU_TICKS - before))
    completed=$(field "$TMP/$side-$round.out" "Queries completed:")
    QUERIES[$side]=$((QUERIES[$side] + completed))
    WALL[$side]=$((WALL[$side] + SLICE))
    note "round $round, dnstap $side: $completed answers in ${SLICE}s"
  done
done

stats=$("$TERNCTL" -s "$TMP/on.ctl" stats 2>/dev/null || true)
sent=$(sed -n 's/^dnstap.sent=//p' <<<"$stats")
dropped=$(sed -n 's/^dnstap.dropped=//p' <<<"$stats")

echo "| ternd ($THREADS thread(s)) | QPS | CPU s | QPS per CPU-second |"
echo "|---|---:|---:|---:|"
declare -A PER_CPU
for side in off on; do
  cpu=$(awk -v t="${TICKS[$side]}" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
  qps=$(awk -v q="${QUERIES[$side]}" -v w="${WALL[$side]}" 'BEGIN { printf "%.0f", q / w }')
  PER_CPU[$side]=$(awk -v q="${QUERIES[$side]}" -v t="${TICKS[$side]}" -v hz="$CLK_TCK" \
    'BEGIN { printf "%.0f", t ? q / (t / hz) : 0 }')
  label="dnstap off"
  [ "$side" = on ] && label="dnstap-log-client-response: yes"
  echo "| $label | $qps | $cpu | ${PER_CPU[$side]} |"
done
awk -v off="${PER_CPU[off]}" -v on="${PER_CPU[on]}" \
  'BEGIN { if (off > 0) printf "\nCost of client-response logging: %.1f%% of cache-hit QPS per CPU-second.\n", (1 - on / off) * 100 }'
echo "dnstap.sent=${sent:-?} dnstap.dropped=${dropped:-?} (the collector: fstrm_capture to /dev/null)"
