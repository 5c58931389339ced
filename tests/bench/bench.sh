#!/usr/bin/env bash
# tests/bench/bench.sh: the project's performance report. One run measures, side by side and
# under the same conditions:
#   - the ceiling: a minimal recvmmsg/sendmmsg UDP echo server (tests/bench/udp_echo.cpp) under
#     the same dnsperf load, i.e. what this machine's kernel and dnsperf allow;
#   - ternd and Debian's unbound answering from cache, with 1 and 2 threads (--thread-counts):
#     QPS, QPS per resolver CPU-second, p50/p99 latency at a fixed rate, lost queries, RSS;
#   - a cold-cache run of each over 3000 lab names in 100 zones (half delegated without glue):
#     time, upstream queries per name counted at the lab's authorities (NSD's own counters),
#     RSS after the run and per cached name, resolver CPU per name; every authority behind a
#     delay relay (--delay-ms), so that latencies count round trips: the first query's and the
#     cold names' median (issue 18);
#   - DNS over TLS cache hits (dnsperf -m dot);
#   - DNS over HTTPS cache hits (dnsperf -m doh, HTTP/2 GET), QPS and QPS per CPU-s at full load,
#     and the latency at a fixed rate (--doh-rate) with its 99th percentile;
#   - DNSSEC (issue 15): the cold run again over the same zones signed (algorithms 13 and 8,
#     keys made in the run), ternd validating (and with `dnssec: no`) against unbound with its
#     validator, anchored at the signed cold.lab; and cache hits with DO=1, ternd validating
#     against ternd with `dnssec: no`. ternd's DNSSEC settings are passed only when its
#     --check-config accepts them, and its figures count as validation only when it sets AD.
# Each resolver runs alone (fresh process per thread count), so they never share the CPUs.
# Markdown on stdout, also written to results/bench-<date>.md. A measurement, not a test: it
# never asserts timings; the targets of issues 5, 15 and 18 are reported as met or not.
#
# Run from anywhere, as root (the lab's NSD servers bind port 53 on $LAB_NET.x.y):
#   tests/bench/bench.sh [--build-dir DIR] [--seconds N] ...     (--help for all options)
#
# Every process it starts (lab, cold-zone NSDs, echo server, ternd, unbound, dnsperf) is stopped
# by its pid at exit.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd -- "$SCRIPT_DIR/../.." && pwd)
SCRIPT_NAME=bench.sh
INVOCATION=$(printf '%q ' "tests/bench/bench.sh" "$@")
INVOCATION=${INVOCATION% }
# shellcheck source=common.sh
. "$SCRIPT_DIR/common.sh"

# ---- options -----------------------------------------------------------------------------
BUILD_DIR=           # empty: build $REPO_DIR/build-bench (release) if needed
SECONDS_RUN=15       # length of each cache-hit run
CLIENTS=8            # dnsperf -c
DNSPERF_THREADS=2    # dnsperf -T
OUTSTANDING=100      # dnsperf -q
LAT_SECONDS=5        # length of the fixed-rate latency run
LAT_QPS=2000         # offered load of the latency run (same for both resolvers)
THREAD_COUNTS="1 2"  # worker threads of the resolvers and the echo server, one pass each
CACHE_MB=256         # ternd cache-size; unbound msg + rrset cache sum to the same
EDNS=0               # 1: dnsperf sends EDNS0 (-e)
DOT_SECONDS=10       # length of the DNS-over-TLS run (dnsperf -m dot); 0 = skip
DOH_SECONDS=10       # length of each DNS-over-HTTPS run (dnsperf -m doh); 0 = skip
DOH_RATE=2000        # queries per second of the DoH latency run (dnsperf -Q)
COLD_ZONES=100       # child zones of cold.lab (30 names each)
COLD_OUTSTANDING=20  # dnsperf -q of the cold run: resolutions in flight at once
DELAY_MS=50          # one-way delay of the relays in front of every authority (0: no relays)
LAB_NET=127.57       # the lab's own prefix, apart from other labs on this machine
WAIT_SECONDS=20      # how long to wait for each resolver to answer at start
KEEP=0               # 1: keep the temporary directory (configs, logs, raw dnsperf output)
RESULTS_DIR=$REPO_DIR/results
RESOLVERS=auto       # ternd unbound, plus pdns_recursor and kresd when installed
BASELINE_DIR=        # --baseline: another build's ternd, measured as ternd_base in the same run
COLD_NAMES_PER_ZONE=30
SIGNED_ALGS="13 8"   # DNSSEC algorithms of the signed cold runs, one run each ("none": skip)
DO_SECONDS=          # length of each DO=1 cache-hit run; empty: --seconds; 0 = skip
DO_ROUNDS=3          # the DO=1 runs alternate between the rows in this many slices each
DNSSEC_ONLY=0        # 1: only the signed cold runs and the DO=1 cache-hit runs
REQUIRE_VALIDATION=0 # 1: die unless ternd accepts `dnssec` and `trust-anchor-file`

usage() {
  cat <<EOF
usage: tests/bench/bench.sh [options]
  --build-dir DIR      use DIR/daemon/ternd and DIR/tests/bench/udp_echo (an existing build)
                       instead of building build-bench (release)
  --seconds N          length of each cache-hit throughput run (default $SECONDS_RUN)
  --clients N          dnsperf clients, -c (default $CLIENTS)
  --dnsperf-threads N  dnsperf threads, -T (default $DNSPERF_THREADS)
  --outstanding N      dnsperf queries in flight, -q (default $OUTSTANDING)
  --latency-seconds N  length of the fixed-rate latency run (default $LAT_SECONDS; 0 = skip)
  --latency-qps N      offered load of the latency run (default $LAT_QPS)
  --thread-counts "N.."  worker threads to measure, one pass each (default "$THREAD_COUNTS");
                       the cold and DoT runs use the last
  --cold-zones N       child zones of the cold run, $COLD_NAMES_PER_ZONE names each (default $COLD_ZONES; 0 = skip)
  --cold-outstanding N resolutions in flight during the cold run, dnsperf -q (default $COLD_OUTSTANDING)
  --delay-ms N         one-way delay of a relay (zones/tools/delay_relay) in front of every
                       authority, the lab's and the cold zones' (default $DELAY_MS): round trips
                       per name are each answer's latency / (2 x N), rounded down; 0 = no relays
  --resolvers "R.."    which to measure, of ternd ternd_base unbound pdns_recursor kresd (default:
                       ternd, ternd_base with --baseline, unbound, and PowerDNS Recursor / Knot
                       Resolver when installed)
  --baseline DIR       also measure DIR/daemon/ternd (an existing build of another commit, e.g.
                       the one before a change) as "ternd_base", with ternd's configuration, and
                       report ternd/ternd_base: a change's cost on the hit path, in one run
  --edns               dnsperf sends EDNS0 (default: plain DNS queries)
  --signed-algorithms "A.."  DNSSEC algorithms of the signed cold runs, one run each over the
                       --cold-zones zones signed with it (default "$SIGNED_ALGS"; of 8 10 13 14 15
                       16; "none" = skip)
  --do-seconds N       length of each DO=1 cache-hit run (ternd validating, ternd with
                       dnssec: no, unbound validating; default: --seconds; 0 = skip)
  --do-rounds N        the DO=1 runs take turns in N slices of --do-seconds/N each, all
                       processes up at once, so that a change in the machine's load hits
                       every row alike (default $DO_ROUNDS)
  --dnssec-only        only the DNSSEC runs (signed cold, DO=1 hits): no echo, no plain hit,
                       latency, cold or DoT runs
  --require-validation die unless this ternd accepts the settings dnssec and trust-anchor-file
                       (default: without them ternd is measured as it is, marked as not validating)
  --dot-seconds N      length of the DNS-over-TLS run, dnsperf -m dot (default $DOT_SECONDS; 0 = skip)
  --doh-seconds N      length of each DNS-over-HTTPS run, dnsperf -m doh (default $DOH_SECONDS; 0 = skip)
  --doh-rate N         queries per second of the DoH latency run (default $DOH_RATE)
  --lab-net 127.N      address prefix of the benchmark's own NSD lab (default $LAB_NET)
  --results-dir DIR    where bench-<date>.md goes (default results/ in the repository)
  --status-page listen|open
                       the ternd row (not ternd_base) with its status page on (http-listen,
                       issue 22); open: with a browser's event stream attached (curl -N /events)
                       and a name pinned, for the whole run. With --baseline naming the same
                       build: the page's cost on the hit path, as ternd/ternd_base
  --keep               keep the temporary directory (configs, logs, raw dnsperf output)
  -h, --help           this text
EOF
}

while (($#)); do
  case $1 in
    --build-dir) BUILD_DIR=${2:?--build-dir needs a directory}; shift 2 ;;
    --seconds) need_int "$1" "${2-}"; SECONDS_RUN=$2; shift 2 ;;
    --clients) need_int "$1" "${2-}"; CLIENTS=$2; shift 2 ;;
    --dnsperf-threads) need_int "$1" "${2-}"; DNSPERF_THREADS=$2; shift 2 ;;
    --outstanding) need_int "$1" "${2-}"; OUTSTANDING=$2; shift 2 ;;
    --latency-seconds) need_int "$1" "${2-}"; LAT_SECONDS=$2; shift 2 ;;
    --latency-qps) need_int "$1" "${2-}"; LAT_QPS=$2; shift 2 ;;
    --thread-counts) [[ ${2-} =~ ^[0-9]+( [0-9]+)*$ ]] || die "--thread-counts needs numbers, e.g. \"1 2\""
      THREAD_COUNTS=$2; shift 2 ;;
    --cold-zones) need_int "$1" "${2-}"; COLD_ZONES=$2; shift 2 ;;
    --cold-outstanding) need_int "$1" "${2-}"; COLD_OUTSTANDING=$2; shift 2 ;;
    --delay-ms) need_int "$1" "${2-}"; DELAY_MS=$2; shift 2 ;;
    --resolvers) [[ ${2-} =~ ^(ternd|ternd_base|unbound|pdns_recursor|kresd)( (ternd|ternd_base|unbound|pdns_recursor|kresd))*$ ]] ||
      die "--resolvers takes names of: ternd ternd_base unbound pdns_recursor kresd"
      RESOLVERS=$2; shift 2 ;;
    --baseline) BASELINE_DIR=${2:?--baseline needs a build directory}; shift 2 ;;
    --edns) EDNS=1; shift ;;
    --signed-algorithms) [[ ${2-} =~ ^(none|(8|10|13|14|15|16)( (8|10|13|14|15|16))*)$ ]] ||
      die "--signed-algorithms takes \"none\" or algorithm numbers of 8 10 13 14 15 16, e.g. \"13 8\""
      SIGNED_ALGS=$2; shift 2 ;;
    --do-seconds) need_int "$1" "${2-}"; DO_SECONDS=$2; shift 2 ;;
    --do-rounds) need_int "$1" "${2-}"; DO_ROUNDS=$2; shift 2 ;;
    --dnssec-only) DNSSEC_ONLY=1; shift ;;
    --require-validation) REQUIRE_VALIDATION=1; shift ;;
    --dot-seconds) need_int "$1" "${2-}"; DOT_SECONDS=$2; shift 2 ;;
    --doh-seconds) need_int "$1" "${2-}"; DOH_SECONDS=$2; shift 2 ;;
    --doh-rate) need_int "$1" "${2-}"; DOH_RATE=$2; shift 2 ;;
    --status-page)
      [[ ${2-} == listen || ${2-} == open ]] || die "--status-page needs listen or open"
      STATUS_PAGE=$2; shift 2 ;;
    --lab-net) LAB_NET=${2:?--lab-net needs 127.N}; shift 2 ;;
    --results-dir) RESULTS_DIR=${2:?--results-dir needs a directory}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
