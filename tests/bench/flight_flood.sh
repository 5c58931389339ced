#!/usr/bin/env bash
# tests/bench/flight_flood.sh: issue 16's slow flood, measured (a benchmark, not a timed test).
# Clients keep N questions outstanding (dnsperf -q N, every name new) about a zone whose one
# authority (tests/bench/slow_authority.py, user space, loopback) answers each after --delay
# seconds, every --truncate-every'th UDP question with TC=1 (so resolvers retry over TCP). For
# each level and each resolver (ternd, Debian's unbound; one at a time, same lab, same
# conditions: cache-size 4m, 2 threads) it samples RSS and open descriptors every 0.5 s before,
# during and after the flood, and prints one table: RSS before / peak / after, the largest
# descriptor count, and what the clients got. Run as root from the repository root:
#   tests/bench/flight_flood.sh [--build-dir build] [--levels "100 3000 12000"] [--seconds 20]
# Every process it starts is stopped by pid (stop_pid), the lab by lab.sh stop.
set -euo pipefail

SCRIPT_NAME=flight_flood.sh
REPO_DIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=build
LEVELS="100 3000 12000"
SECONDS_FLOOD=20     # how long each flood lasts
SETTLE=15            # seconds after it (every resolution ends within ternd's 10 s deadline)
DELAY=0.5            # the authority's delay, seconds
TRUNCATE_EVERY=4     # every 4th UDP question answered TC=1
CACHE_MB=4
THREADS=2
RESOLVERS="ternd unbound"
WAIT_SECONDS=30
LAB_NET=${LAB_NET:-127.65}
LAB_DIR=${LAB_DIR:-/tmp/lab-65}
TERND_EXTRA=""       # YAML lines added to ternd's configuration (e.g. a different bound)

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  cat <<EOF
Options: --build-dir DIR  --levels "N.."  --seconds T  --settle S  --delay D
         --truncate-every N (0: never)  --resolvers "ternd unbound"  --cache-mb M  --threads T
         --ternd-extra "YAML"   (LAB_NET, LAB_DIR from the environment: $LAB_NET, $LAB_DIR)
EOF
}

while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --levels) LEVELS=$2; shift 2 ;;
    --seconds) SECONDS_FLOOD=$2; shift 2 ;;
    --settle) SETTLE=$2; shift 2 ;;
    --delay) DELAY=$2; shift 2 ;;
    --truncate-every) TRUNCATE_EVERY=$2; shift 2 ;;
    --resolvers) RESOLVERS=$2; shift 2 ;;
    --cache-mb) CACHE_MB=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --ternd-extra) TERND_EXTRA=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

TMP=$(mktemp -d /tmp/flight-flood.XXXXXX)
source "$REPO_DIR/tests/bench/common.sh"
for v in SECONDS_FLOOD SETTLE TRUNCATE_EVERY CACHE_MB THREADS; do need_int "--$v" "${!v}"; done
need_tools dnsperf unbound dig nsd ss python3
TERND="$REPO_DIR/$BUILD_DIR/daemon/ternd"
[ -x "$TERND" ] || die "$TERND not built (ninja -C $BUILD_DIR daemon/ternd)"

AUTH_PID= RESOLVER_PID= SAMPLER_PID= DNSPERF_PID= LAB_STARTED= TERND_ROWS=
cleanup() {
  stop_pid "$DNSPERF_PID"
  stop_pid "$SAMPLER_PID"
  stop_pid "$RESOLVER_PID"
  stop_pid "$AUTH_PID"
  [ -n "$LAB_STARTED" ] && stop_lab "$LAB_DIR"
  rm -rf "$TMP"
}
trap cleanup EXIT

