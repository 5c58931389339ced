#!/usr/bin/env bash
# tests/bench/stress.sh: ternd under sustained load with reloads and cache flushes mixed in.
# Measures the maximum cache-hit QPS with dnsperf first, then offers 80% of it (dnsperf -Q) for
# --minutes N (default 10) against the NSD lab, while `ternctl reload` and `ternctl cache
# flush-all` run periodically and ternd's RSS is sampled. Prints a markdown report; exits 1 when
# queries were lost or failed beyond --max-lost-pct, ternd died, a control command failed, or the
# RSS after warm-up was not flat within --rss-pct. A measurement: run it by hand, not in CI.
#
#   tests/bench/stress.sh [--minutes N] [--build-dir DIR] ...      (--help for all options)
#
# Run as root (the lab's NSD servers bind port 53). Everything it starts is stopped by pid.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd -- "$SCRIPT_DIR/../.." && pwd)
SCRIPT_NAME=stress.sh
WAIT_SECONDS=20
# shellcheck source=common.sh
. "$SCRIPT_DIR/common.sh"

MINUTES=10         # length of the loaded run
MEASURE_SECONDS=10 # length of the maximum-QPS measurement
LOAD_PCT=80        # offered load, % of the measured maximum
RELOAD_EVERY=30    # seconds between `ternctl reload`
FLUSH_EVERY=20     # seconds between `ternctl cache flush-all`
SAMPLE_EVERY=5     # seconds between RSS samples
WARMUP_PCT=20      # the first part of the run not judged for RSS flatness
RSS_PCT=5          # allowed RSS spread after warm-up, % of its minimum
MAX_LOST_PCT=0.1   # allowed lost + SERVFAIL, % of the queries sent
THREADS=2
CACHE_MB=64
CLIENTS=8
DNSPERF_THREADS=2
OUTSTANDING=100
LAB_NET=127.57
BUILD_DIR=
KEEP=0

usage() {
  cat <<EOF
usage: tests/bench/stress.sh [options]
  --minutes N          length of the loaded run (default $MINUTES)
  --measure-seconds N  length of the maximum-QPS measurement (default $MEASURE_SECONDS)
  --load-pct N         offered load, % of the measured maximum (default $LOAD_PCT)
  --reload-every N     seconds between ternctl reload (default $RELOAD_EVERY)
  --flush-every N      seconds between ternctl cache flush-all (default $FLUSH_EVERY)
  --sample-every N     seconds between RSS samples (default $SAMPLE_EVERY)
  --warmup-pct N       first % of the run not judged for RSS flatness (default $WARMUP_PCT)
  --rss-pct N          allowed RSS spread after warm-up, % (default $RSS_PCT)
  --max-lost-pct X     allowed lost + SERVFAIL queries, % of those sent (default $MAX_LOST_PCT)
  --threads N          ternd worker threads (default $THREADS)
  --cache-mb N         ternd cache-size in MiB (default $CACHE_MB)
  --lab-net 127.N      the lab's address prefix (default $LAB_NET)
  --build-dir DIR      use DIR/daemon/ternd and ternctl (default: build-bench, release, built if needed)
  --keep               keep the temporary directory
  -h, --help           this text
EOF
}
while (($#)); do
  case $1 in
    --minutes) need_int "$1" "${2-}"; MINUTES=$2; shift 2 ;;
    --measure-seconds) need_int "$1" "${2-}"; MEASURE_SECONDS=$2; shift 2 ;;
    --load-pct) need_int "$1" "${2-}"; LOAD_PCT=$2; shift 2 ;;
    --reload-every) need_int "$1" "${2-}"; RELOAD_EVERY=$2; shift 2 ;;
    --flush-every) need_int "$1" "${2-}"; FLUSH_EVERY=$2; shift 2 ;;
    --sample-every) need_int "$1" "${2-}"; SAMPLE_EVERY=$2; shift 2 ;;
    --warmup-pct) need_int "$1" "${2-}"; WARMUP_PCT=$2; shift 2 ;;
    --rss-pct) need_int "$1" "${2-}"; RSS_PCT=$2; shift 2 ;;
    --max-lost-pct) [[ ${2-} =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--max-lost-pct needs a number"; MAX_LOST_PCT=$2; shift 2 ;;
    --threads) need_int "$1" "${2-}"; THREADS=$2; shift 2 ;;
    --cache-mb) need_int "$1" "${2-}"; CACHE_MB=$2; shift 2 ;;
    --lab-net) LAB_NET=${2:?--lab-net needs 127.N}; shift 2 ;;
    --build-dir) BUILD_DIR=${2:?--build-dir needs a directory}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
((MINUTES >= 1 && MEASURE_SECONDS >= 1 && SAMPLE_EVERY >= 1 && THREADS >= 1)) || die "counts must be at least 1"
((LOAD_PCT >= 1 && LOAD_PCT <= 100)) || die "--load-pct must be 1..100"
[[ $LAB_NET =~ ^127\.[0-9]{1,3}$ ]] || die "--lab-net must be 127.N"
need_tools dnsperf dig nsd nsd-control ss
[ "$(id -u)" -eq 0 ] || die "run as root: the lab's NSD servers bind port 53"