((SECONDS_RUN >= 1)) || die "--seconds must be at least 1"
((CLIENTS >= 1 && DNSPERF_THREADS >= 1 && COLD_OUTSTANDING >= 1)) || die "counts must be at least 1"
((LAT_SECONDS == 0 || LAT_QPS >= 1)) || die "--latency-qps must be at least 1"
((COLD_ZONES <= 250)) || die "--cold-zones is at most 250"
((DO_ROUNDS >= 1)) || die "--do-rounds must be at least 1"
for t in $THREAD_COUNTS; do ((t >= 1)) || die "--thread-counts must be at least 1 each"; done
[[ $LAB_NET =~ ^127\.[0-9]{1,3}$ ]] || die "--lab-net must be 127.N"
LAST_THREADS=${THREAD_COUNTS##* }
[ "$SIGNED_ALGS" = none ] && SIGNED_ALGS=
((COLD_ZONES > 0)) || SIGNED_ALGS=
DO_SECONDS=${DO_SECONDS:-$SECONDS_RUN}
if [ "$RESOLVERS" = auto ]; then
  RESOLVERS="ternd unbound"
  if [ -n "$BASELINE_DIR" ]; then RESOLVERS="ternd ternd_base unbound"; fi
  for other in pdns_recursor kresd; do command -v "$other" >/dev/null && RESOLVERS+=" $other"; done
fi
for r in $RESOLVERS; do
  case $r in
    ternd) ;;
    ternd_base) [ -n "$BASELINE_DIR" ] || die "ternd_base needs --baseline DIR" ;;
    *) need_tools "$r" ;;
  esac
done

need_tools dnsperf unbound unbound-checkconf dig nsd nsd-control ss openssl
[ -z "$SIGNED_ALGS" ] || need_tools ldns-keygen ldns-signzone ldns-key2ds
[ "$(id -u)" -eq 0 ] || die "run as root: the lab's NSD servers bind port 53"

# ---- state and cleanup -------------------------------------------------------------------
TMP=
LAB_DIR=
LAB_STARTED=0
RUN_PIDS=     # the resolver or echo server being measured (kresd: one process per thread)
DNSPERF_PID=
PAGE_PID=     # --status-page open: the curl reading ternd's event stream
STATUS_PAGE=${STATUS_PAGE:-}
COLD_PIDS=()  # the cold zones' NSD processes

cleanup() {
  local status=$? pid
  trap - EXIT INT TERM
  stop_pid "$DNSPERF_PID"
  stop_pid "$PAGE_PID"
  for pid in $RUN_PIDS "${COLD_PIDS[@]}"; do stop_pid "$pid"; done
  if ((LAB_STARTED)); then stop_lab "$LAB_DIR"; fi
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

# ---- 1. build, lab, cold zones -----------------------------------------------------------
if [ -z "$BUILD_DIR" ]; then
  BUILD_DIR=$REPO_DIR/build-bench
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    note "meson setup $BUILD_DIR (release)"
    meson setup "$BUILD_DIR" "$REPO_DIR" -Dbuildtype=release >/dev/null
  fi
  note "ninja -C $BUILD_DIR daemon/ternd tests/bench/udp_echo zones/tools/delay_relay"
  ninja -C "$BUILD_DIR" daemon/ternd tests/bench/udp_echo zones/tools/delay_relay >/dev/null
fi
BUILD_DIR=$(cd -- "$BUILD_DIR" && pwd)
TERND=$BUILD_DIR/daemon/ternd
ECHO=$BUILD_DIR/tests/bench/udp_echo
[ -x "$TERND" ] || die "$TERND not found (build it, or drop --build-dir)"
[ -x "$ECHO" ] || ((DNSSEC_ONLY)) || die "$ECHO not found (ninja -C $BUILD_DIR tests/bench/udp_echo)"
TERND_BASE=
if [ -n "$BASELINE_DIR" ]; then
  TERND_BASE=$(cd -- "$BASELINE_DIR" && pwd)/daemon/ternd
  [ -x "$TERND_BASE" ] || die "$TERND_BASE not found (build the baseline first)"
fi
BUILDTYPE=$(python3 -c 'import json,sys
for o in json.load(open(sys.argv[1])):
    if o["name"] == "buildtype": print(o["value"])' "$BUILD_DIR/meson-info/intro-buildoptions.json" \
  2>/dev/null || echo unknown)
[ "$BUILDTYPE" = release ] || note "warning: $BUILD_DIR is buildtype=$BUILDTYPE, not release"

# The delay relays (issue 18: round trips): NSD on port 5300 of each address, the relay on 53
# holding every datagram and TCP chunk DELAY_MS each way. The same delay everywhere, so that
# a name's latency divided by one round trip counts the round trips it took.
RELAY=
if ((DELAY_MS > 0)); then
  RELAY=$BUILD_DIR/zones/tools/delay_relay
  [ -x "$RELAY" ] || RELAY=$REPO_DIR/build/zones/tools/delay_relay
  [ -x "$RELAY" ] || die "no delay_relay in $BUILD_DIR or $REPO_DIR/build (ninja -C DIR zones/tools/delay_relay), or --delay-ms 0"
  export LAB_DELAY=1 LAB_DELAY_ROOT=$DELAY_MS LAB_DELAY_TLD=$DELAY_MS LAB_DELAY_SLD=$DELAY_MS LAB_RELAY=$RELAY
else
  export LAB_DELAY=0
fi
COLD_NSD_PORT=$((DELAY_MS > 0 ? 5300 : 53))

note "starting the NSD lab on $LAB_NET.x.y (LAB_DIR=$LAB_DIR, relays adding ${DELAY_MS} ms each way)"
LAB_STARTED=1
start_lab "$LAB_NET" "$LAB_DIR"
HINTS=$LAB_DIR/root.hints

# The cold run's zones (zones/README.md): cold.lab (N.17.1/2) delegates c1..cN.cold.lab to
# N.18.1/2, odd zones with in-bailiwick glue, even zones to a/b.cold-dns.lab (N.17.3), names a
# resolver must look up first; each child holds host1..host30. One NSD serves the parents, one
# the children; the signed runs restart both on the same zones signed.
COLD_DIR=$TMP/cold
cold_nsd_conf() {  # cold_nsd_conf NAME ADDRESS... then "--" and ZONE=FILE...
  local name=$1 dir=$COLD_DIR/$1 a
  shift
  mkdir -p "$dir"
  echo "server:"
  while [ "$1" != -- ]; do echo "    ip-address: $1"; shift; done
  shift
  cat <<EOF
    port: $COLD_NSD_PORT
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$COLD_DIR"
    pidfile: "$dir/nsd.pid"
    database: ""
    zonelistfile: "$dir/zone.list"
    xfrdfile: "$dir/xfrd.state"
    xfrdir: "$dir"
    cookie-secret-file: "$dir/cookiesecrets.txt"
    zonefiles-write: 0
    logfile: "$dir/nsd.log"
    hide-version: yes
    verbosity: 1
    server-count: 1
    tcp-count: 64
remote-control:
    control-enable: yes
    control-interface: $dir/nsd.ctl
EOF
  for a in "$@"; do printf 'zone:\n    name: "%s"\n    zonefile: "%s"\n' "${a%%=*}" "${a#*=}"; done
}

cold_queries() {  # the cold run's query file, the same shuffled order for every resolver
  local z h
  for ((z = 1; z <= COLD_ZONES; z++)); do
    for ((h = 1; h <= COLD_NAMES_PER_ZONE; h++)); do echo "host$h.c$z.cold.lab A"; done
  done | awk 'BEGIN { srand(20261125) } { print rand() "\t" $0 }' | sort -n | cut -f2-
}

# write_cold_zones DIR: the cold run's zone files, one per zone (each with its $ORIGIN, so that
# a signer can sign it): cold.lab.zone, cold-dns.lab.zone, c1.cold.lab.zone ...
write_cold_zones() {
  local dir=$1 z h soa="@ 3600 IN SOA ns1.cold.lab. hostmaster.cold.lab. 1 3600 600 86400 60"
  mkdir -p "$dir"
  {
    echo "\$ORIGIN cold.lab."
    echo "\$TTL 3600"
    echo "$soa"
    echo "@ IN NS ns1.cold.lab."
    echo "@ IN NS ns2.cold.lab."
    echo "ns1 IN A $LAB_NET.17.1"
    echo "ns2 IN A $LAB_NET.17.2"
    for ((z = 1; z <= COLD_ZONES; z++)); do
      if ((z % 2)); then
        echo "c$z IN NS ns1.c$z"; echo "c$z IN NS ns2.c$z"
        echo "ns1.c$z IN A $LAB_NET.18.1"; echo "ns2.c$z IN A $LAB_NET.18.2"
      else
        echo "c$z IN NS a.cold-dns.lab."; echo "c$z IN NS b.cold-dns.lab."
      fi
    done
  } >"$dir/cold.lab.zone"
  printf '$ORIGIN cold-dns.lab.\n$TTL 3600\n%s\n@ IN NS ns1.cold-dns.lab.\nns1 IN A %s\na IN A %s\nb IN A %s\n' \
    "${soa//cold.lab./cold-dns.lab.}" "$LAB_NET.17.3" "$LAB_NET.18.1" "$LAB_NET.18.2" >"$dir/cold-dns.lab.zone"
  for ((z = 1; z <= COLD_ZONES; z++)); do
    {
      echo "\$ORIGIN c$z.cold.lab."
      echo "\$TTL 3600"
      echo "$soa"
      if ((z % 2)); then
        printf '@ IN NS ns1\n@ IN NS ns2\nns1 IN A %s\nns2 IN A %s\n' "$LAB_NET.18.1" "$LAB_NET.18.2"
      else
        printf '@ IN NS a.cold-dns.lab.\n@ IN NS b.cold-dns.lab.\n'
      fi
      for ((h = 1; h <= COLD_NAMES_PER_ZONE; h++)); do echo "host$h IN A 192.0.2.$h"; done
    } >"$dir/c$z.cold.lab.zone"
  done
}

# start_cold_nsds DIR SUFFIX: the two NSDs of the cold zones, serving DIR/cold.lab.zone$SUFFIX
# and DIR/cN.cold.lab.zone$SUFFIX (cold-dns.lab: always the unsigned one) -> COLD_PIDS.
start_cold_nsds() {
  local dir=$1 suffix=$2 z zones=() part pid i
  for ((z = 1; z <= COLD_ZONES; z++)); do zones+=("c$z.cold.lab=$dir/c$z.cold.lab.zone$suffix"); done
  cold_nsd_conf parents "$LAB_NET.17.1" "$LAB_NET.17.2" "$LAB_NET.17.3" -- "cold.lab=$dir/cold.lab.zone$suffix" \
    "cold-dns.lab=$COLD_DIR/zones/cold-dns.lab.zone" >"$COLD_DIR/parents.conf"
  cold_nsd_conf children "$LAB_NET.18.1" "$LAB_NET.18.2" -- "${zones[@]}" >"$COLD_DIR/children.conf"
  for part in parents children; do
    nsd -d -c "$COLD_DIR/$part.conf" >"$COLD_DIR/$part.out" 2>&1 &
    COLD_PIDS+=($!)
  done
  if [ -n "$RELAY" ]; then  # port 53 of each address to its NSD on COLD_NSD_PORT
    local pairs=() a
    for a in "$LAB_NET.17.1" "$LAB_NET.17.2" "$LAB_NET.17.3" "$LAB_NET.18.1" "$LAB_NET.18.2"; do
      pairs+=("$a:53=$a:$COLD_NSD_PORT")
    done
    "$RELAY" --delay-ms "$DELAY_MS" "${pairs[@]}" >>"$COLD_DIR/relay.log" 2>&1 &
    COLD_PIDS+=($!)
  fi
  # Ready when the last child zone's SOA is answered by both servers.
  for ((i = 0; i < 100; i++)); do
    if dig +norec +short +tries=1 +time=1 @"$LAB_NET.18.2" "c$COLD_ZONES.cold.lab" SOA | grep -q hostmaster &&
      dig +norec +short +tries=1 +time=1 @"$LAB_NET.17.3" a.cold-dns.lab A | grep -q "$LAB_NET.18.1"; then
      return 0
    fi
    for pid in "${COLD_PIDS[@]}"; do
      kill -0 "$pid" 2>/dev/null || { cat "$COLD_DIR"/*.out "$COLD_DIR"/*/nsd.log >&2 2>/dev/null; die "a cold-zone NSD exited"; }
    done
    sleep 0.1
  done
  die "the cold-zone NSDs did not answer within 10 s"
}

stop_cold_nsds() {
  local pid
  for pid in "${COLD_PIDS[@]}"; do stop_pid "$pid"; done
  COLD_PIDS=()
}

cold_key() {  # cold_key DIR ZONE: the .key file of ZONE's one key in DIR
  local k=("$1/K$2.+"*.key)
  [ -f "${k[0]}" ] || die "no key for $2 in $1"
  echo "${k[0]}"
}

# sign_cold_zones ALG: the cold zones of $COLD_DIR/zones signed with DNSSEC algorithm ALG into
# $COLD_DIR/signed-ALG (*.zone.signed, NSEC): one fresh key per zone (a CSK, flags 257, made
# here with ldns-keygen: a key per zone, as in the wild, so no validator gains from a key seen
# before), each child's DS (SHA-256) in cold.lab, and anchors.key: the lab's root anchor
# ($LAB_DIR/root.key) and cold.lab's DS. cold.lab is anchored directly because lab. delegates
# it without a DS (zones/lab/lab.zone): from the root alone a validator proves it insecure.
sign_cold_zones() {
  local alg=$1 dir=$COLD_DIR/signed-$1 name bits=() z zones=() inception
  case $alg in
    8) name=RSASHA256 bits=(-b 2048) ;;
    10) name=RSASHA512 bits=(-b 2048) ;;
    13) name=ECDSAP256SHA256 ;;
    14) name=ECDSAP384SHA384 ;;
    15) name=ED25519 ;;
    16) name=ED448 ;;
  esac
  mkdir -p "$dir"
  for ((z = 1; z <= COLD_ZONES; z++)); do zones+=("c$z.cold.lab"); done
  # RSA key generation is the slow part (~0.2 CPU-s a key): on every core at once.
  printf '%s\n' cold.lab "${zones[@]}" | (cd "$dir" &&
    xargs -P "$(nproc)" -n 1 ldns-keygen -a "$name" "${bits[@]}" -k >/dev/null 2>"$dir/keygen.log") || {
    cat "$dir/keygen.log" >&2
    die "ldns-keygen -a $name failed"
  }
  cp "$COLD_DIR/zones/cold.lab.zone" "$dir/cold.lab.zone"
  for z in "${zones[@]}"; do ldns-key2ds -n -2 "$(cold_key "$dir" "$z")" >>"$dir/cold.lab.zone"; done
  # Inception an hour back: no validator may see a signature made "in the future".
  inception=$(date -u -d '-1 hour' +%Y%m%d%H%M%S)
  for z in "${zones[@]}" cold.lab; do echo "$z"; done | (
    cd "$dir" && SIGN_DIR=$dir SIGN_SRC=$COLD_DIR/zones SIGN_INCEPTION=$inception xargs -P "$(nproc)" -I{} sh -c '
      src=$SIGN_DIR/{}.zone; [ -f "$src" ] || src=$SIGN_SRC/{}.zone
      set -- "$SIGN_DIR"/K{}.+*.key
      ldns-signzone -i "$SIGN_INCEPTION" -o {}. -f "$SIGN_DIR/{}.zone.signed" "$src" "${1%.key}"' \
      >"$dir/sign.log" 2>&1
  ) || {
    cat "$dir/sign.log" >&2
    die "ldns-signzone failed (algorithm $alg)"
  }
  { cat "$LAB_DIR/root.key"; ldns-key2ds -n -2 "$(cold_key "$dir" cold.lab)"; } >"$dir/anchors.key"
}

