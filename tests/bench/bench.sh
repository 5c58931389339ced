#!/usr/bin/env bash
# tests/bench/bench.sh: cache-hit benchmark of ternd against Debian's unbound, both resolving
# from the NSD lab (zones/) under the same conditions, over UDP and then over DNS over TLS
# (dnsperf -m dot, one self-signed certificate for both). One run, markdown tables on stdout,
# also written to results/bench-<date>.md. A measurement, not a test: it never asserts timings.
#
# Run from anywhere, as root (the lab's NSD servers bind port 53 on $LAB_NET.x.y):
#   tests/bench/bench.sh [--build-dir DIR] [--seconds N] ...     (--help for all options)
#
# Every process it starts (lab, ternd, unbound, dnsperf) is stopped by its pid at exit.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd -- "$SCRIPT_DIR/../.." && pwd)
INVOCATION=$(printf '%q ' "tests/bench/bench.sh" "$@")
INVOCATION=${INVOCATION% }

# ---- options -----------------------------------------------------------------------------
BUILD_DIR=           # empty: build $REPO_DIR/build-bench (release) if needed
SECONDS_RUN=15       # length of each cache-hit run
CLIENTS=8            # dnsperf -c
DNSPERF_THREADS=2    # dnsperf -T
OUTSTANDING=100      # dnsperf -q
MAX_QPS=0            # dnsperf -Q for the throughput run; 0 = unlimited (saturate)
LAT_SECONDS=5        # length of the fixed-rate latency run
LAT_QPS=2000         # offered load of the latency run (same for both resolvers)
RES_THREADS=2        # worker threads of ternd and of unbound
CACHE_MB=256         # ternd cache-size; unbound msg + rrset cache sum to the same
EDNS=0               # 1: dnsperf sends EDNS0 (-e)
DOT_SECONDS=10       # length of the DNS-over-TLS run (dnsperf -m dot); 0 = skip
LAB_NET=127.57       # the lab's own prefix, apart from other labs on this machine
WAIT_SECONDS=20      # how long to wait for each resolver to answer at start
KEEP=0               # 1: keep the temporary directory (configs, logs, raw dnsperf output)
RESULTS_DIR=$REPO_DIR/results

usage() {
  cat <<EOF
usage: tests/bench/bench.sh [options]
  --build-dir DIR      use DIR/daemon/ternd (an existing build) instead of building build-bench
  --seconds N          length of each throughput (cache-hit) run, per resolver (default $SECONDS_RUN)
  --clients N          dnsperf clients, -c (default $CLIENTS)
  --dnsperf-threads N  dnsperf threads, -T (default $DNSPERF_THREADS)
  --outstanding N      dnsperf queries in flight, -q (default $OUTSTANDING)
  --max-qps N          cap the throughput run at N queries/s, -Q; 0 = unlimited (default $MAX_QPS)
  --latency-seconds N  length of the fixed-rate latency run (default $LAT_SECONDS; 0 = skip)
  --latency-qps N      offered load of the latency run (default $LAT_QPS)
  --threads N          worker threads of ternd and unbound (default $RES_THREADS)
  --edns               dnsperf sends EDNS0 (default: plain DNS queries)
  --dot-seconds N      length of the DNS-over-TLS run, dnsperf -m dot (default $DOT_SECONDS; 0 = skip)
  --lab-net 127.N      address prefix of the benchmark's own NSD lab (default $LAB_NET)
  --results-dir DIR    where bench-<date>.md goes (default results/ in the repository)
  --keep               keep the temporary directory (configs, logs, raw dnsperf output)
  -h, --help           this text
EOF
}

die() {
  echo "bench.sh: $*" >&2
  exit 1
}

need_int() { [[ $2 =~ ^[0-9]+$ ]] || die "$1 needs a non-negative integer, got '$2'"; }