TMP= LAB_DIR= LAB_STARTED=0 TERND_PID= DNSPERF_PID=
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_pid "$DNSPERF_PID"
  stop_pid "$TERND_PID"
  if ((LAB_STARTED)); then stop_lab "$LAB_DIR"; fi
  if [ -n "$TMP" ] && [ -d "$TMP" ]; then
    if ((KEEP)); then echo "stress.sh: kept $TMP" >&2; else rm -rf -- "$TMP"; fi
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

TMP=$(mktemp -d /tmp/tern-stress.XXXXXX)
LAB_DIR=$TMP/lab

if [ -z "$BUILD_DIR" ]; then
  BUILD_DIR=$REPO_DIR/build-bench
  [ -f "$BUILD_DIR/build.ninja" ] || meson setup "$BUILD_DIR" "$REPO_DIR" -Dbuildtype=release >/dev/null
  note "ninja -C $BUILD_DIR daemon/ternd daemon/ternctl"
  ninja -C "$BUILD_DIR" daemon/ternd daemon/ternctl >/dev/null
fi
TERND=$BUILD_DIR/daemon/ternd
TERNCTL=$BUILD_DIR/daemon/ternctl
[ -x "$TERND" ] && [ -x "$TERNCTL" ] || die "$TERND or $TERNCTL not found"

note "starting the NSD lab on $LAB_NET.x.y"
LAB_STARTED=1
start_lab "$LAB_NET" "$LAB_DIR"

PORT=$(pick_port)
CTL=$TMP/ternd.ctl
# A validating ternd (issue 15: on by default) needs the lab's root anchor: the lab's root is
# signed with the lab's own key, which the built-in IANA anchors call bogus. Named only when
# this ternd knows the setting.
ANCHOR_YAML="trust-anchor-file: [\"$LAB_DIR/root.key\"]"
ternd_config "$PORT" "$THREADS" "$CACHE_MB" "$LAB_DIR/root.hints" "$ANCHOR_YAML" >"$TMP/probe.yaml"
ternd_accepts "$TERND" "$TMP/probe.yaml" "$TMP/probe.log" || ANCHOR_YAML=
ternd_config "$PORT" "$THREADS" "$CACHE_MB" "$LAB_DIR/root.hints" "$ANCHOR_YAML" | sed "s|^control-socket: .*|control-socket: $CTL|" \
  >"$TMP/ternd.yaml"
"$TERND" -d -c "$TMP/ternd.yaml" >"$TMP/ternd.log" 2>&1 &
TERND_PID=$!
wait_answer ternd "$TERND_PID" "$PORT" "$TMP/ternd.log"

# Lab names with long TTLs (as in bench.sh): after a flush every one is resolved again.
QFILE=$TMP/queries.txt
cat >"$QFILE" <<'EOF'
www.example.lab A
www.example.lab AAAA
www.example.lab MX
nosuch.example.lab A
nosuch.shop.lab A
nosuch.lab A
www.glueless.corp A
www.chain.lab A
alias.glueless.corp A
hop.shop.lab A
ftp.example.lab A
www.shop.lab A
multi.example.lab A
example.lab MX
mail.example.lab A
foo.wild.example.lab A
bar.wild.example.lab A
example.lab NS
example.lab SOA
ns1.example.lab A
EOF

note "warming the cache"
dnsperf -s 127.0.0.1 -p "$PORT" -d "$QFILE" -n 3 -c 1 -q 4 -t 10 >"$TMP/warm.out" 2>&1 || true

note "measuring the maximum QPS ($MEASURE_SECONDS s, unlimited)"
dnsperf -s 127.0.0.1 -p "$PORT" -d "$QFILE" -l "$MEASURE_SECONDS" -c "$CLIENTS" -T "$DNSPERF_THREADS" \
  -q "$OUTSTANDING" >"$TMP/max.out" 2>&1 &
DNSPERF_PID=$!
wait "$DNSPERF_PID" || die "dnsperf failed: $(tail -n 5 "$TMP/max.out")"
DNSPERF_PID=
MAX_QPS=$(field "$TMP/max.out" "Queries per second:")
TARGET=$(awk -v m="$MAX_QPS" -v p="$LOAD_PCT" 'BEGIN { printf "%d", m * p / 100 }')
((TARGET >= 1)) || die "measured maximum QPS is $MAX_QPS"

RUN_SECONDS=$((MINUTES * 60))
note "offering $TARGET QPS ($LOAD_PCT% of $MAX_QPS) for $RUN_SECONDS s; reload every ${RELOAD_EVERY}s, flush-all every ${FLUSH_EVERY}s"
dnsperf -s 127.0.0.1 -p "$PORT" -d "$QFILE" -l "$RUN_SECONDS" -Q "$TARGET" -c "$CLIENTS" -T "$DNSPERF_THREADS" \
  -q "$OUTSTANDING" -t 5 >"$TMP/load.out" 2>&1 &