# upstream_total: every query the lab's and the cold zones' authorities have received so far.
upstream_total() {
  local lab cold=0 part n
  lab=$(LAB_DIR=$LAB_DIR "$REPO_DIR/zones/lab.sh" queries | awk '$1 == "total" { print $2 }')
  for part in parents children; do
    n=$(nsd-control -c "$COLD_DIR/$part.conf" stats_noreset | awk -F= '$1 == "num.queries" { print $2 }')
    cold=$((cold + n))
  done
  echo $((lab + cold))
}

COLD_QFILE=$TMP/cold-queries.txt
if ((COLD_ZONES > 0)); then
  write_cold_zones "$COLD_DIR/zones"
  cold_queries >"$COLD_QFILE"
  if ((!DNSSEC_ONLY)); then
    note "starting the cold zones: $COLD_ZONES zones of $COLD_NAMES_PER_ZONE names on $LAB_NET.17.x/18.x"
    start_cold_nsds "$COLD_DIR/zones" ""
  fi
fi
COLD_N=$((COLD_ZONES * COLD_NAMES_PER_ZONE))

# ---- 2. resolver configurations ----------------------------------------------------------
TERN_PORT=$(pick_port)
UNBOUND_PORT=$(pick_port "$TERN_PORT")
ECHO_PORT=$(pick_port "$TERN_PORT" "$UNBOUND_PORT")
TERN_TLS_PORT=$(pick_port "$TERN_PORT" "$UNBOUND_PORT" "$ECHO_PORT")
UNBOUND_TLS_PORT=$(pick_port "$TERN_PORT" "$UNBOUND_PORT" "$ECHO_PORT" "$TERN_TLS_PORT")
TERN_HTTPS_PORT=$(pick_port "$TERN_PORT" "$UNBOUND_PORT" "$ECHO_PORT" "$TERN_TLS_PORT" "$UNBOUND_TLS_PORT")
UNBOUND_HTTPS_PORT=$(pick_port "$TERN_PORT" "$UNBOUND_PORT" "$ECHO_PORT" "$TERN_TLS_PORT" "$UNBOUND_TLS_PORT" "$TERN_HTTPS_PORT")
STATUS_HTTP_PORT=$(pick_port "$TERN_PORT" "$UNBOUND_PORT" "$ECHO_PORT" "$TERN_TLS_PORT" "$UNBOUND_TLS_PORT" "$TERN_HTTPS_PORT" "$UNBOUND_HTTPS_PORT")
OTHER_PORT=$(pick_port "$TERN_PORT" "$UNBOUND_PORT" "$ECHO_PORT" "$TERN_TLS_PORT" "$UNBOUND_TLS_PORT")
# the second ternd of the DO=1 runs (dnssec: no), running next to the first
TERN2_PORT=$(pick_port "$TERN_PORT" "$UNBOUND_PORT" "$ECHO_PORT" "$TERN_TLS_PORT" "$UNBOUND_TLS_PORT" "$OTHER_PORT")

# One self-signed certificate for both resolvers' DoT listeners (dnsperf does not verify it).
(umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=tern-bench -keyout "$TMP/dot.key" -out "$TMP/dot.pem" 2>"$TMP/openssl.log") || {
  cat "$TMP/openssl.log" >&2
  die "openssl could not make the DoT certificate"
}

# ---- ternd's DNSSEC settings ---------------------------------------------------------------
# Issue 15's settings are passed to a ternd only when its --check-config accepts them, so the
# script measures a ternd from before them as it is (not validating, said so in the report).
# dnssec_off_yaml BINARY: "dnssec: no" when BINARY knows the setting, else nothing. The runs
# other than the DNSSEC ones compare with an unbound without its validator, so they turn
# ternd's validation (on by default once it exists) off.
dnssec_off_yaml() {
  ternd_config "$TERN_PORT" 1 "$CACHE_MB" "$HINTS" "dnssec: no" >"$TMP/probe.yaml"
  if ternd_accepts "$1" "$TMP/probe.yaml" "$TMP/probe.log"; then echo "dnssec: no"; fi
}
TERND_DNSSEC_OFF=$(dnssec_off_yaml "$TERND")
TERND_BASE_DNSSEC_OFF=
[ -z "$TERND_BASE" ] || TERND_BASE_DNSSEC_OFF=$(dnssec_off_yaml "$TERND_BASE")
# Validation needs both `dnssec: yes` and `trust-anchor-file`: the lab's root is signed with
# the lab's own key, so a validator with the built-in IANA root anchors finds it bogus.
validating_yaml() {  # validating_yaml ANCHOR_FILE: ternd's settings of a validating run
  printf 'dnssec: yes\ntrust-anchor-file: ["%s"]\n' "$1"
}
TERND_VALIDATES=0
ternd_config "$TERN_PORT" 1 "$CACHE_MB" "$HINTS" "$(validating_yaml "$LAB_DIR/root.key")" >"$TMP/probe.yaml"
if ternd_accepts "$TERND" "$TMP/probe.yaml" "$TMP/probe.log"; then TERND_VALIDATES=1; fi
if ((!TERND_VALIDATES)); then
  ((!REQUIRE_VALIDATION)) || { cat "$TMP/probe.log" >&2; die "--require-validation: $TERND does not accept dnssec/trust-anchor-file"; }
  note "this ternd does not know the settings dnssec/trust-anchor-file: measured as it is, not validating"
fi

# unbound's two caches share the budget 1:2 (its documented rule of thumb: rrset = 2 x msg).
UB_MSG_MB=$((CACHE_MB / 3))
UB_RRSET_MB=$((CACHE_MB - UB_MSG_MB))

write_configs() {  # write_configs THREADS
  local tls=
  if ((DOT_SECONDS > 0 || DOH_SECONDS > 0)); then
    tls="tls-listen: [\"127.0.0.1@$TERN_TLS_PORT\"]
tls-certificate: $TMP/dot.pem
tls-private-key: $TMP/dot.key"
  fi
  # The baseline may predate DoH: only the measured ternd gets the listener.
  local https=
  ((DOH_SECONDS > 0)) && https="https-listen: [\"127.0.0.1@$TERN_HTTPS_PORT\"]"
  local page=
  [ -z "$STATUS_PAGE" ] || page="http-listen: [\"127.0.0.1@$STATUS_HTTP_PORT\"]"
  ternd_config "$TERN_PORT" "$1" "$CACHE_MB" "$HINTS" "$tls
$https
$TERND_DNSSEC_OFF
$page" >"$TMP/ternd.yaml"
  "$TERND" -c "$TMP/ternd.yaml" --check-config >"$TMP/ternd-check.log" 2>&1 || {
    cat "$TMP/ternd-check.log" >&2
    die "ternd rejects $TMP/ternd.yaml"
  }
  if [ -n "$TERND_BASE" ]; then
    ternd_config "$TERN_PORT" "$1" "$CACHE_MB" "$HINTS" "$tls
$TERND_BASE_DNSSEC_OFF" >"$TMP/ternd_base.yaml"
    "$TERND_BASE" -c "$TMP/ternd_base.yaml" --check-config >"$TMP/ternd-check.log" 2>&1 || {
      cat "$TMP/ternd-check.log" >&2
      die "ternd_base rejects $TMP/ternd_base.yaml"
    }
  fi
  cat >"$TMP/unbound.conf" <<EOF
server:
  interface: 127.0.0.1@$UNBOUND_PORT
  interface: 127.0.0.1@$UNBOUND_TLS_PORT
  interface: 127.0.0.1@$UNBOUND_HTTPS_PORT
  port: $UNBOUND_PORT
  tls-port: $UNBOUND_TLS_PORT
  https-port: $UNBOUND_HTTPS_PORT
  tls-service-key: "$TMP/dot.key"
  tls-service-pem: "$TMP/dot.pem"
  incoming-num-tcp: 1024
  num-threads: $1
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
}