while (($#)); do
  case $1 in
    --build-dir) BUILD_DIR=${2:?--build-dir needs a directory}; shift 2 ;;
    --seconds) need_int "$1" "${2-}"; SECONDS_RUN=$2; shift 2 ;;
    --clients) need_int "$1" "${2-}"; CLIENTS=$2; shift 2 ;;
    --dnsperf-threads) need_int "$1" "${2-}"; DNSPERF_THREADS=$2; shift 2 ;;
    --outstanding) need_int "$1" "${2-}"; OUTSTANDING=$2; shift 2 ;;
    --max-qps) need_int "$1" "${2-}"; MAX_QPS=$2; shift 2 ;;
    --latency-seconds) need_int "$1" "${2-}"; LAT_SECONDS=$2; shift 2 ;;
    --latency-qps) need_int "$1" "${2-}"; LAT_QPS=$2; shift 2 ;;
    --threads) need_int "$1" "${2-}"; RES_THREADS=$2; shift 2 ;;
    --edns) EDNS=1; shift ;;
    --dot-seconds) need_int "$1" "${2-}"; DOT_SECONDS=$2; shift 2 ;;
    --lab-net) LAB_NET=${2:?--lab-net needs 127.N}; shift 2 ;;
    --results-dir) RESULTS_DIR=${2:?--results-dir needs a directory}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
((SECONDS_RUN >= 1)) || die "--seconds must be at least 1"
((CLIENTS >= 1 && DNSPERF_THREADS >= 1 && RES_THREADS >= 1)) || die "counts must be at least 1"
((LAT_SECONDS == 0 || LAT_QPS >= 1)) || die "--latency-qps must be at least 1"
[[ $LAB_NET =~ ^127\.[0-9]{1,3}$ ]] || die "--lab-net must be 127.N"

for tool in dnsperf unbound dig nsd ss openssl; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian: apt-get install dnsperf unbound bind9-dnsutils nsd iproute2)"
done
[ "$(id -u)" -eq 0 ] || die "run as root: the lab's NSD servers bind port 53"

# ---- state and cleanup -------------------------------------------------------------------
TMP=
LAB_DIR=
LAB_STARTED=0
TERND_PID=
UNBOUND_PID=
DNSPERF_PID=

stop_pid() {  # stop_pid PID: TERM, up to 5 s, then KILL; only a pid this script started
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "bench.sh: pid $pid ignored SIGTERM for 5 s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_pid "$DNSPERF_PID"
  stop_pid "$TERND_PID"
  stop_pid "$UNBOUND_PID"
  if ((LAB_STARTED)); then
    LAB_DIR=$LAB_DIR "$REPO_DIR/zones/lab.sh" stop >/dev/null 2>&1 ||
      echo "bench.sh: lab.sh stop failed for $LAB_DIR" >&2
  fi
  if [ -n "$TMP" ] && [ -d "$TMP" ]; then
    if ((KEEP)); then echo "bench.sh: kept $TMP" >&2; else rm -rf -- "$TMP"; fi
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

TMP=$(mktemp -d /tmp/tern-bench.XXXXXX)
LAB_DIR=$TMP/lab
RAW=$TMP/raw.txt  # every dnsperf output and the resolvers' logs, appended to the result file
: >"$RAW"

note() { echo "== $*" >&2; }

# ---- 1. build, lab -----------------------------------------------------------------------
if [ -z "$BUILD_DIR" ]; then
  BUILD_DIR=$REPO_DIR/build-bench
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    note "meson setup $BUILD_DIR (release)"
    meson setup "$BUILD_DIR" "$REPO_DIR" -Dbuildtype=release >/dev/null
  fi
  note "ninja -C $BUILD_DIR daemon/ternd"
  ninja -C "$BUILD_DIR" daemon/ternd >/dev/null
fi
BUILD_DIR=$(cd -- "$BUILD_DIR" && pwd)
TERND=$BUILD_DIR/daemon/ternd
[ -x "$TERND" ] || die "$TERND not found (build it, or drop --build-dir)"
BUILDTYPE=$(python3 -c 'import json,sys
for o in json.load(open(sys.argv[1])):
    if o["name"] == "buildtype": print(o["value"])' "$BUILD_DIR/meson-info/intro-buildoptions.json" \
  2>/dev/null || echo unknown)
[ "$BUILDTYPE" = release ] || note "warning: $BUILD_DIR is buildtype=$BUILDTYPE, not release"

note "starting the NSD lab on $LAB_NET.x.y (LAB_DIR=$LAB_DIR)"
LAB_STARTED=1
LAB_NET=$LAB_NET LAB_DIR=$LAB_DIR "$REPO_DIR/zones/lab.sh" start >"$TMP/lab-start.log" 2>&1 || {
  cat "$TMP/lab-start.log" >&2
  die "lab.sh start failed"
}
HINTS=$LAB_DIR/root.hints

# ---- 2. the resolvers --------------------------------------------------------------------
port_free() { [ -z "$(ss -Hlnut "sport = :$1" 2>/dev/null)" ]; }
pick_port() {  # a port free for UDP and TCP, not $1
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 20000))
    [ "$p" != "${1-}" ] && port_free "$p" && { echo "$p"; return 0; }
  done
  die "no free port found"
}
TERN_PORT=$(pick_port)
UNBOUND_PORT=$(pick_port "$TERN_PORT")
TERN_TLS_PORT=$(pick_port "$UNBOUND_PORT")
UNBOUND_TLS_PORT=$(pick_port "$TERN_TLS_PORT")

