#!/usr/bin/env bash
# zones/fleet.sh: a fleet of ternd behind Debian's dnsdist, sharing a Redis second-level cache,
# in front of the lab's authorities (zones/lab.sh), all on loopback. Every process is started
# in the background, its pid recorded under $FLEET_DIR, and stopped by that pid only.
#
#   fleet.sh up        start the lab (unless $LAB_DIR already runs one), redis-server, N ternd
#                      and dnsdist in front; print where to send queries
#   fleet.sh down      stop dnsdist, the ternd, redis (and the lab when fleet.sh started it)
#   fleet.sh status    one line per process
#   fleet.sh add       start one more ternd (ternd N+1), not behind dnsdist: a member joining
#                      a warm fleet (tests/bench/fleet.sh asks it directly)
#   fleet.sh restart-ternd I   stop ternd I and start it again (cache-save-file keeps its cache
#                      when the ternd built knows that setting)
#   fleet.sh redis-kill        SIGKILL redis-server (an outage under load)
#   fleet.sh redis-start       start it again (empty)
#   fleet.sh stats [I...]      `ternctl stats` of every ternd (or those named), summed
#   fleet.sh bench             tests/bench/fleet.sh (its options after "bench")
#
# Environment:
#   FLEET_DIR      state directory (default /tmp/tern-fleet)
#   LAB_NET        the lab's prefix 127.N (default 127.53); the fleet takes $LAB_NET.250.0/24
#   LAB_DIR        the lab's directory (default $FLEET_DIR/lab: started and stopped here)
#   FLEET_N        ternd instances behind dnsdist (default 3)
#   FLEET_POLICY   dnsdist's server policy: roundrobin or chashed (default roundrobin)
#   FLEET_L2       1: the ternd share redis-server (default 1); 0: no second-level cache
#   FLEET_PROXY    auto (default): dnsdist sends PROXY v2 to the backends when the ternd
#                  built knows proxy-protocol-from (ternd --check-config); 0: never; 1: must
#   FLEET_SAVE     auto (default): cache-save-file per ternd when the ternd knows it; 0: never
#   FLEET_PORT     dnsdist's port on $LAB_NET.250.2 (default 53)
#   REDIS_DELAY_MS >0: ternd reach Redis through zones/tools/delay_relay adding this many ms
#                  each way (a slow Redis); default 0
#   FLEET_REDIS_TIMEOUT  redis-timeout of the ternd, ms (default 50)
#   TERND, TERNCTL, DELAY_RELAY  the binaries (default build/daemon/ternd, build/daemon/ternctl,
#                  build/zones/tools/delay_relay)
#   FLEET_EXTRA_YAML  lines added to every ternd's configuration
#
# Addresses: redis $LAB_NET.250.1@6379 (its relay, when slowed, @6380), dnsdist
# $LAB_NET.250.2@$FLEET_PORT, ternd I $LAB_NET.250.(10+I)@53.
set -euo pipefail

ZONES_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname -- "$ZONES_DIR")
FLEET_DIR=${FLEET_DIR:-/tmp/tern-fleet}
LAB_NET=${LAB_NET:-127.53}
FLEET_N=${FLEET_N:-3}
FLEET_POLICY=${FLEET_POLICY:-roundrobin}
FLEET_L2=${FLEET_L2:-1}
FLEET_PROXY=${FLEET_PROXY:-auto}
FLEET_SAVE=${FLEET_SAVE:-auto}
FLEET_PORT=${FLEET_PORT:-53}
REDIS_DELAY_MS=${REDIS_DELAY_MS:-0}
FLEET_REDIS_TIMEOUT=${FLEET_REDIS_TIMEOUT:-50}
TERND=${TERND:-$REPO_DIR/build/daemon/ternd}
TERNCTL=${TERNCTL:-$REPO_DIR/build/daemon/ternctl}
DELAY_RELAY=${DELAY_RELAY:-$REPO_DIR/build/zones/tools/delay_relay}
FLEET_EXTRA_YAML=${FLEET_EXTRA_YAML:-}
NET=$LAB_NET.250
REDIS_ADDR=$NET.1
REDIS_PORT=6379
# Shared by every member: the keys of one fleet (a lab secret, not one to copy).
KEY_SECRET=fleet-lab-secret-0123456789abcdef