# ---- 3. the cache-hit queries ------------------------------------------------------------
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

# The DO=1 cache-hit runs ask these names too: secure answers of the lab's signed zones (their
# RRSIGs and, for NXDOMAIN and NODATA, NSEC/NSEC3 proofs go to a DO=1 client) and an insecure one.
DO_QUERIES=$(
  cat <<'EOF'
www.alg8.sec A NOERROR
www.alg10.sec A NOERROR
www.alg13.sec A NOERROR
www.alg14.sec A NOERROR
www.alg15.sec A NOERROR
www.alg16.sec A NOERROR
www.nsec.sec A NOERROR
www.nsec3.sec A NOERROR
www.nsec.sec AAAA NOERROR
nosuch.nsec.sec A NXDOMAIN
nosuch.nsec3.sec A NXDOMAIN
any.wild.nsec.sec A NOERROR
sec SOA NOERROR
. SOA NOERROR
www.insecure.sec A NOERROR
EOF
)
DO_QFILE=$TMP/do-queries.txt
{ cat "$QFILE"; awk '{ print $1, $2 }' <<<"$DO_QUERIES"; } >"$DO_QFILE"
NDO_QUERIES=$(wc -l <"$DO_QFILE")
DO_EXPECTED=$TMP/do-expected.txt
printf '%s\n%s\n' "$QUERIES" "$DO_QUERIES" | awk '{ print tolower($1), $2, $3 }' | sort >"$DO_EXPECTED"

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