# One self-signed certificate for both resolvers' DoT listeners (dnsperf does not verify it).
(umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=tern-bench -keyout "$TMP/dot.key" -out "$TMP/dot.pem" 2>"$TMP/openssl.log") || {
  cat "$TMP/openssl.log" >&2
  die "openssl could not make the DoT certificate"
}

# unbound's two caches share the budget 1:2 (its documented rule of thumb: rrset = 2 x msg).
UB_MSG_MB=$((CACHE_MB / 3))
UB_RRSET_MB=$((CACHE_MB - UB_MSG_MB))

cat >"$TMP/ternd.yaml" <<EOF
listen: ["127.0.0.1@$TERN_PORT"]
root-hints: $HINTS
query-loopback: yes
do-ip6: no
threads: $RES_THREADS
cache-size: ${CACHE_MB}m
verbosity: 0
EOF
if ((DOT_SECONDS > 0)); then
  cat >>"$TMP/ternd.yaml" <<EOF
tls-listen: ["127.0.0.1@$TERN_TLS_PORT"]
tls-certificate: $TMP/dot.pem
tls-private-key: $TMP/dot.key
EOF
fi
# control-socket is new; add it (empty: no control socket) when this ternd knows the setting.
if "$TERND" -c "$TMP/ternd.yaml" --dump-config 2>/dev/null | grep -q '^control-socket:'; then
  echo 'control-socket: ""' >>"$TMP/ternd.yaml"
fi
# username is newer still: the benchmark's ternd stays root (its files are root's).
if "$TERND" -c "$TMP/ternd.yaml" --dump-config 2>/dev/null | grep -q '^username:'; then
  echo 'username: ""' >>"$TMP/ternd.yaml"
fi
"$TERND" -c "$TMP/ternd.yaml" --check-config >"$TMP/ternd-check.log" 2>&1 || {
  cat "$TMP/ternd-check.log" >&2
  die "ternd rejects $TMP/ternd.yaml"
}

cat >"$TMP/unbound.conf" <<EOF
server:
  interface: 127.0.0.1@$UNBOUND_PORT
  interface: 127.0.0.1@$UNBOUND_TLS_PORT
  port: $UNBOUND_PORT
  tls-port: $UNBOUND_TLS_PORT
  tls-service-key: "$TMP/dot.key"
  tls-service-pem: "$TMP/dot.pem"
  incoming-num-tcp: 1024
  num-threads: $RES_THREADS
  so-reuseport: yes
  do-ip4: yes
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
  logfile: ""
  access-control: 127.0.0.0/8 allow
  qname-minimisation: yes
  harden-referral-path: no
  module-config: "iterator"
  verbosity: 0
  minimal-responses: no
  prefetch: no
remote-control:
  control-enable: no
EOF
unbound-checkconf "$TMP/unbound.conf" >"$TMP/unbound-check.log" 2>&1 || {
  cat "$TMP/unbound-check.log" >&2
  die "unbound-checkconf rejects $TMP/unbound.conf"
}