die() {
  echo "fleet.sh: $*" >&2
  exit 1
}

[[ $LAB_NET =~ ^127\.[0-9]{1,3}$ ]] || die "LAB_NET='$LAB_NET' must be 127.N"
[[ $FLEET_N =~ ^[1-9][0-9]?$ ]] || die "FLEET_N='$FLEET_N' must be 1..99"
[[ $FLEET_POLICY == roundrobin || $FLEET_POLICY == chashed ]] || die "FLEET_POLICY must be roundrobin or chashed"

if [ -z "${LAB_DIR:-}" ]; then
  LAB_DIR=$FLEET_DIR/lab
  OWN_LAB=1
else
  OWN_LAB=0
fi

pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pidfile() {  # TERM, up to 5 s, then KILL; only pids this script recorded
  local file=$1 pid i
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# accepts SETTING_YAML: whether the ternd built knows a setting (a branch without it says
# "unknown setting"): the fleet then leaves it out.
accepts() {
  local probe=$FLEET_DIR/probe.yaml
  printf 'username: ""\ncontrol-socket: ""\n%s\n' "$1" >"$probe"
  "$TERND" -c "$probe" --check-config >"$FLEET_DIR/probe.log" 2>&1
}

redis_target() {  # where the ternd reach Redis: directly, or through the delay relay
  if ((REDIS_DELAY_MS > 0)); then echo "$REDIS_ADDR@6380"; else echo "$REDIS_ADDR@$REDIS_PORT"; fi
}

start_redis() {
  mkdir -p "$FLEET_DIR/redis"
  pid_alive "$FLEET_DIR/redis.pid" && return 0
  redis-server --bind "$REDIS_ADDR" --port "$REDIS_PORT" --save "" --appendonly no --protected-mode no \
    --dir "$FLEET_DIR/redis" --maxmemory 256mb --maxmemory-policy allkeys-lru \
    >"$FLEET_DIR/redis/redis.log" 2>&1 &
  echo $! >"$FLEET_DIR/redis.pid"
  local i
  for ((i = 0; i < 50; i++)); do
    redis-cli -h "$REDIS_ADDR" -p "$REDIS_PORT" PING 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  if ((REDIS_DELAY_MS > 0)) && ! pid_alive "$FLEET_DIR/relay.pid"; then
    "$DELAY_RELAY" --delay-ms "$REDIS_DELAY_MS" "$REDIS_ADDR:6380=$REDIS_ADDR:$REDIS_PORT" \
      >"$FLEET_DIR/relay.log" 2>&1 &
    echo $! >"$FLEET_DIR/relay.pid"
  fi
}

ternd_config() {  # ternd_config I
  local i=$1 dir=$FLEET_DIR/ternd$1
  cat <<EOF
listen: ["$NET.$((10 + i))@53"]
root-hints: $LAB_DIR/root.hints
trust-anchor-file: ["$LAB_DIR/root.key"]
query-loopback: yes
do-ip6: no
threads: 1
verbosity: 1
username: ""
control-socket: $dir/ternd.ctl
EOF
  if [ "$FLEET_L2" = 1 ]; then
    printf 'redis-server: "%s"\nredis-key-secret: "%s"\nredis-timeout: %s\n' "$(redis_target)" "$KEY_SECRET" \
      "$FLEET_REDIS_TIMEOUT"
  fi
  # Only dnsdist's address sends PROXY v2 (its backends' source, below): a client asking a
  # ternd directly (the start-up probe, `fleet.sh add`'s member, dig) is answered as itself.
  [ "$(cat "$FLEET_DIR/proxy" 2>/dev/null)" = 1 ] && printf 'proxy-protocol-from: ["%s/32"]\n' "$NET.2"
  [ "$(cat "$FLEET_DIR/save" 2>/dev/null)" = 1 ] && printf 'cache-save-file: "%s/cache.bin"\n' "$dir"
  printf '%s\n' "$FLEET_EXTRA_YAML"
}

start_ternd() {  # start_ternd I
  local i=$1 dir=$FLEET_DIR/ternd$1 k
  mkdir -p "$dir"
  pid_alive "$dir/ternd.pid" && return 0
  ternd_config "$i" >"$dir/ternd.yaml"
  "$TERND" -c "$dir/ternd.yaml" -d >>"$dir/ternd.log" 2>&1 &
  echo $! >"$dir/ternd.pid"
  for ((k = 0; k < 100; k++)); do
    dig +tries=1 +time=1 +norec @"$NET.$((10 + i))" . NS >/dev/null 2>&1 && return 0
    pid_alive "$dir/ternd.pid" || break
    sleep 0.1
  done
  tail -n 20 "$dir/ternd.log" >&2
  die "ternd $i did not start (log above)"
}

start_dnsdist() {
  local conf=$FLEET_DIR/dnsdist.conf i proxy=false
  [ "$(cat "$FLEET_DIR/proxy" 2>/dev/null)" = 1 ] && proxy=true
  {
    echo "setLocal(\"$NET.2:$FLEET_PORT\")"
    echo 'setACL({"127.0.0.0/8"})'
    echo 'setSecurityPollSuffix("")'  # no security-status queries to the Internet
    for ((i = 1; i <= FLEET_N; i++)); do
      echo "newServer({address=\"$NET.$((10 + i)):53\", name=\"ternd$i\", source=\"$NET.2\", useProxyProtocol=$proxy})"
      # Forced up: no health-check queries, which would count as client queries at the ternd.
      echo "getServer($((i - 1))):setUp()"
    done
    echo "setServerPolicy($FLEET_POLICY)"
  } >"$conf"
  dnsdist --supervised --disable-syslog -C "$conf" >"$FLEET_DIR/dnsdist.log" 2>&1 &
  echo $! >"$FLEET_DIR/dnsdist.pid"
  for ((i = 0; i < 100; i++)); do
    dig +tries=1 +time=1 -p "$FLEET_PORT" @"$NET.2" www.example.lab A 2>/dev/null | grep -q 'status: NOERROR' && return 0
    pid_alive "$FLEET_DIR/dnsdist.pid" || break
    sleep 0.2
  done
  tail -n 20 "$FLEET_DIR/dnsdist.log" >&2
  die "dnsdist did not answer (log above)"
}

decide_optional() {  # the settings of other branches: used when the ternd built knows them
  case $FLEET_PROXY in
    0) echo 0 ;;
    1) accepts 'proxy-protocol-from: ["127.0.0.0/8"]' || die "FLEET_PROXY=1 but $TERND does not know proxy-protocol-from"
       echo 1 ;;
    *) if accepts 'proxy-protocol-from: ["127.0.0.0/8"]'; then echo 1; else echo 0; fi ;;
  esac >"$FLEET_DIR/proxy"
  if [ "$FLEET_SAVE" != 0 ] && accepts "cache-save-file: \"$FLEET_DIR/probe.bin\""; then echo 1; else echo 0; fi \
    >"$FLEET_DIR/save"
}