# check_answers KEY PORT [QFILE EXPECTED [DNSPERF_ARG...]]: one pass over QFILE (default the
# cache-hit names) with per-query output; prints how many rcodes were as EXPECTED ("34/34") and
# lists the others on stderr.
check_answers() {
  local key=$1 port=$2 qfile=${3:-$QFILE} expected=${4:-$EXPECTED} got=$TMP/$1-check.txt n
  shift $(($# < 4 ? $# : 4))
  n=$(wc -l <"$qfile")
  run_dnsperf "$TMP/$key-check.out" -s 127.0.0.1 -p "$port" -d "$qfile" -n 1 -c 1 -q 1 -v "$@" || true
  awk '$1 == ">" { print tolower($3), $4, $2 }' "$TMP/$key-check.out" | sort >"$got"
  local ok
  ok=$(comm -12 "$expected" "$got" | wc -l)
  if ((ok != n)); then
    echo "bench.sh: $key: unexpected answers (expected / got):" >&2
    diff "$expected" "$got" | grep '^[<>]' >&2 || true
  fi
  echo "$ok/$n"
}

# ---- 4. measurements ---------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
declare -A R  # R[key.field] = value, the tables' cells; key = resolver.threads (ternd.2, echo.1)

per_cpu() {  # per_cpu COUNT TICKS: COUNT per CPU-second
  awk -v n="$1" -v t="$2" -v hz="$CLK_TCK" 'BEGIN { if (t > 0) printf "%.0f", n / (t / hz); else print "n/a" }'
}

# The processes of one server as one: all alive, CPU and RSS summed over them.
alive() {
  local pid
  for pid in $1; do kill -0 "$pid" 2>/dev/null || return 1; done
}
group_cpu() {  # group_cpu PIDS -> CPU_TICKS
  local pid total=0
  for pid in $1; do cpu_ticks "$pid" || return 1; total=$((total + CPU_TICKS)); done
  CPU_TICKS=$total
}
group_rss() {  # group_rss PIDS -> RSS_KIB
  local pid total=0
  for pid in $1; do rss_kib "$pid"; total=$((total + RSS_KIB)); done
  RSS_KIB=$total
}

bad_rcodes() {  # bad_rcodes OUTFILE: answers other than NOERROR and NXDOMAIN (SERVFAIL, REFUSED, ...)
  awk '/Response codes:/ { sub(/.*Response codes: */, ""); n = split($0, a, ", ");
      for (i = 1; i <= n; i++) { split(a[i], f, " "); if (f[1] != "NOERROR" && f[1] != "NXDOMAIN") s += f[2] }
      print s + 0; exit }' "$1"
}

# throughput KEY PIDS PORT [SECONDS QFILE [DNSPERF_ARG...]]: the unthrottled cache-hit run
# against PORT (default --seconds over the cache-hit names), the processes PIDS's CPU
throughput() {
  local key=$1 pid=$2 port=$3 seconds=${4:-$SECONDS_RUN} qfile=${5:-$QFILE} c0 c1 out=$TMP/$1-run.out rc=0
  shift $(($# < 5 ? $# : 5))
  note "$key: throughput run, ${seconds}s"
  group_cpu "$pid"; c0=$CPU_TICKS
  run_dnsperf "$out" "${DNSPERF_COMMON[@]}" -p "$port" -d "$qfile" -l "$seconds" -S 1 "$@" || rc=$?
  if ! alive "$pid" || ! group_cpu "$pid"; then
    R[$key.status]="exited during the run"
    return 1
  fi
  c1=$CPU_TICKS
  group_rss "$pid"
  ((rc == 0)) || R[$key.status]="dnsperf exit status $rc"
  R[$key.qps]=$(field "$out" "Queries per second:")
  R[$key.completed]=$(field "$out" "Queries completed:")
  R[$key.lost]=$(field "$out" "Queries lost:")
  # answers other than NOERROR and NXDOMAIN (SERVFAIL, REFUSED, ...): none expected
  R[$key.bad]=$(bad_rcodes "$out")
  R[$key.cpu_s]=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
  R[$key.qps_per_cpu]=$(per_cpu "${R[$key.completed]}" $((c1 - c0)))
  R[$key.rss_mib]=$(awk -v k="$RSS_KIB" 'BEGIN { printf "%.1f", k / 1024 }')
}

# latency KEY PORT: a fixed-rate run, p50/p99 from dnsperf -v's per-query latencies
latency() {
  local key=$1 port=$2 p50 p99 max count
  ((LAT_SECONDS > 0)) || return 0
  note "$key: latency run, ${LAT_SECONDS}s at ${LAT_QPS} q/s"
  run_dnsperf "$TMP/$key-lat.out" "${DNSPERF_COMMON[@]}" -p "$port" -d "$QFILE" -l "$LAT_SECONDS" -Q "$LAT_QPS" -v ||
    true
  # "> RCODE name type latency-seconds", one line per answered query
  read -r p50 p99 max count < <(
    awk '$1 == ">" { print $NF * 1e6 }' "$TMP/$key-lat.out" | sort -n | awk '
      { v[NR] = $1 }
      END {
        if (NR == 0) { print "n/a n/a n/a 0"; exit }
        i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
        printf "%.0f %.0f %.0f %d\n", v[i50], v[i99], v[NR], NR
      }')
  R[$key.p50_us]=$p50 R[$key.p99_us]=$p99 R[$key.max_us]=$max R[$key.lat_n]=$count
}

# first_query KEY PID PORT: the resolver's first walk, right after start: once it answers
# localhost (from its own data: no upstream query, so nothing is primed yet), one
# www.example.lab A, its Query time and that in round trips (root, lab., example.lab., and the
# root priming when the resolver waits for it). Nothing when it never answers localhost.
first_query() {
  local key=$1 pid=$2 port=$3 i out ms
  for ((i = 0; i < WAIT_SECONDS * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    if dig +tries=1 +time=1 -p "$port" @127.0.0.1 localhost A 2>/dev/null | grep -q 'status: '; then
      out=$(dig +tries=1 +time=5 -p "$port" @127.0.0.1 www.example.lab A 2>/dev/null || true)
      grep -q 'status: NOERROR' <<<"$out" || return 0
      ms=$(awk '/Query time:/ { print $4 }' <<<"$out")
      R[$key.first_ms]=$ms
      R[$key.first_rt]=$(awk -v ms="$ms" -v d="$DELAY_MS" 'BEGIN { printf "%d", ms / (2 * d) }')
      return 0
    fi
    sleep 0.2
  done
}

# cold KEY PID PORT: every cold name once, on a fresh cache; upstream queries counted at the
# authorities, RSS before and after.
cold() {
  local key=$1 pid=$2 port=$3 u0 u1 c0 c1 r0 out=$TMP/$1-cold.out
  ((COLD_N > 0)) || return 0
  note "$key: cold-cache run, $COLD_N names, $COLD_OUTSTANDING in flight"
  group_rss "$pid"; r0=$RSS_KIB
  u0=$(upstream_total)
  group_cpu "$pid"; c0=$CPU_TICKS
  run_dnsperf "$out" -s 127.0.0.1 -p "$port" -d "$COLD_QFILE" -n 1 -c 1 -q "$COLD_OUTSTANDING" -t 10 -v || true
  group_cpu "$pid"; c1=$CPU_TICKS
  u1=$(upstream_total)
  # RSS once the run has settled (2 s, the same for every server): the memory the cached names
  # hold, not the transient heap of the resolutions that just finished (ternd hands freed
  # pages back once a second; the others keep what they have).
  sleep 2
  group_rss "$pid"
  R[$key.cold_s]=$(field "$out" "Run time (s):")
  R[$key.cold_qps]=$(field "$out" "Queries per second:")
  R[$key.cold_noerror]=$(rcode_count "$out" NOERROR)
  R[$key.cold_lost]=$(field "$out" "Queries lost:")
  local completed
  completed=$(field "$out" "Queries completed:")
  R[$key.cold_other]=$((completed - ${R[$key.cold_noerror]}))
  R[$key.cold_upstream]=$((u1 - u0))
  R[$key.cold_per_name]=$(awk -v u=$((u1 - u0)) -v n="$COLD_N" 'BEGIN { printf "%.2f", u / n }')
  # Round trips per name through the relays: each answer's latency / one round trip, rounded
  # ("> RCODE name type latency-seconds", one line per answer); the median and the mean.
  if ((DELAY_MS > 0)); then
    read -r "R[$key.cold_rt_median]" "R[$key.cold_rt_mean]" < <(
      awk -v rt="$DELAY_MS" '$1 == ">" { n = int($NF * 1000 / (2 * rt)); print n }' "$out" | sort -n | awk '
        { v[NR] = $1; sum += $1 }
        END { if (NR == 0) print "n/a n/a"; else printf "%d %.2f\n", v[int(NR * 0.5 + 0.999999)], sum / NR }')
  fi
  R[$key.cold_cpu_ms_per_name]=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" -v n="$COLD_N" 'BEGIN { printf "%.3f", t / hz * 1000 / n }')
  R[$key.cold_rss_before]=$(awk -v k="$r0" 'BEGIN { printf "%.1f", k / 1024 }')
  R[$key.cold_rss_after]=$(awk -v k="$RSS_KIB" 'BEGIN { printf "%.1f", k / 1024 }')
  R[$key.cold_kib_per_name]=$(awk -v a="$r0" -v b="$RSS_KIB" -v n="${R[$key.cold_noerror]}" \
    'BEGIN { if (n > 0) printf "%.2f", (b - a) / n; else print "n/a" }')
}

# dot KEY PID PORT: a DNS-over-TLS throughput run (the cache is warm from the UDP runs); each
# dnsperf client keeps one TLS connection and pipelines its queries on it.
dot() {
  local key=$1 pid=$2 port=$3 c0 c1 out=$TMP/$1-dot.out rc=0
  ((DOT_SECONDS > 0)) || return 0
  note "$key: DNS-over-TLS throughput run, ${DOT_SECONDS}s"
  group_cpu "$pid"; c0=$CPU_TICKS
  run_dnsperf "$out" -m dot "${DNSPERF_COMMON[@]}" -p "$port" -d "$QFILE" -l "$DOT_SECONDS" -S 1 || rc=$?
  if ! alive "$pid" || ! group_cpu "$pid"; then
    R[$key.dot_status]="exited during the DoT run"
    return 0
  fi
  c1=$CPU_TICKS
  ((rc == 0)) || R[$key.dot_status]="dnsperf exit status $rc"
  R[$key.dot_qps]=$(field "$out" "Queries per second:")
  R[$key.dot_lost]=$(field "$out" "Queries lost:")
  R[$key.dot_avg_us]=$(awk -v s="$(field "$out" "Average Latency (s):")" 'BEGIN { printf "%.0f", s * 1e6 }')
  R[$key.dot_cpu_s]=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
  R[$key.dot_qps_per_cpu]=$(per_cpu "$(field "$out" "Queries completed:")" $((c1 - c0)))
}

# doh KEY PID PORT: DNS over HTTPS (HTTP/2 GET, the cache warm): a full-load run (QPS, QPS per
# CPU-s), then a run at DOH_RATE queries per second whose per-query latencies (dnsperf -v) give
# the 99th percentile.
doh() {
  local key=$1 pid=$2 port=$3 c0 c1 out=$TMP/$1-doh.out rate_out=$TMP/$1-doh-rate.out rc=0
  ((DOH_SECONDS > 0)) || return 0
  note "$key: DNS-over-HTTPS throughput run, ${DOH_SECONDS}s"
  group_cpu "$pid"; c0=$CPU_TICKS
  run_dnsperf "$out" -m doh -O doh-uri="https://127.0.0.1:$port/dns-query" "${DNSPERF_COMMON[@]}" -p "$port" \
    -d "$QFILE" -l "$DOH_SECONDS" -S 1 || rc=$?
  if ! alive "$pid" || ! group_cpu "$pid"; then
    R[$key.doh_status]="exited during the DoH run"
    return 0
  fi
  c1=$CPU_TICKS
  ((rc == 0)) || R[$key.doh_status]="dnsperf exit status $rc"
  R[$key.doh_qps]=$(field "$out" "Queries per second:")
  R[$key.doh_lost]=$(field "$out" "Queries lost:")
  R[$key.doh_cpu_s]=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
  R[$key.doh_qps_per_cpu]=$(per_cpu "$(field "$out" "Queries completed:")" $((c1 - c0)))
  note "$key: DNS-over-HTTPS latency run at ${DOH_RATE} q/s, ${DOH_SECONDS}s"
  run_dnsperf "$rate_out" -m doh -O doh-uri="https://127.0.0.1:$port/dns-query" -s 127.0.0.1 -p "$port" \
    -d "$QFILE" -l "$DOH_SECONDS" -Q "$DOH_RATE" -c 1 -q 100 -v || true
  # dnsperf -v prints one line per answered query, its latency last (seconds).
  R[$key.doh_p99_us]=$(awk '$1 == ">" { print $NF * 1e6 }' "$rate_out" | sort -n |
    awk '{ v[NR] = $1 } END { if (!NR) { print "n/a"; exit } i = int(NR * 0.99 + 0.5); if (i < 1) i = 1; printf "%.0f", v[i] }')
  R[$key.doh_rate_avg_us]=$(awk -v s="$(field "$rate_out" "Average Latency (s):")" 'BEGIN { printf "%.0f", s * 1e6 }')
}

# start_server NAME THREADS PORT LOG: starts NAME on 127.0.0.1@PORT -> RUN_PIDS. The others than
# ternd and unbound get the same conditions: lab hints, loopback upstream allowed, IPv4 only,
# QNAME minimisation, no DNSSEC, the same cache size. kresd is single-threaded: one process
# per thread on the same port (SO_REUSEPORT), sharing one cache, its documented way to scale.
start_server() {
  local name=$1 threads=$2 port=$3 log=$4 i
  case $name in
    ternd | ternd_base)
      local binary=$TERND conf=$TMP/ternd.yaml
      [ "$name" = ternd_base ] && binary=$TERND_BASE conf=$TMP/ternd_base.yaml
      "$binary" -d -c "$conf" >"$log" 2>&1 &
      RUN_PIDS=$!
      ;;
    unbound)
      unbound -d -c "$TMP/unbound.conf" >"$log" 2>&1 &
      RUN_PIDS=$!
      ;;
    pdns_recursor)
      mkdir -p "$TMP/pdns"
      pdns_recursor --config-dir="$TMP/pdns" --socket-dir="$TMP/pdns" --daemon=no --write-pid=no \
        --local-address=127.0.0.1 --local-port="$port" --threads="$threads" --hint-file="$HINTS" \
        --allow-from=127.0.0.0/8 --dont-query= --qname-minimization=yes --dnssec=off --security-poll-suffix= \
        --disable-syslog=yes --loglevel=3 --max-cache-entries=2000000 --max-packetcache-entries=2000000 \
        >"$log" 2>&1 &
      RUN_PIDS=$!
      ;;
    kresd)
      rm -rf "$TMP/kresd"
      mkdir -p "$TMP/kresd/cache"
      {
        echo "net.listen('127.0.0.1', $port, { kind = 'dns' })"
        echo "net.ipv6 = false"
        echo "modules.unload('ta_update'); modules.unload('priming'); modules.unload('detect_time_skew')"
        echo "trust_anchors.remove('.')"
        echo "option('ALLOW_LOCAL', true)"
        echo "cache.open($CACHE_MB * MB, 'lmdb://$TMP/kresd/cache')"
        echo "modules.load('hints > iterate')"
        echo "hints.root({['a.root-servers.lab.'] = '$LAB_NET.0.1', ['b.root-servers.lab.'] = '$LAB_NET.0.2'})"
      } >"$TMP/kresd/kresd.conf"
      RUN_PIDS=
      for ((i = 0; i < threads; i++)); do
        (cd "$TMP/kresd" && exec kresd -n -q -c "$TMP/kresd/kresd.conf" "$TMP/kresd") >>"$log" 2>&1 &
        RUN_PIDS+="$! "
      done
      RUN_PIDS=${RUN_PIDS% }
      ;;
  esac
}

# measure_resolver NAME THREADS: a fresh process, [cold run], warm-up, check, hits, latency, [DoT]
measure_resolver() {
  local name=$1 threads=$2 key=$1.$2 port tls_port= https_port= log=$TMP/$1-$2.log pid
  case $name in
    ternd) port=$TERN_PORT tls_port=$TERN_TLS_PORT https_port=$TERN_HTTPS_PORT ;;
    ternd_base) port=$TERN_PORT tls_port=$TERN_TLS_PORT ;;
    unbound) port=$UNBOUND_PORT tls_port=$UNBOUND_TLS_PORT https_port=$UNBOUND_HTTPS_PORT ;;
    *) port=$OTHER_PORT ;;
  esac
  start_server "$name" "$threads" "$port" "$log"
  note "$name, $threads threads: pid $RUN_PIDS on 127.0.0.1@$port"
  if ((DELAY_MS > 0)); then first_query "$key" "${RUN_PIDS%% *}" "$port"; fi
  wait_answer "$name" "${RUN_PIDS%% *}" "$port" "$log"
  if [ "$name" = ternd ] && [ "$STATUS_PAGE" = open ]; then
    curl -s -o /dev/null "http://127.0.0.1:$STATUS_HTTP_PORT/watch?name=www.example.lab&type=A" ||
      die "ternd's status page does not answer on 127.0.0.1:$STATUS_HTTP_PORT"
    curl -sN -o /dev/null "http://127.0.0.1:$STATUS_HTTP_PORT/events" &
    PAGE_PID=$!
    note "$name: status page open (curl pid $PAGE_PID reads /events)"
  fi
  if ((threads == LAST_THREADS)); then cold "$key" "$RUN_PIDS" "$port"; fi
  note "$key: warming the cache (${NQUERIES} names, twice)"
  run_dnsperf "$TMP/$key-warm.out" -s 127.0.0.1 -p "$port" -d "$QFILE" -n 2 -c 1 -q 4 -t 10 || true
  R[$key.check]=$(check_answers "$key" "$port")
  if throughput "$key" "$RUN_PIDS" "$port"; then
    latency "$key" "$port"
    # DoT: ternd and unbound (the others' DoT listeners are not configured here)
    if ((threads == LAST_THREADS)) && [ -n "$tls_port" ]; then dot "$key" "$RUN_PIDS" "$tls_port"; fi
    if ((threads == LAST_THREADS)) && [ -n "$https_port" ]; then doh "$key" "$RUN_PIDS" "$https_port"; fi
  fi
  alive "$RUN_PIDS" || R[$key.status]="exited"
  { echo "### $name log ($threads threads)"; cat "$log"; } >>"$RAW"
  stop_pid "$PAGE_PID"
  PAGE_PID=
  for pid in $RUN_PIDS; do stop_pid "$pid"; done
  RUN_PIDS=
}

measure_echo() {  # measure_echo THREADS: the ceiling
  local key=echo.$1
  "$ECHO" 127.0.0.1 "$ECHO_PORT" "$1" >"$TMP/echo.log" 2>&1 &
  RUN_PIDS=$!
  local i
  for ((i = 0; i < 50; i++)); do
    grep -q '^udp_echo:' "$TMP/echo.log" && break
    alive "$RUN_PIDS" || { cat "$TMP/echo.log" >&2; die "udp_echo exited"; }
    sleep 0.1
  done
  throughput "$key" "$RUN_PIDS" "$ECHO_PORT" || true
  latency "$key" "$ECHO_PORT"
  stop_pid "$RUN_PIDS"
  RUN_PIDS=
}

# ---- DNSSEC (issue 15) ---------------------------------------------------------------------
# The rows of the DNSSEC runs, each a fresh process with the last thread count:
#   ternd_val    ternd validating (dnssec: yes, trust-anchor-file), when this ternd knows them
#   ternd_noval  ternd with dnssec: no, the reference, when it knows that setting
#   ternd_asis   ternd as it is, when it knows neither (it does not validate)
#   unbound_val  unbound with its validator (module-config "validator iterator") and the same
#                trust-anchor-file
DNSSEC_ROWS=()
((TERND_VALIDATES)) && DNSSEC_ROWS+=(ternd_val)
[ -n "$TERND_DNSSEC_OFF" ] && DNSSEC_ROWS+=(ternd_noval)
((${#DNSSEC_ROWS[@]})) || DNSSEC_ROWS+=(ternd_asis)
DNSSEC_ROWS+=(unbound_val)

row_label() {
  case $1 in
    ternd_val) echo "ternd, dnssec: yes" ;;
    ternd_noval) echo "ternd, dnssec: no" ;;
    ternd_asis) echo "ternd (knows no dnssec setting: does not validate)" ;;
    unbound_val) echo "unbound, validator iterator" ;;
  esac
}