# wait_answer NAME PID PORT LOG: until www.example.lab A gets NOERROR, at most WAIT_SECONDS
wait_answer() {
  local name=$1 pid=$2 port=$3 log=$4 deadline=$((SECONDS + WAIT_SECONDS))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$log" >&2
      die "$name exited during start-up (log above)"
    fi
    if dig +tries=1 +time=1 -p "$port" @127.0.0.1 www.example.lab A 2>/dev/null |
      grep -q 'status: NOERROR'; then
      return 0
    fi
    sleep 0.2
  done
  tail -n 30 "$log" >&2
  die "$name did not answer www.example.lab A within ${WAIT_SECONDS}s"
}

note "starting ternd on 127.0.0.1@$TERN_PORT and unbound on 127.0.0.1@$UNBOUND_PORT"
"$TERND" -d -c "$TMP/ternd.yaml" >"$TMP/ternd.log" 2>&1 &
TERND_PID=$!
unbound -d -c "$TMP/unbound.conf" >"$TMP/unbound.log" 2>&1 &
UNBOUND_PID=$!
wait_answer ternd "$TERND_PID" "$TERN_PORT" "$TMP/ternd.log"
wait_answer unbound "$UNBOUND_PID" "$UNBOUND_PORT" "$TMP/unbound.log"

# ---- 3. the queries ----------------------------------------------------------------------
# name, type, expected rcode: lab names only. Positive data has TTL >= 300 (db-fast, TTL 30, is
# left out); negative answers are cached 60 s (45 s in shop.lab), so a run longer than ~40 s
# sees a few re-resolutions. Left out on purpose: SERVFAIL cases (loop, lame: not cached alike
# by every resolver) and big.example.lab TXT (truncated over UDP, a different path).
QUERIES=$(
  cat <<'EOF'
www.example.lab A NOERROR
www.example.lab AAAA NOERROR
www.example.lab MX NOERROR
nosuch.example.lab A NXDOMAIN
nosuch.shop.lab A NXDOMAIN
nosuch.lab A NXDOMAIN
www.nosuchtld A NXDOMAIN
nosuch.glueless.corp A NXDOMAIN
nosuch.chain.lab A NXDOMAIN
www.glueless.corp A NOERROR
www.chain.lab A NOERROR
alias.glueless.corp A NOERROR
hop.shop.lab A NOERROR
ftp.example.lab A NOERROR
www.half.lab A NOERROR
db.shop.lab A NOERROR
www.shop.lab A NOERROR
multi.example.lab A NOERROR
example.lab MX NOERROR
mail.example.lab A NOERROR
mail.example.lab AAAA NOERROR
foo.wild.example.lab A NOERROR
bar.wild.example.lab A NOERROR
foo.wild.example.lab AAAA NOERROR
wild.example.lab A NOERROR
a.root-servers.lab A NOERROR
. NS NOERROR
example.lab NS NOERROR
shop.lab NS NOERROR
glueless.corp NS NOERROR
example.lab SOA NOERROR
ns1.example.lab A NOERROR
ns1.dns-host.example A NOERROR
ns2.dns-host.example A NOERROR
EOF
)
QFILE=$TMP/queries.txt
awk '{ print $1, $2 }' <<<"$QUERIES" >"$QFILE"
NQUERIES=$(wc -l <"$QFILE")
EXPECTED=$TMP/expected.txt
awk '{ print tolower($1), $2, $3 }' <<<"$QUERIES" | sort >"$EXPECTED"

DNSPERF_COMMON=(-s 127.0.0.1 -c "$CLIENTS" -T "$DNSPERF_THREADS" -q "$OUTSTANDING")
if ((EDNS)); then DNSPERF_COMMON+=(-e); fi

# run_dnsperf OUTFILE ARGS...: dnsperf in the background (so a signal reaches the trap at once),
# output to OUTFILE and appended to the raw log; its exit status is returned.
run_dnsperf() {
  local out=$1 rc=0
  shift
  dnsperf "$@" >"$out" 2>&1 &
  DNSPERF_PID=$!
  wait "$DNSPERF_PID" || rc=$?
  DNSPERF_PID=
  { echo "### dnsperf $*"; grep -v '^> ' "$out" || true; echo; } >>"$RAW"  # not the -v lines
  return "$rc"
}