cmd_up() {
  [ -x "$TERND" ] || die "no ternd at $TERND (ninja -C build daemon/ternd)"
  mkdir -p "$FLEET_DIR"
  echo "$FLEET_N" >"$FLEET_DIR/n"
  echo "$OWN_LAB $LAB_DIR" >"$FLEET_DIR/lab.owner"
  if [ "$OWN_LAB" = 1 ] || ! LAB_DIR=$LAB_DIR "$ZONES_DIR/lab.sh" status >/dev/null 2>&1; then
    LAB_NET=$LAB_NET LAB_DIR=$LAB_DIR LAB_WAIT=15 "$ZONES_DIR/lab.sh" start >"$FLEET_DIR/lab-start.log" 2>&1 ||
      { cat "$FLEET_DIR/lab-start.log" >&2; die "lab.sh start failed"; }
  fi
  decide_optional
  [ "$FLEET_L2" = 1 ] && start_redis
  local i
  for ((i = 1; i <= FLEET_N; i++)); do start_ternd "$i"; done
  start_dnsdist
  echo "fleet up: dnsdist $NET.2@$FLEET_PORT ($FLEET_POLICY, PROXY v2 $(cat "$FLEET_DIR/proxy")," \
    "cache-save-file $(cat "$FLEET_DIR/save")), $FLEET_N ternd on $NET.11.., L2 $FLEET_L2 ($(redis_target))"
}