# start_dnssec_row ROW ANCHOR_FILE LOG: starts ROW's fresh process -> ROW_PID (also added to
# RUN_PIDS, which the exit trap stops), ROW_PORT (ternd_noval's own, so it can run next to
# ternd_val)
start_dnssec_row() {
  local row=$1 anchor=$2 log=$3 conf extra=
  case $row in
    unbound_val)
      conf=$TMP/unbound-val.conf
      sed -e 's/module-config: "iterator"/module-config: "validator iterator"/' \
        -e "s|^  root-hints: .*|&\n  trust-anchor-file: \"$anchor\"\n  aggressive-nsec: yes|" \
        "$TMP/unbound.conf" >"$conf"
      unbound-checkconf "$conf" >"$TMP/unbound-check.log" 2>&1 || {
        cat "$TMP/unbound-check.log" >&2
        die "unbound-checkconf rejects $conf"
      }
      unbound -d -c "$conf" >"$log" 2>&1 &
      ROW_PID=$! ROW_PORT=$UNBOUND_PORT
      ;;
    ternd_*)
      conf=$TMP/$row.yaml
      case $row in
        ternd_val) extra=$(validating_yaml "$anchor") ;;
        ternd_noval) extra="dnssec: no" ;;
      esac
      ROW_PORT=$TERN_PORT
      [ "$row" = ternd_val ] || ROW_PORT=$TERN2_PORT
      ternd_config "$ROW_PORT" "$LAST_THREADS" "$CACHE_MB" "$HINTS" "$extra" >"$conf"
      "$TERND" -c "$conf" --check-config >"$TMP/ternd-check.log" 2>&1 || {
        cat "$TMP/ternd-check.log" >&2
        die "ternd rejects $conf"
      }
      "$TERND" -d -c "$conf" >"$log" 2>&1 &
      ROW_PID=$!
      ;;
  esac
  RUN_PIDS+="${RUN_PIDS:+ }$ROW_PID"
}