DNSPERF_PID=$!
RSS_LOG=$TMP/rss.txt
: >"$RSS_LOG"
RELOADS=0 FLUSHES=0 CONTROL_FAILURES=0 TERND_DIED=0
START=$SECONDS
while kill -0 "$DNSPERF_PID" 2>/dev/null; do
  t=$((SECONDS - START))
  if ! kill -0 "$TERND_PID" 2>/dev/null; then TERND_DIED=1; break; fi
  if ((t > 0 && RELOAD_EVERY > 0 && t % RELOAD_EVERY == 0)); then
    "$TERNCTL" -s "$CTL" reload >>"$TMP/control.log" 2>&1 && RELOADS=$((RELOADS + 1)) || CONTROL_FAILURES=$((CONTROL_FAILURES + 1))
  fi
  if ((t > 0 && FLUSH_EVERY > 0 && t % FLUSH_EVERY == 0)); then
    "$TERNCTL" -s "$CTL" cache flush-all >>"$TMP/control.log" 2>&1 && FLUSHES=$((FLUSHES + 1)) || CONTROL_FAILURES=$((CONTROL_FAILURES + 1))
  fi
  if ((t % SAMPLE_EVERY == 0)); then rss_kib "$TERND_PID" && echo "$t $RSS_KIB" >>"$RSS_LOG"; fi
  # sleep to the next whole second of the run
  while ((SECONDS - START == t)) && kill -0 "$DNSPERF_PID" 2>/dev/null; do sleep 0.2; done
done
wait "$DNSPERF_PID" || true
DNSPERF_PID=
kill -0 "$TERND_PID" 2>/dev/null || TERND_DIED=1

SENT=$(field "$TMP/load.out" "Queries sent:")
COMPLETED=$(field "$TMP/load.out" "Queries completed:")
LOST=$(field "$TMP/load.out" "Queries lost:")
QPS=$(field "$TMP/load.out" "Queries per second:")
SERVFAIL=$(rcode_count "$TMP/load.out" SERVFAIL)
WARMUP=$((RUN_SECONDS * WARMUP_PCT / 100))
read -r RSS_N RSS_MIN RSS_MAX RSS_FIRST RSS_LAST < <(awk -v w="$WARMUP" '$1 >= w && $2 > 0 {
    n++; if (n == 1) { min = max = first = $2 } if ($2 < min) min = $2; if ($2 > max) max = $2; last = $2 }
  END { print n + 0, min + 0, max + 0, first + 0, last + 0 }' "$RSS_LOG")
RSS_SPREAD=$(awk -v a="$RSS_MIN" -v b="$RSS_MAX" 'BEGIN { if (a > 0) printf "%.2f", (b - a) * 100 / a; else print "n/a" }')
BAD_PCT=$(awk -v l="${LOST:-0}" -v s="${SERVFAIL:-0}" -v n="${SENT:-0}" 'BEGIN { if (n > 0) printf "%.4f", (l + s) * 100 / n; else print 100 }')

VERDICT=pass
awk -v b="$BAD_PCT" -v m="$MAX_LOST_PCT" 'BEGIN { exit !(b <= m) }' || VERDICT=fail
awk -v s="$RSS_SPREAD" -v m="$RSS_PCT" 'BEGIN { exit !(s != "n/a" && s <= m) }' || VERDICT=fail
((TERND_DIED == 0 && CONTROL_FAILURES == 0)) || VERDICT=fail

cat <<EOF
## ternd stress run, $(date -u '+%Y-%m-%d %H:%M UTC')

Command: \`tests/bench/stress.sh --minutes $MINUTES\` (threads $THREADS, cache-size ${CACHE_MB}m, $(nproc) CPUs, dnsperf -c $CLIENTS -T $DNSPERF_THREADS -q $OUTSTANDING)

| figure | value |
|---|---|
| measured maximum (cache hits, ${MEASURE_SECONDS} s) | $MAX_QPS QPS |
| offered load ($LOAD_PCT%) / achieved | $TARGET / $QPS QPS |
| duration | $RUN_SECONDS s |
| queries sent / completed / lost | $SENT / $COMPLETED / $LOST |
| SERVFAIL answers | $SERVFAIL |
| lost + SERVFAIL | $BAD_PCT % (allowed $MAX_LOST_PCT %) |
| ternctl reload / cache flush-all done | $RELOADS / $FLUSHES (failures $CONTROL_FAILURES) |
| ternd alive at the end | $([ "$TERND_DIED" = 0 ] && echo yes || echo NO) |
| RSS after warm-up ($WARMUP s): samples, min .. max | $RSS_N, $RSS_MIN .. $RSS_MAX KiB |
| RSS first / last after warm-up | $RSS_FIRST / $RSS_LAST KiB |
| RSS spread | $RSS_SPREAD % (allowed $RSS_PCT %) |
| verdict | $VERDICT |

RSS samples (seconds, KiB): $(tr '\n' ' ' <"$RSS_LOG")
EOF
[ "$VERDICT" = pass ]