cmd_down() {
  stop_pidfile "$FLEET_DIR/dnsdist.pid"
  local dir
  for dir in "$FLEET_DIR"/ternd*/; do
    [ -d "$dir" ] && stop_pidfile "$dir/ternd.pid"
  done
  stop_pidfile "$FLEET_DIR/relay.pid"
  stop_pidfile "$FLEET_DIR/redis.pid"
  local own lab
  if [ -s "$FLEET_DIR/lab.owner" ]; then
    read -r own lab <"$FLEET_DIR/lab.owner"
    [ "$own" = 1 ] && LAB_DIR=$lab "$ZONES_DIR/lab.sh" stop >/dev/null 2>&1 || true
  fi
  rm -f "$FLEET_DIR/lab.owner"
}

cmd_status() {
  local f
  for f in "$FLEET_DIR/redis.pid" "$FLEET_DIR/relay.pid" "$FLEET_DIR/dnsdist.pid" "$FLEET_DIR"/ternd*/ternd.pid; do
    [ -e "$f" ] || continue
    if pid_alive "$f"; then echo "$(basename "$(dirname "$f")")/$(basename "$f" .pid): running ($(cat "$f"))"
    else echo "$(basename "$f" .pid): stopped"; fi
  done
}

cmd_stats() {  # summed `ternctl stats` of the ternd named (default: every one)
  local ids=("$@") i
  if [ ${#ids[@]} -eq 0 ]; then
    for ((i = 1; i <= $(cat "$FLEET_DIR/n"); i++)); do ids+=("$i"); done
  fi
  for i in "${ids[@]}"; do
    "$TERNCTL" -s "$FLEET_DIR/ternd$i/ternd.ctl" stats
  done | awk -F= '/^[a-z0-9.-]+=[0-9]+$/ { s[$1] += $2 } END { for (k in s) print k "=" s[k] }' | sort
}

case ${1-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  add)
    n=$(($(cat "$FLEET_DIR/n") + 1))
    echo "$n" >"$FLEET_DIR/n"
    start_ternd "$n"
    echo "ternd $n on $NET.$((10 + n))@53 (not behind dnsdist)"
    ;;
  restart-ternd)
    [[ ${2-} =~ ^[0-9]+$ ]] || die "restart-ternd needs an instance number"
    stop_pidfile "$FLEET_DIR/ternd$2/ternd.pid"
    start_ternd "$2"
    ;;
  redis-kill)
    pid_alive "$FLEET_DIR/redis.pid" && kill -KILL "$(cat "$FLEET_DIR/redis.pid")"
    rm -f "$FLEET_DIR/redis.pid"
    ;;
  redis-start) start_redis ;;
  stats) shift; cmd_stats "$@" ;;
  bench) shift; exec "$REPO_DIR/tests/bench/fleet.sh" "$@" ;;
  *) sed -n '2,18p' "$0" >&2; exit 2 ;;
esac