note "lab on $LAB_NET (for the resolvers' start-up check), slow authority on $LAB_NET.98.1"
start_lab "$LAB_NET" "$LAB_DIR"
LAB_STARTED=1
HINTS="$LAB_DIR/root.hints"
[ -f "$HINTS" ] || HINTS=$(ls "$LAB_DIR"/*.hints 2>/dev/null | head -n 1)
[ -f "$HINTS" ] || die "no root hints in $LAB_DIR"
AUTH=$LAB_NET.98.1
python3 "$REPO_DIR/tests/bench/slow_authority.py" "$AUTH" --delay "$DELAY" --truncate-every "$TRUNCATE_EVERY" \
  >"$TMP/authority.log" 2>&1 &
AUTH_PID=$!
for ((i = 0; i < 50; i++)); do grep -qx ready "$TMP/authority.log" && break; sleep 0.1; done
grep -qx ready "$TMP/authority.log" || { cat "$TMP/authority.log" >&2; die "the slow authority did not start"; }

PORT=$(pick_port)
ternd_config "$PORT" "$THREADS" "$CACHE_MB" "$HINTS" "stub-zone:
  - name: slow.example
    servers: [\"$AUTH\"]
$TERND_EXTRA" | sed "s|^control-socket: .*|control-socket: $TMP/ternd.ctl|" >"$TMP/ternd.yaml"
TERNCTL="$REPO_DIR/$BUILD_DIR/daemon/ternctl"
stat_of() { awk -F= -v k="$2" '$1 == k { print $2; exit }' "$1"; }
"$TERND" -c "$TMP/ternd.yaml" --check-config >"$TMP/check.log" 2>&1 || { cat "$TMP/check.log" >&2; die "ternd rejects its configuration"; }
UB_MSG_MB=$(( CACHE_MB / 3 > 0 ? CACHE_MB / 3 : 1 ))
UB_RRSET_MB=$(( CACHE_MB - UB_MSG_MB ))
cat >"$TMP/unbound.conf" <<EOF
server:
  interface: 127.0.0.1@$PORT
  port: $PORT
  num-threads: $THREADS
  so-reuseport: yes
  do-ip6: no
  do-not-query-localhost: no
  root-hints: "$HINTS"
  msg-cache-size: ${UB_MSG_MB}m
  rrset-cache-size: ${UB_RRSET_MB}m
  username: ""
  chroot: ""
  directory: "$TMP"
  pidfile: "$TMP/unbound.pid"
  use-syslog: no
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
  verbosity: 0
remote-control:
  control-enable: no
stub-zone:
  name: "slow.example"
  stub-addr: $AUTH
EOF

fds() { local n=0 f; for f in /proc/"$1"/fd/*; do n=$((n + 1)); done; echo "$n"; }

sampler() {  # sampler PID OUT: "seconds rss_kib fds" every 0.5 s
  local start=$SECONDS
  while kill -0 "$1" 2>/dev/null; do
    rss_kib "$1" 2>/dev/null || break
    echo "$((SECONDS - start)) $RSS_KIB $(fds "$1")" >>"$2"
    sleep 0.5
  done
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo "| resolver | outstanding | RSS before MiB | RSS peak MiB | RSS after MiB | after / before | peak fds | NOERROR | SERVFAIL | lost |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for level in $LEVELS; do
  for resolver in $RESOLVERS; do
    log="$TMP/$resolver-$level.log"
    case $resolver in
      ternd) "$TERND" -c "$TMP/ternd.yaml" -d >"$log" 2>&1 & ;;
      unbound) unbound -d -c "$TMP/unbound.conf" >"$log" 2>&1 & ;;
      *) die "unknown resolver $resolver" ;;
    esac
    RESOLVER_PID=$!
    wait_answer "$resolver" "$RESOLVER_PID" "$PORT" "$log"
    dig +tries=1 +time=5 -p "$PORT" @127.0.0.1 warm.slow.example A >/dev/null 2>&1 || true
    sleep 2
    rss_kib "$RESOLVER_PID"
    before=$RSS_KIB
    samples="$TMP/$resolver-$level.samples"
    : >"$samples"
    sampler "$RESOLVER_PID" "$samples" &
    SAMPLER_PID=$!
    # Names nobody asked before (a prefix per run): every question of the flood misses the cache.
    awk -v p="$resolver$level" 'BEGIN { for (i = 0; i < 1000000; i++) printf "%s-%d.slow.example A\n", p, i }' \
      >"$TMP/run-names"
    if [ "$resolver" = ternd ]; then "$TERNCTL" -s "$TMP/ternd.ctl" stats >"$TMP/stats-before" 2>&1 || true; fi
    dnsperf -s 127.0.0.1 -p "$PORT" -d "$TMP/run-names" -q "$level" -l "$SECONDS_FLOOD" -t 5 -c 4 \
      >"$TMP/dnsperf-$resolver-$level.out" 2>&1 &
    DNSPERF_PID=$!
    if [ "$resolver" = ternd ]; then
      # Halfway through: how many wait, and the heap they hold (resolver.in-flight-memory's figure).
      sleep $((SECONDS_FLOOD / 2))
      "$TERNCTL" -s "$TMP/ternd.ctl" stats >"$TMP/stats-mid" 2>&1 || true
    fi
    wait "$DNSPERF_PID" || true
    DNSPERF_PID=
    sleep "$SETTLE"
    rss_kib "$RESOLVER_PID"
    after=$RSS_KIB
    if [ "$resolver" = ternd ]; then
      "$TERNCTL" -s "$TMP/ternd.ctl" stats >"$TMP/stats-after" 2>&1 || true
      admitted=$(stat_of "$TMP/stats-mid" resolutions.admitted)
      heap0=$(stat_of "$TMP/stats-before" process.heap-bytes)
      heap1=$(stat_of "$TMP/stats-mid" process.heap-bytes)
      heap2=$(stat_of "$TMP/stats-after" process.heap-bytes)
      TERND_ROWS+="| $level | ${admitted:-?} | $(stat_of "$TMP/stats-mid" upstream.sockets) | $(mib $((${heap0:-0} / 1024))) | $(mib $((${heap1:-0} / 1024))) | $(mib $((${heap2:-0} / 1024))) | $(awk -v a="${admitted:-0}" -v h0="${heap0:-0}" -v h1="${heap1:-0}" 'BEGIN { if (a > 0) printf "%.1f", (h1 - h0) / a / 1024; else print "-" }') | $(stat_of "$TMP/stats-mid" resolver.in-flight-memory | awk '{ printf "%.1f", $1 / 1048576 }') | $(stat_of "$TMP/stats-after" resolutions.jostled) | $(stat_of "$TMP/stats-after" resolutions.refused) | $(stat_of "$TMP/stats-after" upstream.socket-waits) |
"
    fi
    stop_pid "$SAMPLER_PID"
    SAMPLER_PID=
    stop_pid "$RESOLVER_PID"
    RESOLVER_PID=
    peak=$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$samples")
    peak_fds=$(awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { print m }' "$samples")
    out="$TMP/dnsperf-$resolver-$level.out"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$resolver" "$level" "$(mib "$before")" \
      "$(mib "$peak")" "$(mib "$after")" "$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.2f", a / b }')" \
      "$peak_fds" "$(rcode_count "$out" NOERROR)" "$(rcode_count "$out" SERVFAIL)" "$(field "$out" "Queries lost:")"
    cp "$samples" "/tmp/flight-flood-$resolver-$level.samples" 2>/dev/null || true
  done
done
if [ -n "$TERND_ROWS" ]; then
  echo
  echo "| ternd, outstanding | waiting at mid-flood | upstream sockets | heap before MiB | heap mid MiB | heap after MiB | heap KiB per waiting question | in-flight-memory MiB | jostled | refused | socket waits |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s' "$TERND_ROWS"
fi
note "samples (seconds, RSS KiB, fds) kept in /tmp/flight-flood-RESOLVER-LEVEL.samples"
stop_pid "$AUTH_PID"
AUTH_PID=
note "authority: $(tail -n 1 "$TMP/authority.log")"