# check_answers NAME PORT: one pass with per-query output; prints how many rcodes were as
# expected ("34/34") and lists the others on stderr.
check_answers() {
  local name=$1 port=$2 got=$TMP/$1-check.txt
  run_dnsperf "$TMP/$name-check.out" -s 127.0.0.1 -p "$port" -d "$QFILE" -n 1 -c 1 -q 1 -v ||
    true
  awk '$1 == ">" { print tolower($3), $4, $2 }' "$TMP/$name-check.out" | sort >"$got"
  local ok
  ok=$(comm -12 "$EXPECTED" "$got" | wc -l)
  if ((ok != NQUERIES)); then
    echo "bench.sh: $name: unexpected answers (expected / got):" >&2
    diff "$EXPECTED" "$got" | grep '^[<>]' >&2 || true
  fi
  echo "$ok/$NQUERIES"
}

# ---- 4. measurements ---------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)

cpu_ticks() {  # cpu_ticks PID -> CPU_TICKS (utime+stime of the whole thread group), no fork
  local line rest fields
  read -r line <"/proc/$1/stat" || return 1
  rest=${line##*) }  # after "(comm) ": field 3 (state) onwards; utime, stime = fields 14, 15
  read -r -a fields <<<"$rest"
  CPU_TICKS=$((fields[11] + fields[12]))
}

rss_kib() {  # rss_kib PID -> RSS_KIB (VmRSS)
  local key value _
  RSS_KIB=0
  while read -r key value _; do
    if [ "$key" = "VmRSS:" ]; then RSS_KIB=$value; return 0; fi
  done <"/proc/$1/status"
}

children_ms() {  # children_ms -> CHILD_MS: user+sys of all waited-for children so far, no fork
  local own child t total=0
  # not $(times): a subshell starts with zero children's times (fork resets them)
  times >"$TMP/times"
  { read -r own; read -r child; } <"$TMP/times"
  : "$own"
  for t in $child; do
    [[ $t =~ ^([0-9]+)m([0-9]+)\.([0-9]+)s$ ]] || continue
    total=$((total + BASH_REMATCH[1] * 60000 + 10#${BASH_REMATCH[2]} * 1000 + 10#${BASH_REMATCH[3]}))
  done
  CHILD_MS=$total
}

# field OUTFILE LABEL: the first number after "LABEL" in dnsperf's statistics
field() {
  awk -v label="$2" '{ i = index($0, label)
    if (i) { s = substr($0, i + length(label)); sub(/^[^0-9]*/, "", s); print s + 0; exit } }' "$1"
}

declare -A R  # R[name.key] = value, the table's cells

measure() {  # measure NAME PID PORT LOG
  local name=$1 pid=$2 port=$3 log=$4 c0 c1 m0 m1 out=$TMP/$1-run.out rc=0

  note "$name: warming the cache (${NQUERIES} names, twice)"
  run_dnsperf "$TMP/$name-warm.out" -s 127.0.0.1 -p "$port" -d "$QFILE" -n 2 -c 1 -q 4 -t 10 ||
    true
  R[$name.check]=$(check_answers "$name" "$port")

  note "$name: throughput run, ${SECONDS_RUN}s"
  local args=("${DNSPERF_COMMON[@]}" -p "$port" -d "$QFILE" -l "$SECONDS_RUN" -S 1)
  if ((MAX_QPS > 0)); then args+=(-Q "$MAX_QPS"); fi
  cpu_ticks "$pid"; c0=$CPU_TICKS
  children_ms; m0=$CHILD_MS
  run_dnsperf "$out" "${args[@]}" || rc=$?
  children_ms; m1=$CHILD_MS
  if ! kill -0 "$pid" 2>/dev/null || ! cpu_ticks "$pid"; then
    R[$name.status]="exited during the run"
    { echo "### $name log (exited during the throughput run)"; cat "$log"; } >>"$RAW"
    echo "bench.sh: $name exited during the throughput run; its log:" >&2
    tail -n 40 "$log" >&2
    return 0
  fi
  c1=$CPU_TICKS
  rss_kib "$pid"
  ((rc == 0)) || R[$name.status]="dnsperf exit status $rc"
  R[$name.qps]=$(field "$out" "Queries per second:")
  R[$name.sent]=$(field "$out" "Queries sent:")
  R[$name.completed]=$(field "$out" "Queries completed:")
  R[$name.lost]=$(field "$out" "Queries lost:")
  R[$name.avg_us]=$(awk -v s="$(field "$out" "Average Latency (s):")" 'BEGIN { printf "%.0f", s * 1e6 }')
  R[$name.sd_us]=$(awk -v s="$(field "$out" "Latency StdDev (s):")" 'BEGIN { printf "%.0f", s * 1e6 }')
  R[$name.rcodes]=$(sed -n 's/^ *Response codes: *//p' "$out")
  # answers other than NOERROR and NXDOMAIN (SERVFAIL, REFUSED, ...): none expected
  R[$name.bad]=$(awk '/Response codes:/ { sub(/.*Response codes: */, ""); n = split($0, a, ", ");
      for (i = 1; i <= n; i++) { split(a[i], f, " "); if (f[1] != "NOERROR" && f[1] != "NXDOMAIN") s += f[2] }
      print s + 0; exit }' "$out")
  R[$name.cpu_s]=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
  R[$name.client_cpu_s]=$(awk -v ms=$((m1 - m0)) 'BEGIN { printf "%.2f", ms / 1000 }')
  R[$name.qps_per_cpu]=$(awk -v n="${R[$name.completed]}" -v t=$((c1 - c0)) -v hz="$CLK_TCK" \
    'BEGIN { if (t > 0) printf "%.0f", n / (t / hz); else print "n/a" }')
  R[$name.rss_mib]=$(awk -v k="$RSS_KIB" 'BEGIN { printf "%.1f", k / 1024 }')

  if ((LAT_SECONDS > 0)); then
    note "$name: latency run, ${LAT_SECONDS}s at ${LAT_QPS} q/s"
    run_dnsperf "$TMP/$name-lat.out" "${DNSPERF_COMMON[@]}" -p "$port" -d "$QFILE" \
      -l "$LAT_SECONDS" -Q "$LAT_QPS" -v || true
    # "> RCODE name type latency-seconds", one line per answered query
    local p50 p99 max count
    read -r p50 p99 max count < <(
      awk '$1 == ">" { print $NF * 1e6 }' "$TMP/$name-lat.out" | sort -n | awk '
        { v[NR] = $1 }
        END {
          if (NR == 0) { print "n/a n/a n/a 0"; exit }
          i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
          printf "%.0f %.0f %.0f %d\n", v[i50], v[i99], v[NR], NR
        }')
    R[$name.p50_us]=$p50 R[$name.p99_us]=$p99 R[$name.max_us]=$max R[$name.lat_n]=$count
    R[$name.lat_lost]=$(field "$TMP/$name-lat.out" "Queries lost:")
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    R[$name.status]="exited during the latency run"
    { echo "### $name log (exited during the latency run)"; cat "$log"; } >>"$RAW"
    tail -n 40 "$log" >&2
  fi
}

# measure_dot NAME PID PORT: a DNS-over-TLS throughput run (the caches are warm from the UDP
# runs); each dnsperf client keeps one TLS connection and pipelines its queries on it.
measure_dot() {
  local name=$1 pid=$2 port=$3 c0 c1 out=$TMP/$1-dot.out rc=0
  note "$name: DNS-over-TLS throughput run, ${DOT_SECONDS}s"
  cpu_ticks "$pid"; c0=$CPU_TICKS
  run_dnsperf "$out" -m dot "${DNSPERF_COMMON[@]}" -p "$port" -d "$QFILE" -l "$DOT_SECONDS" -S 1 || rc=$?
  if ! kill -0 "$pid" 2>/dev/null || ! cpu_ticks "$pid"; then
    R[$name.dot_status]="exited during the DoT run"
    return 0
  fi
  c1=$CPU_TICKS
  ((rc == 0)) || R[$name.dot_status]="dnsperf exit status $rc"
  R[$name.dot_qps]=$(field "$out" "Queries per second:")
  R[$name.dot_lost]=$(field "$out" "Queries lost:")
  R[$name.dot_avg_us]=$(awk -v s="$(field "$out" "Average Latency (s):")" 'BEGIN { printf "%.0f", s * 1e6 }')
  R[$name.dot_cpu_s]=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
  R[$name.dot_qps_per_cpu]=$(awk -v n="$(field "$out" "Queries completed:")" -v t=$((c1 - c0)) -v hz="$CLK_TCK" \
    'BEGIN { if (t > 0) printf "%.0f", n / (t / hz); else print "n/a" }')
  R[$name.dot_rcodes]=$(sed -n 's/^ *Response codes: *//p' "$out")
}

LOADAVG_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
measure ternd "$TERND_PID" "$TERN_PORT" "$TMP/ternd.log"
measure unbound "$UNBOUND_PID" "$UNBOUND_PORT" "$TMP/unbound.log"
if ((DOT_SECONDS > 0)); then
  measure_dot ternd "$TERND_PID" "$TERN_TLS_PORT"
  measure_dot unbound "$UNBOUND_PID" "$UNBOUND_TLS_PORT"
fi
LOADAVG_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 5. report ---------------------------------------------------------------------------
get() { echo "${R[$1]:-n/a}"; }
ratio() {  # ratio KEY: ternd / unbound
  awk -v a="$(get "ternd.$1")" -v b="$(get "unbound.$1")" 'BEGIN {
    if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/) print "n/a"
    else if (b + 0 == 0) print (a + 0 == 0 ? "-" : "n/a")
    else printf "%.2f", a / b }'
}

DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
STAMP=$(date -u +%Y%m%d-%H%M%S)
CPU_MODEL=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
TERND_VERSION=$("$TERND" --version 2>&1 | head -n 1)
UNBOUND_VERSION="unbound $(unbound -V 2>&1 | awk '/^Version/ { print $2; exit }')"
DNSPERF_VERSION=$( (dnsperf -h 2>&1 || true) | awk '/^Version/ { print $2; exit }')
NSD_VERSION=$( (nsd -v 2>&1 || true) | awk '/version/ { print $NF; exit }')
GIT_REV=$(git -C "$REPO_DIR" describe --always --dirty 2>/dev/null || echo unknown)
EDNS_TEXT=no
if ((EDNS)); then EDNS_TEXT=yes; fi
QPS_TEXT=unlimited
if ((MAX_QPS > 0)); then QPS_TEXT="at most $MAX_QPS q/s"; fi

report() {
  local n cols key
  echo "## Cache-hit benchmark: ternd vs unbound ($DATE)"
  echo
  echo "| resolver | QPS | avg latency µs | stddev µs | lost | SERVFAIL+other | CPU s | QPS per CPU-s | RSS MiB | dnsperf CPU s | p50 µs @${LAT_QPS}/s | p99 µs @${LAT_QPS}/s | answers as expected |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for n in ternd unbound; do
    cols="| $n"
    [ -n "${R[$n.status]:-}" ] && cols="| $n (${R[$n.status]})"
    for key in qps avg_us sd_us lost bad cpu_s qps_per_cpu rss_mib client_cpu_s p50_us p99_us check; do
      cols+=" | $(get "$n.$key")"
    done
    echo "$cols |"
  done
  cols="| ternd/unbound"
  for key in qps avg_us sd_us lost bad cpu_s qps_per_cpu rss_mib client_cpu_s p50_us p99_us; do
    cols+=" | $(ratio "$key")"
  done
  echo "$cols | |"
  echo
  echo "- Throughput run: dnsperf ${SECONDS_RUN} s per resolver, -c $CLIENTS -T $DNSPERF_THREADS -q $OUTSTANDING, $QPS_TEXT, EDNS0 $EDNS_TEXT, over UDP to 127.0.0.1; $NQUERIES lab names (NOERROR, NODATA, NXDOMAIN; CNAME chains; glue-less), all cached by a warm-up pass just before. QPS, latency, lost from dnsperf; sent: ternd $(get ternd.sent), unbound $(get unbound.sent). SERVFAIL+other: answers neither NOERROR nor NXDOMAIN (none expected)."
  echo "- CPU s: utime+stime of the resolver (all threads, /proc/PID/stat) during the throughput run; QPS per CPU-s = answered queries / CPU s (higher is better). RSS: VmRSS after the run. dnsperf CPU s: the client's own CPU, on the same cores."
  if ((LAT_SECONDS == 0)); then
    echo "- p50/p99: not measured (--latency-seconds 0)."
  else
    echo "- p50/p99: a separate ${LAT_SECONDS} s run at a fixed ${LAT_QPS} q/s (same for both), from dnsperf -v per-query latencies ($(get ternd.lat_n) / $(get unbound.lat_n) answers; lost $(get ternd.lat_lost) / $(get unbound.lat_lost); max $(get ternd.max_us) / $(get unbound.max_us) µs). At saturation the latency is only queueing (outstanding / QPS), hence the fixed rate."
  fi
  echo "- Response codes: ternd: $(get ternd.rcodes); unbound: $(get unbound.rcodes)."
  echo "- Both resolvers: $RES_THREADS threads, 127.0.0.1 only, IPv4 upstream only, root hints of the lab ($LAB_NET.0.1/2), QNAME minimisation on, no DNSSEC, no prefetch. Cache: ternd cache-size ${CACHE_MB}m; unbound msg-cache-size ${UB_MSG_MB}m + rrset-cache-size ${UB_RRSET_MB}m (= ${CACHE_MB}m, split 1:2 as unbound recommends)."
  echo "- Machine: $(nproc) CPUs ($CPU_MODEL), $(uname -sr); load average before $LOADAVG_BEFORE, after $LOADAVG_AFTER. dnsperf and the resolver share these CPUs."
  echo "- Versions: $TERND_VERSION (git $GIT_REV, buildtype $BUILDTYPE); $UNBOUND_VERSION; dnsperf $DNSPERF_VERSION; NSD $NSD_VERSION."
  echo "- Reproduce (as root, from the repository): \`$INVOCATION\`"
  ((DOT_SECONDS > 0)) || return 0
  echo
  echo "## DNS over TLS: ternd vs unbound"
  echo
  echo "| resolver | QPS | avg latency µs | lost | CPU s | QPS per CPU-s |"
  echo "|---|---:|---:|---:|---:|---:|"
  for n in ternd unbound; do
    cols="| $n"
    [ -n "${R[$n.dot_status]:-}" ] && cols="| $n (${R[$n.dot_status]})"
    for key in dot_qps dot_avg_us dot_lost dot_cpu_s dot_qps_per_cpu; do cols+=" | $(get "$n.$key")"; done
    echo "$cols |"
  done
  cols="| ternd/unbound"
  for key in dot_qps dot_avg_us dot_lost dot_cpu_s dot_qps_per_cpu; do cols+=" | $(ratio "$key")"; done
  echo "$cols |"
  echo
  echo "- dnsperf -m dot ${DOT_SECONDS} s per resolver, -c $CLIENTS -T $DNSPERF_THREADS -q $OUTSTANDING (each client one TLS connection, queries pipelined on it), the same $NQUERIES names, caches warm from the UDP runs; one self-signed P-256 certificate for both (ternd tls-listen, unbound tls-service-pem/-key, incoming-num-tcp 1024). Response codes: ternd: $(get ternd.dot_rcodes); unbound: $(get unbound.dot_rcodes)."
}

mkdir -p "$RESULTS_DIR"
RESULT=$RESULTS_DIR/bench-$STAMP.md
report | tee "$RESULT"
{
  echo
  echo "<details><summary>raw dnsperf output and resolver logs</summary>"
  echo
  echo '```'
  cat "$RAW"
  echo "### ternd log"; cat "$TMP/ternd.log"
  echo "### unbound log"; cat "$TMP/unbound.log"
  echo '```'
  echo "</details>"
} >>"$RESULT"
note "written to $RESULT"
