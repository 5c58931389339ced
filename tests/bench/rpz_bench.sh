#!/usr/bin/env bash
# tests/bench/rpz_bench.sh: issue 21's response-policy-zone figures (a benchmark, not a test).
# Writes a policy zone of N QNAME triggers (default 1,000,000: "bNNNNNNN.feed-NNN.example. CNAME ."
# and a few wildcards), starts the NSD lab and two ternd processes side by side, one with the
# zone (`rpz: [{name: feed.rpz., file: ...}]`) and one without, and prints: the zone's load time
# (ternd's own log line), the RSS of both after start and the difference, and cache-hit
# throughput on the lab's names (none of them a trigger) as QPS per CPU-second of each ternd,
# the two taking turns (--rounds slices of --seconds each), so that a change in the machine's
# load falls on both. Also the same for queries that hit a trigger (NXDOMAIN by policy).
# Run as root from the repository root:
#   tests/bench/rpz_bench.sh [--build-dir build] [--triggers 1000000] [--seconds 5] [--rounds 3]
# Every process it starts is stopped by pid (stop_pid), the lab by lab.sh stop.
set -euo pipefail

SCRIPT_NAME=rpz_bench.sh
REPO_DIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=build
TRIGGERS=1000000
SLICE=5
ROUNDS=3
THREADS=1
WAIT_SECONDS=120
LAB_NET=${LAB_NET:-127.67}
LAB_DIR=${LAB_DIR:-/tmp/lab-rpz-bench}

while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --triggers) TRIGGERS=$2; shift 2 ;;
    --seconds) SLICE=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

TMP=$(mktemp -d /tmp/rpz-bench.XXXXXX)
source "$REPO_DIR/tests/bench/common.sh"
for v in TRIGGERS SLICE ROUNDS THREADS; do need_int "--$v" "${!v}"; done
need_tools dnsperf dig nsd ss python3
TERND="$REPO_DIR/$BUILD_DIR/daemon/ternd"
[ -x "$TERND" ] || die "$TERND not built (ninja -C $BUILD_DIR daemon/ternd)"

PLAIN_PID="" RPZ_PID=""
cleanup() {
  stop_pid "$PLAIN_PID"
  stop_pid "$RPZ_PID"
  stop_lab "$LAB_DIR"
  rm -rf -- "$TMP"
}
trap cleanup EXIT

note "writing a policy zone of $TRIGGERS QNAME triggers"
python3 - "$TRIGGERS" >"$TMP/feed.rpz" <<'EOF'
import sys
n = int(sys.argv[1])
out = sys.stdout
out.write("$ORIGIN feed.rpz.\n$TTL 300\n@ SOA ns.feed.rpz. admin.feed.rpz. 1 3600 600 86400 300\n@ NS ns.feed.rpz.\n")
for i in range(n):
    out.write(f"b{i:07d}.feed-{i % 1000:03d}.example CNAME .\n")
for i in range(100):
    out.write(f"*.wild-{i:03d}.example CNAME .\n")
EOF
ls -l "$TMP/feed.rpz" | awk '{ printf "== zone file: %.1f MB\n", $5 / 1e6 }' >&2

start_lab "$LAB_NET" "$LAB_DIR"
HINTS="$LAB_DIR/root.hints"
PLAIN_PORT=$(pick_port)
RPZ_PORT=$(pick_port "$PLAIN_PORT")
ternd_config "$PLAIN_PORT" "$THREADS" 64 "$HINTS" "dnssec: no" >"$TMP/plain.yaml"
ternd_config "$RPZ_PORT" "$THREADS" 64 "$HINTS" "dnssec: no
rpz:
  - name: feed.rpz.
    file: $TMP/feed.rpz" >"$TMP/rpz.yaml"

# Start-up to the first answer, each alone: the difference is the zone's load.
started=$(date +%s.%N)
"$TERND" -c "$TMP/plain.yaml" -d >"$TMP/plain.log" 2>&1 &
PLAIN_PID=$!
wait_answer "ternd (no rpz)" "$PLAIN_PID" "$PLAIN_PORT" "$TMP/plain.log"
PLAIN_START=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
started=$(date +%s.%N)
"$TERND" -c "$TMP/rpz.yaml" -d >"$TMP/rpz.log" 2>&1 &
RPZ_PID=$!
wait_answer "ternd (rpz)" "$RPZ_PID" "$RPZ_PORT" "$TMP/rpz.log"
RPZ_START=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')