# ad_count PORT NAME TYPE...: of the NAME TYPE pairs, how many 127.0.0.1@PORT answers with AD=1
# to a DO=1 query ("2/2"): whether the resolver validated them as secure.
ad_count() {
  local port=$1 ok=0 n=0
  shift
  while (($# >= 2)); do
    n=$((n + 1))
    if dig +dnssec +tries=1 +time=3 -p "$port" @127.0.0.1 "$1" "$2" 2>/dev/null | grep -Eq '^;; flags:[^;]* ad[ ;]'; then
      ok=$((ok + 1))
    fi
    shift 2
  done
  echo "$ok/$n"
}

# finish_row TITLE LOG: the process's log to the raw output, the process stopped
finish_row() {
  local pid
  { echo "### $1 log"; cat "$2"; } >>"$RAW"
  for pid in $RUN_PIDS; do stop_pid "$pid"; done
  RUN_PIDS=
}

# measure_signed_cold ROW ALG: ROW's cold run over the cold zones signed with ALG (served now),
# anchored at cold.lab; then whether two of the names (a glue and a glue-less zone) have AD=1.
measure_signed_cold() {
  local row=$1 alg=$2 key=$1.s$2 log=$TMP/$1-s$2.log ad_names=(host1.c1.cold.lab A)
  ((COLD_ZONES < 2)) || ad_names+=(host1.c2.cold.lab A)
  start_dnssec_row "$row" "$COLD_DIR/signed-$alg/anchors.key" "$log"
  note "$row: pid $ROW_PID on 127.0.0.1@$ROW_PORT (signed cold zones, algorithm $alg)"
  wait_answer "$row" "$ROW_PID" "$ROW_PORT" "$log"
  cold "$key" "$ROW_PID" "$ROW_PORT"
  R[$key.ad]=$(ad_count "$ROW_PORT" "${ad_names[@]}")
  alive "$ROW_PID" || R[$key.status]="exited"
  finish_row "$row (signed cold, algorithm $alg)" "$log"
}

# do_slice KEY PID PORT SECONDS: one slice of KEY's DO=1 cache-hit run; completed and lost
# queries, other rcodes, run time and CPU ticks added to KEY's sums in R
do_slice() {
  local key=$1 pid=$2 port=$3 c0 out=$TMP/$1-slice.out rc=0 f
  group_cpu "$pid"; c0=$CPU_TICKS
  run_dnsperf "$out" "${DNSPERF_COMMON[@]}" -p "$port" -d "$DO_QFILE" -l "$4" -S 1 -D || rc=$?
  if ! alive "$pid" || ! group_cpu "$pid"; then
    R[$key.status]="exited during the run"
    return 1
  fi
  ((rc == 0)) || R[$key.status]="dnsperf exit status $rc"
  R[$key.ticks]=$((${R[$key.ticks]:-0} + CPU_TICKS - c0))
  R[$key.bad]=$((${R[$key.bad]:-0} + $(bad_rcodes "$out")))
  for f in completed:"Queries completed:" lost:"Queries lost:" elapsed:"Run time (s):"; do
    R[$key.${f%%:*}]=$(awk -v a="${R[$key.${f%%:*}]:-0}" -v b="$(field "$out" "${f#*:}")" 'BEGIN { print a + b }')
  done
}

# measure_do: the DO=1 cache-hit runs (dnsperf -D) over the lab names and the secure ones,
# anchored at the lab's root. Every row's fresh process is started, warmed and checked (rcodes,
# AD on three secure names) first; then the rows take turns, DO_ROUNDS slices each, so that the
# yes/no ratio is not a difference in the machine's load between two runs.
measure_do() {
  local row key slice round pid
  local -A pids ports
  for row in "${DNSSEC_ROWS[@]}"; do
    key=$row.do
    start_dnssec_row "$row" "$LAB_DIR/root.key" "$TMP/$row-do.log"
    pids[$row]=$ROW_PID ports[$row]=$ROW_PORT
    note "$row: pid $ROW_PID on 127.0.0.1@$ROW_PORT (DO=1 cache hits)"
    wait_answer "$row" "$ROW_PID" "$ROW_PORT" "$TMP/$row-do.log"
    note "$key: warming the cache ($NDO_QUERIES names with DO=1, twice)"
    run_dnsperf "$TMP/$key-warm.out" -s 127.0.0.1 -p "$ROW_PORT" -d "$DO_QFILE" -n 2 -c 1 -q 4 -t 10 -D || true
    R[$key.check]=$(check_answers "$key" "$ROW_PORT" "$DO_QFILE" "$DO_EXPECTED" -D)
    R[$key.ad]=$(ad_count "$ROW_PORT" www.alg13.sec A www.alg8.sec A nosuch.nsec.sec A)
  done
  slice=$(((DO_SECONDS + DO_ROUNDS - 1) / DO_ROUNDS))
  for ((round = 1; round <= DO_ROUNDS; round++)); do
    note "DO=1 cache hits: round $round of $DO_ROUNDS, ${slice}s per row"
    for row in "${DNSSEC_ROWS[@]}"; do
      [ -z "${R[$row.do.status]:-}" ] || continue
      do_slice "$row.do" "${pids[$row]}" "${ports[$row]}" "$slice" || true
    done
  done
  for row in "${DNSSEC_ROWS[@]}"; do
    key=$row.do pid=${pids[$row]}
    if alive "$pid"; then
      group_rss "$pid"
      R[$key.rss_mib]=$(awk -v k="$RSS_KIB" 'BEGIN { printf "%.1f", k / 1024 }')
    else
      R[$key.status]=${R[$key.status]:-exited}
    fi
    if [ -n "${R[$key.ticks]:-}" ]; then
      R[$key.qps]=$(awk -v n="${R[$key.completed]}" -v s="${R[$key.elapsed]}" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "n/a" }')
      R[$key.cpu_s]=$(awk -v t="${R[$key.ticks]}" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
      R[$key.qps_per_cpu]=$(per_cpu "${R[$key.completed]}" "${R[$key.ticks]}")
    fi
    { echo "### $row log (DO=1 cache hits)"; cat "$TMP/$row-do.log"; } >>"$RAW"
    stop_pid "$pid"
  done
  RUN_PIDS=
}

LOADAVG_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if ((DNSSEC_ONLY)); then
  write_configs "$LAST_THREADS"
else
  for threads in $THREAD_COUNTS; do
    write_configs "$threads"
    measure_echo "$threads"
    for r in $RESOLVERS; do measure_resolver "$r" "$threads"; done
  done
fi
declare -A SIGN_SECONDS
for alg in $SIGNED_ALGS; do
  note "signing the $((COLD_ZONES + 1)) cold zones with algorithm $alg (a key each)"
  sign_start=$SECONDS
  sign_cold_zones "$alg"
  SIGN_SECONDS[$alg]=$((SECONDS - sign_start))
  stop_cold_nsds
  start_cold_nsds "$COLD_DIR/signed-$alg" .signed
  for row in "${DNSSEC_ROWS[@]}"; do measure_signed_cold "$row" "$alg"; done
done
stop_cold_nsds
if ((DO_SECONDS > 0)); then
  measure_do
fi
LOADAVG_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 5. report ---------------------------------------------------------------------------
get() { echo "${R[$1]:-n/a}"; }
ratio() {  # ratio A B: A / B for two cells, n/a when either is missing
  awk -v a="$(get "$1")" -v b="$(get "$2")" 'BEGIN {
    if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/) print "n/a"
    else if (b + 0 == 0) print (a + 0 == 0 ? "-" : "n/a")
    else printf "%.2f", a / b }'
}
pct() {  # pct A B: A as a percentage of B
  awk -v a="$(get "$1")" -v b="$(get "$2")" 'BEGIN {
    if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"; else printf "%.0f%%", a * 100 / b }'
}
lowest_peer() {  # lowest_peer FIELD: the lowest FIELD of unbound, pdns_recursor, kresd measured (and who)
  local n best= who=
  for n in unbound pdns_recursor kresd; do
    [[ " $RESOLVERS " == *" $n "* ]] || continue
    local v=${R[$n.$LAST_THREADS.$1]:-}
    [[ $v =~ ^[0-9.]+$ ]] || continue
    if [ -z "$best" ] || awk -v a="$v" -v b="$best" 'BEGIN { exit !(a + 0 < b + 0) }'; then best=$v who=$n; fi
  done
  echo "${best:-n/a} ${who:-none}"
}
verdict() {  # verdict VALUE OP LIMIT: "met" / "NOT met" / "n/a"
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
    if (v !~ /^[0-9.]+$/) { print "n/a"; exit }
    ok = (op == ">=") ? (v + 0 >= l + 0) : (v + 0 <= l + 0); print ok ? "met" : "**NOT met**" }'
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
PDNS_VERSION=$( (pdns_recursor --version 2>&1 || true) | grep -o 'PowerDNS Recursor [0-9.]*' | head -n 1)
KRESD_VERSION=$( (kresd --version 2>&1 || true) | head -n 1)

report_plain() {  # the runs without DNSSEC and the targets of issue 5
  local t n key cols
  echo "### Cache hits over UDP"
  echo
  echo "| server | threads | QPS | % of echo QPS | CPU s | QPS per CPU-s | % of echo per CPU-s | p50 µs @${LAT_QPS}/s | p99 µs @${LAT_QPS}/s | lost | SERVFAIL+other | RSS MiB | answers as expected |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for t in $THREAD_COUNTS; do
    for n in echo $RESOLVERS; do
      key=$n.$t
      cols="| $n"
      [ "$n" = echo ] && cols="| udp_echo (ceiling)"
      [ -n "${R[$key.status]:-}" ] && cols+=" (${R[$key.status]})"
      cols+=" | $t | $(get "$key.qps") | $(pct "$key.qps" "echo.$t.qps") | $(get "$key.cpu_s") | $(get "$key.qps_per_cpu")"
      cols+=" | $(pct "$key.qps_per_cpu" "echo.$t.qps_per_cpu") | $(get "$key.p50_us") | $(get "$key.p99_us")"
      cols+=" | $(get "$key.lost") | $(get "$key.bad") | $(get "$key.rss_mib") | $([ "$n" = echo ] && echo - || get "$key.check") |"
      echo "$cols"
    done
    if [ -n "$TERND_BASE" ]; then
      echo "| **ternd/ternd_base** | $t | $(ratio "ternd.$t.qps" "ternd_base.$t.qps") | | $(ratio "ternd.$t.cpu_s" "ternd_base.$t.cpu_s") | **$(ratio "ternd.$t.qps_per_cpu" "ternd_base.$t.qps_per_cpu")** | | $(ratio "ternd.$t.p50_us" "ternd_base.$t.p50_us") | $(ratio "ternd.$t.p99_us" "ternd_base.$t.p99_us") | | | $(ratio "ternd.$t.rss_mib" "ternd_base.$t.rss_mib") | |"
    fi
    if [[ " $RESOLVERS " == *" unbound "* ]]; then
      echo "| **ternd/unbound** | $t | $(ratio "ternd.$t.qps" "unbound.$t.qps") | | $(ratio "ternd.$t.cpu_s" "unbound.$t.cpu_s") | **$(ratio "ternd.$t.qps_per_cpu" "unbound.$t.qps_per_cpu")** | | $(ratio "ternd.$t.p50_us" "unbound.$t.p50_us") | $(ratio "ternd.$t.p99_us" "unbound.$t.p99_us") | | | $(ratio "ternd.$t.rss_mib" "unbound.$t.rss_mib") | |"
    fi
  done
  echo
  echo "- dnsperf ${SECONDS_RUN} s per server, -c $CLIENTS -T $DNSPERF_THREADS -q $OUTSTANDING, unthrottled, EDNS0 $EDNS_TEXT, over UDP to 127.0.0.1; $NQUERIES lab names (NOERROR, NODATA, NXDOMAIN; CNAME chains; glue-less), cached by a warm-up pass just before. udp_echo sends each query back with QR set (tests/bench/udp_echo.cpp: one SO_REUSEPORT socket per thread, recvmmsg/sendmmsg batches of 32, no parsing): what this kernel and dnsperf allow."
  echo "- CPU s: utime+stime of the server (all threads, /proc/PID/stat) during the run; QPS per CPU-s = answered queries / CPU s. dnsperf runs on the same $(nproc) CPUs, so QPS is bounded by the client too; QPS per CPU-s is the server's own efficiency."
  if ((LAT_SECONDS > 0)); then
    echo "- p50/p99: a separate ${LAT_SECONDS} s run at a fixed ${LAT_QPS} q/s (same for all), from dnsperf -v per-query latencies. At saturation latency is only queueing (outstanding / QPS), hence the fixed rate."
  fi
  if ((COLD_N > 0)); then
    echo
    echo "### Cold cache: $COLD_N names in $COLD_ZONES zones, each asked once ($LAST_THREADS threads)"
    echo
    echo "| resolver | time s | QPS | NOERROR | other rcodes | lost | upstream queries | per name | resolver CPU ms per name | RSS MiB before | RSS MiB after | KiB per cached name |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for n in $RESOLVERS; do
      key=$n.$LAST_THREADS
      echo "| $n | $(get "$key.cold_s") | $(get "$key.cold_qps") | $(get "$key.cold_noerror") | $(get "$key.cold_other") | $(get "$key.cold_lost") | $(get "$key.cold_upstream") | $(get "$key.cold_per_name") | $(get "$key.cold_cpu_ms_per_name") | $(get "$key.cold_rss_before") | $(get "$key.cold_rss_after") | $(get "$key.cold_kib_per_name") |"
    done
    key=$LAST_THREADS
    echo "| **ternd/unbound** | $(ratio "ternd.$key.cold_s" "unbound.$key.cold_s") | $(ratio "ternd.$key.cold_qps" "unbound.$key.cold_qps") | | | | $(ratio "ternd.$key.cold_upstream" "unbound.$key.cold_upstream") | **$(ratio "ternd.$key.cold_per_name" "unbound.$key.cold_per_name")** | $(ratio "ternd.$key.cold_cpu_ms_per_name" "unbound.$key.cold_cpu_ms_per_name") | | $(ratio "ternd.$key.cold_rss_after" "unbound.$key.cold_rss_after") | **$(ratio "ternd.$key.cold_kib_per_name" "unbound.$key.cold_kib_per_name")** |"
    echo
    if ((DELAY_MS > 0)); then
      echo
      echo "### Round trips: every authority behind a relay adding $DELAY_MS ms each way (one round trip: $((2 * DELAY_MS)) ms)"
      echo
      echo "| resolver | first query ms | first query round trips | cold names: median round trips | mean round trips | upstream queries per name | resolver CPU ms per name |"
      echo "|---|---:|---:|---:|---:|---:|---:|"
      for n in $RESOLVERS; do
        key=$n.$LAST_THREADS
        echo "| $n | $(get "$key.first_ms") | $(get "$key.first_rt") | $(get "$key.cold_rt_median") | $(get "$key.cold_rt_mean") | $(get "$key.cold_per_name") | $(get "$key.cold_cpu_ms_per_name") |"
      done
      echo
      echo "- First query: www.example.lab A right after start, once the resolver answers localhost from its own data (dig's Query time; root, lab., example.lab., and the priming when the resolver waits for it). Cold names: each answer's latency from dnsperf -v in the cold run below. Round trips: a latency divided by one round trip, rounded down (what the resolver and this machine add to the relays' delay is less than a round trip unless the machine is very busy); waiting for another walk of the same zone in flight counts."
    fi
    echo "- Right after start (priming done by the start-up check), dnsperf -n 1 -q $COLD_OUTSTANDING over hostK.cN.cold.lab A in one shuffled order: cold.lab delegates $COLD_ZONES child zones, the odd ones with glue, the even ones to a/b.cold-dns.lab (no glue: their addresses are a lookup of their own). Upstream queries: the num.queries counters of every lab NSD (zones/lab.sh queries) and of the cold zones' NSDs, before and after. KiB per cached name: RSS growth from before the run to 2 s after it / names answered."
  fi
  if ((DOT_SECONDS > 0)); then
    echo
    echo "### Cache hits over DNS over TLS ($LAST_THREADS threads)"
    echo
    echo "| resolver | QPS | avg latency µs | lost | CPU s | QPS per CPU-s |"
    echo "|---|---:|---:|---:|---:|---:|"
    for n in ternd $([ -n "$TERND_BASE" ] && echo ternd_base) unbound; do
      key=$n.$LAST_THREADS
      cols="| $n"
      [ -n "${R[$key.dot_status]:-}" ] && cols+=" (${R[$key.dot_status]})"
      echo "$cols | $(get "$key.dot_qps") | $(get "$key.dot_avg_us") | $(get "$key.dot_lost") | $(get "$key.dot_cpu_s") | $(get "$key.dot_qps_per_cpu") |"
    done
    key=$LAST_THREADS
    echo "| **ternd/unbound** | $(ratio "ternd.$key.dot_qps" "unbound.$key.dot_qps") | $(ratio "ternd.$key.dot_avg_us" "unbound.$key.dot_avg_us") | | $(ratio "ternd.$key.dot_cpu_s" "unbound.$key.dot_cpu_s") | **$(ratio "ternd.$key.dot_qps_per_cpu" "unbound.$key.dot_qps_per_cpu")** |"
    echo
    echo "- dnsperf -m dot ${DOT_SECONDS} s, -c $CLIENTS -T $DNSPERF_THREADS -q $OUTSTANDING (each client one TLS connection, queries pipelined), the same names, caches warm; one self-signed P-256 certificate for both."
  fi
  if ((DOH_SECONDS > 0)); then
    echo
    echo "### Cache hits over DNS over HTTPS ($LAST_THREADS threads)"
    echo
    echo "| resolver | QPS | lost | CPU s | QPS per CPU-s | at ${DOH_RATE} q/s: avg µs | p99 µs |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for n in ternd unbound; do
      key=$n.$LAST_THREADS
      cols="| $n"
      [ -n "${R[$key.doh_status]:-}" ] && cols+=" (${R[$key.doh_status]})"
      echo "$cols | $(get "$key.doh_qps") | $(get "$key.doh_lost") | $(get "$key.doh_cpu_s") | $(get "$key.doh_qps_per_cpu") | $(get "$key.doh_rate_avg_us") | $(get "$key.doh_p99_us") |"
    done
    key=$LAST_THREADS
    echo "| **ternd/unbound** | $(ratio "ternd.$key.doh_qps" "unbound.$key.doh_qps") | | $(ratio "ternd.$key.doh_cpu_s" "unbound.$key.doh_cpu_s") | **$(ratio "ternd.$key.doh_qps_per_cpu" "unbound.$key.doh_qps_per_cpu")** | $(ratio "ternd.$key.doh_rate_avg_us" "unbound.$key.doh_rate_avg_us") | $(ratio "ternd.$key.doh_p99_us" "unbound.$key.doh_p99_us") |"
    echo
    echo "- dnsperf -m doh (HTTP/2 GET) ${DOH_SECONDS} s, -c $CLIENTS -T $DNSPERF_THREADS -q $OUTSTANDING (each client one HTTP/2 connection, its queries as concurrent streams), the same names, caches warm; then -Q $DOH_RATE -c 1 for the latency, p99 from dnsperf -v's per-query latencies. Target (issue 19): ternd >= 1.3x unbound's QPS per CPU-s."
  fi
  echo
  echo "### Targets (issue 5)"
  echo
  echo "| target | measured | |"
  echo "|---|---:|---|"
  for t in $THREAD_COUNTS; do
    local r e
    r=$(ratio "ternd.$t.qps_per_cpu" "unbound.$t.qps_per_cpu")
    e=$(awk -v a="$(get "ternd.$t.qps_per_cpu")" -v b="$(get "echo.$t.qps_per_cpu")" 'BEGIN {
      if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }')
    echo "| cache-hit QPS per CPU-s >= 1.5 x unbound's, $t threads | $r x | $(verdict "$r" ">=" 1.5) |"
    echo "| cache-hit QPS per CPU-s >= 60% of the echo ceiling's, $t threads | $(awk -v e="$e" 'BEGIN { if (e ~ /^[0-9.]+$/) printf "%.0f%%", e * 100; else print "n/a" }') | $(verdict "$e" ">=" 0.6) |"
  done
  if ((COLD_N > 0)); then
    local u m
    u=$(ratio "ternd.$LAST_THREADS.cold_per_name" "unbound.$LAST_THREADS.cold_per_name")
    m=$(ratio "ternd.$LAST_THREADS.cold_kib_per_name" "unbound.$LAST_THREADS.cold_kib_per_name")
    echo "| upstream queries per cold name <= unbound's | $u x | $(verdict "$u" "<=" 1) |"
    local low who t
    read -r low who < <(lowest_peer cold_per_name)
    t=$(get "ternd.$LAST_THREADS.cold_per_name")
    echo "| upstream queries per cold name <= the lowest peer's (issue 18; $who: $low) | $t | $(verdict "$(awk -v a="$t" -v b="$low" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/) printf "%.4f", a - b + 1; else print "n/a" }')" "<=" 1) |"
    if ((DELAY_MS > 0)); then
      read -r low who < <(lowest_peer cold_rt_median)
      t=$(get "ternd.$LAST_THREADS.cold_rt_median")
      echo "| median round trips per cold name <= the lowest peer's (issue 18; $who: $low) | $t | $(verdict "$(awk -v a="$t" -v b="$low" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/) printf "%.4f", a - b + 1; else print "n/a" }')" "<=" 1) |"
    fi
    t=$(ratio "ternd.$LAST_THREADS.cold_cpu_ms_per_name" "unbound.$LAST_THREADS.cold_cpu_ms_per_name")
    echo "| resolver CPU per cold name <= unbound's (issue 18) | $t x | $(verdict "$t" "<=" 1) |"
    echo "| RSS per cached name <= unbound's | $m x | $(verdict "$m" "<=" 1) |"
  fi
  echo
}

# not_validation KEY: why ternd_val's figures under KEY (ternd_val.s13, ternd_val.do) do not
# measure validation, or nothing when they do: this ternd takes the settings, and it set AD=1
# on every name of the AD check, as unbound did.
not_validation() {
  local key=$1 ad ub
  if ((!TERND_VALIDATES)); then echo "this ternd does not know dnssec/trust-anchor-file"; return; fi
  ad=${R[ternd_val.${key#*.}.ad]:-0/1} ub=${R[unbound_val.${key#*.}.ad]:-0/1}
  [ "${ad%/*}" = "${ad#*/}" ] || { echo "ternd set AD=1 on $ad of the names checked: not validating"; return; }
  [ "${ub%/*}" = "${ub#*/}" ] || echo "unbound set AD=1 on $ub of the names checked: the anchors are wrong"
}

report_dnssec() {  # the DNSSEC runs of issue 15 and their targets
  local alg row key why r
  if [ -n "$SIGNED_ALGS" ]; then
    echo "### Signed cold cache: $COLD_N names in $COLD_ZONES signed zones, each asked once ($LAST_THREADS threads)"
    echo
    echo "| algorithm | resolver | time s | QPS | NOERROR | other rcodes | lost | upstream queries | per name | resolver CPU ms per name | AD on cold names |"
    echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for alg in $SIGNED_ALGS; do
      for row in "${DNSSEC_ROWS[@]}"; do
        key=$row.s$alg
        echo "| $alg | $(row_label "$row")${R[$key.status]:+ (${R[$key.status]})} | $(get "$key.cold_s") | $(get "$key.cold_qps") | $(get "$key.cold_noerror") | $(get "$key.cold_other") | $(get "$key.cold_lost") | $(get "$key.cold_upstream") | $(get "$key.cold_per_name") | $(get "$key.cold_cpu_ms_per_name") | $(get "$key.ad") |"
      done
      # the ratios only when ternd_val's figures are validation's (see the targets for why not)
      if [ -z "$(not_validation "ternd_val.s$alg")" ]; then
        echo "| $alg | **ternd (dnssec: yes)/unbound** | $(ratio "ternd_val.s$alg.cold_s" "unbound_val.s$alg.cold_s") | | | | | | **$(ratio "ternd_val.s$alg.cold_per_name" "unbound_val.s$alg.cold_per_name")** | **$(ratio "ternd_val.s$alg.cold_cpu_ms_per_name" "unbound_val.s$alg.cold_cpu_ms_per_name")** | |"
        if [ -n "$TERND_DNSSEC_OFF" ]; then
          echo "| $alg | **ternd dnssec: yes/no** | $(ratio "ternd_val.s$alg.cold_s" "ternd_noval.s$alg.cold_s") | | | | | | $(ratio "ternd_val.s$alg.cold_per_name" "ternd_noval.s$alg.cold_per_name") | $(ratio "ternd_val.s$alg.cold_cpu_ms_per_name" "ternd_noval.s$alg.cold_cpu_ms_per_name") | |"
        fi
      fi
    done
    echo
    echo "- The cold run's zones (cold.lab and its $COLD_ZONES children) signed in this run with ldns-signzone, NSEC, one fresh key per zone (a CSK, flags 257; RSA keys 2048 bits), each child's DS (SHA-256) in cold.lab; signing took $(for alg in $SIGNED_ALGS; do printf '%s s (algorithm %s) ' "${SIGN_SECONDS[$alg]:-n/a}" "$alg"; done)of wall time. cold-dns.lab stays unsigned."
    echo "- Trust anchors (trust-anchor-file for both resolvers): the lab's root DS (\$LAB_DIR/root.key) and cold.lab's DS. cold.lab is anchored directly: lab. (signed, algorithm 13) delegates it without a DS, so from the root alone a validator proves it insecure. Below the anchor every child zone costs a DS (from cold.lab) and a DNSKEY fetch and their checks; the glue-less zones' server names (cold-dns.lab) are proven insecure from the root's chain."
    echo "- AD on cold names: host1.c1 and host1.c2.cold.lab A asked again after the run with DO=1: AD=1 shows the resolver validated them as secure. ternd's rows count as validation only when it set AD=1 on all of them."
    echo "- Each row a fresh process started just before its run, priming and www.example.lab A done; otherwise as in the unsigned cold run."
    echo
  fi
  if ((DO_SECONDS > 0)); then
    echo "### Cache hits with DO=1 ($LAST_THREADS threads)"
    echo
    echo "| resolver | QPS | CPU s | QPS per CPU-s | lost | SERVFAIL+other | RSS MiB | answers as expected | AD on secure names |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for row in "${DNSSEC_ROWS[@]}"; do
      key=$row.do
      echo "| $(row_label "$row")${R[$key.status]:+ (${R[$key.status]})} | $(get "$key.qps") | $(get "$key.cpu_s") | $(get "$key.qps_per_cpu") | $(get "$key.lost") | $(get "$key.bad") | $(get "$key.rss_mib") | $(get "$key.check") | $(get "$key.ad") |"
    done
    if [ -z "$(not_validation ternd_val.do)" ] && [ -n "$TERND_DNSSEC_OFF" ]; then
      echo "| **ternd dnssec: yes/no** | $(ratio ternd_val.do.qps ternd_noval.do.qps) | $(ratio ternd_val.do.cpu_s ternd_noval.do.cpu_s) | **$(ratio ternd_val.do.qps_per_cpu ternd_noval.do.qps_per_cpu)** | | | $(ratio ternd_val.do.rss_mib ternd_noval.do.rss_mib) | | |"
    fi
    echo
    echo "- dnsperf -D (DO=1, EDNS0) $((DO_ROUNDS * ((DO_SECONDS + DO_ROUNDS - 1) / DO_ROUNDS))) s per row in $DO_ROUNDS slices, the rows taking turns (all processes up, each fresh), -c $CLIENTS -T $DNSPERF_THREADS -q $OUTSTANDING, unthrottled, over UDP: the $NQUERIES names of the plain cache-hit run and $((NDO_QUERIES - NQUERIES)) names of the lab's signed zones (secure answers with their RRSIGs, NXDOMAIN and NODATA with NSEC/NSEC3 proofs, a wildcard; zones/README.md, \"DNSSEC\"), cached by a DO=1 warm-up pass just before. Trust anchor: the lab's root (\$LAB_DIR/root.key)."
    echo "- AD on secure names: www.alg13.sec A, www.alg8.sec A, nosuch.nsec.sec A with DO=1 after the run."
    echo
  fi
  echo "### Targets (issue 15)"
  echo
  echo "| target | measured | |"
  echo "|---|---:|---|"
  for alg in $SIGNED_ALGS; do
    why=$(not_validation "ternd_val.s$alg")
    if [ -n "$why" ]; then
      echo "| validation CPU per cold name <= unbound's, algorithm $alg | n/a: $why | n/a |"
    else
      r=$(ratio "ternd_val.s$alg.cold_cpu_ms_per_name" "unbound_val.s$alg.cold_cpu_ms_per_name")
      echo "| validation CPU per cold name <= unbound's, algorithm $alg | $r x | $(verdict "$r" "<=" 1) |"
    fi
  done
  if ((DO_SECONDS > 0)); then
    why=$(not_validation ternd_val.do)
    [ -n "$why" ] || [ -n "$TERND_DNSSEC_OFF" ] || why="this ternd does not know dnssec: no"
    if [ -n "$why" ]; then
      echo "| DO=1 cache-hit QPS per CPU-s, validation on >= 95% of off | n/a: $why | n/a |"
    else
      r=$(ratio ternd_val.do.qps_per_cpu ternd_noval.do.qps_per_cpu)
      echo "| DO=1 cache-hit QPS per CPU-s, validation on >= 95% of off | $(awk -v r="$r" 'BEGIN { if (r ~ /^[0-9.]+$/) printf "%.0f%%", r * 100; else print "n/a" }') | $(verdict "$r" ">=" 0.95) |"
    fi
  fi
  echo
}

report() {
  echo "## Performance report: ternd vs unbound, with the echo ceiling ($DATE)"
  echo
  ((DNSSEC_ONLY)) || report_plain
  if [ -n "$SIGNED_ALGS" ] || ((DO_SECONDS > 0)); then report_dnssec; fi
  echo "- Both resolvers: 127.0.0.1 only, IPv4 upstream only, root hints of the lab ($LAB_NET.0.1/2), QNAME minimisation on, no prefetch; no DNSSEC outside the DNSSEC runs (ternd: ${TERND_DNSSEC_OFF:-no dnssec setting known}; unbound: module-config \"iterator\"). ternd's DNSSEC rows: $([ "$TERND_VALIDATES" = 1 ] && echo "dnssec: yes with trust-anchor-file" || echo "this ternd does not know dnssec/trust-anchor-file, so it is measured as it is"). Cache: ternd cache-size ${CACHE_MB}m; unbound msg-cache-size ${UB_MSG_MB}m + rrset-cache-size ${UB_RRSET_MB}m (= ${CACHE_MB}m, split 1:2 as unbound recommends); the validating unbound (module-config \"validator iterator\", aggressive-nsec: yes) the same."
  ((DNSSEC_ONLY)) || echo "- Measured: $RESOLVERS. PowerDNS Recursor: --threads, --max-cache-entries and --max-packetcache-entries 2000000, --dnssec=off, --dont-query= (loopback authorities). Knot Resolver: one kresd process per thread on the port (SO_REUSEPORT), one shared LMDB cache of ${CACHE_MB} MiB, its RSS summed over the processes (the shared cache pages counted once per process). Neither has a DoT listener configured here."
  echo "- Machine: $(nproc) CPUs ($CPU_MODEL), $(uname -sr); load average before $LOADAVG_BEFORE, after $LOADAVG_AFTER. dnsperf and the server share these CPUs."
  if [ -n "$TERND_BASE" ]; then
    echo "- ternd_base: $TERND_BASE ($("$TERND_BASE" --version 2>&1 | head -n 1)), the same configuration as ternd; ternd/ternd_base is the cost of what changed between the two builds."
  fi
  echo "- Versions: $TERND_VERSION (git $GIT_REV, buildtype $BUILDTYPE); $UNBOUND_VERSION${PDNS_VERSION:+; $PDNS_VERSION}${KRESD_VERSION:+; $KRESD_VERSION}; dnsperf $DNSPERF_VERSION; NSD $NSD_VERSION."
  echo "- Reproduce (as root, from the repository): \`$INVOCATION\`"
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
  echo '```'
  echo "</details>"
} >>"$RESULT"
note "written to $RESULT"