# The lab's names (none a trigger), warmed in both caches and checked.
cat >"$TMP/names" <<'EOF'
www.example.lab A
example.lab NS
www.shop.lab A
db.shop.lab A
www.glueless.corp A
hop.shop.lab A
nothere.example.lab A
www.example.lab AAAA
EOF
python3 - "$TRIGGERS" >"$TMP/blocked" <<'EOF'
import sys
n = int(sys.argv[1])
for k in range(1000):
    i = (k * 7919) % n
    print(f"b{i:07d}.feed-{i % 1000:03d}.example A")
EOF
for port in "$PLAIN_PORT" "$RPZ_PORT"; do
  while read -r name type; do dig +tries=1 +time=2 -p "$port" @127.0.0.1 "$name" "$type" >/dev/null; done <"$TMP/names"
done
dig +tries=1 +time=2 -p "$RPZ_PORT" @127.0.0.1 b0000000.feed-000.example A | grep -q 'status: NXDOMAIN' ||
  die "the policy zone does not apply (log: $TMP/rpz.log)"

rss_kib "$PLAIN_PID"; PLAIN_RSS=$RSS_KIB
rss_kib "$RPZ_PID"; RPZ_RSS=$RSS_KIB

HZ=$(getconf CLK_TCK)
declare -A QUERIES TICKS
measure() {  # measure KEY PID PORT NAMES
  local key=$1 pid=$2 port=$3 names=$4 before after out=$TMP/dnsperf.out
  cpu_ticks "$pid"; before=$CPU_TICKS
  dnsperf -s 127.0.0.1 -p "$port" -d "$names" -c 8 -T 1 -q 100 -l "$SLICE" >"$out" 2>&1
  cpu_ticks "$pid"; after=$CPU_TICKS
  QUERIES[$key]=$(( ${QUERIES[$key]:-0} + $(field "$out" "Queries completed:") ))
  TICKS[$key]=$(( ${TICKS[$key]:-0} + after - before ))
}
for ((r = 0; r < ROUNDS; r++)); do
  note "round $((r + 1)) of $ROUNDS"
  measure plain "$PLAIN_PID" "$PLAIN_PORT" "$TMP/names"
  measure rpz "$RPZ_PID" "$RPZ_PORT" "$TMP/names"
  measure blocked "$RPZ_PID" "$RPZ_PORT" "$TMP/blocked"
done
per_cpu() { awk -v q="${QUERIES[$1]}" -v t="${TICKS[$1]}" -v hz="$HZ" 'BEGIN { printf "%.0f", t ? q / (t / hz) : 0 }'; }
qps() { awk -v q="${QUERIES[$1]}" -v s="$((SLICE * ROUNDS))" 'BEGIN { printf "%.0f", q / s }'; }
PLAIN_PER_CPU=$(per_cpu plain)
RPZ_PER_CPU=$(per_cpu rpz)

cat <<EOF

## Response policy zones: $TRIGGERS QNAME triggers ($THREADS thread(s), $ROUNDS x ${SLICE}s slices each)

| | value |
|---|---|
| start to first answer, without rpz | ${PLAIN_START} s |
| start to first answer, with the zone | ${RPZ_START} s |
| RSS without rpz | $((PLAIN_RSS / 1024)) MiB |
| RSS with rpz | $((RPZ_RSS / 1024)) MiB |
| RSS difference | $(((RPZ_RSS - PLAIN_RSS) / 1024)) MiB |

| cache hits on lab names | QPS | QPS per CPU-second |
|---|---|---|
| ternd without rpz | $(qps plain) | $PLAIN_PER_CPU |
| ternd with rpz | $(qps rpz) | $RPZ_PER_CPU |
| with / without | | $(awk -v a="$RPZ_PER_CPU" -v b="$PLAIN_PER_CPU" 'BEGIN { printf "%.3f", b ? a / b : 0 }') |
| triggered names (NXDOMAIN by policy) | $(qps blocked) | $(per_cpu blocked) |
EOF
