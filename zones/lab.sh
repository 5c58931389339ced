#!/usr/bin/env bash
# zones/lab.sh: the tern DNS lab. Real NSD authorities on loopback (a root, TLDs and second-level
# zones, see zones/README.md), one NSD process per server role, all state under $LAB_DIR.
#
#   lab.sh start [INSTANCE...]
#                    render zones + configs into $LAB_DIR, start every NSD instance (or the ones
#                    named) not already running, wait (bounded) until each answers its zones' SOA
#   lab.sh stop [INSTANCE...]
#                    stop every instance (or the ones named) by its pidfile (TERM, KILL after ~3 s)
#   lab.sh switch old|new [ZONE]
#                    serve the old or the new version of the failover records of ZONE (default
#                    shop.lab): the lines marked "; failover-new: ADDRESS" in its zone file; the
#                    instance reloads (SIGHUP by pid) and the switch waits until it serves them
#   lab.sh failover [OPTIONS]
#                    the failover scenario end to end (see usage_failover and zones/README.md)
#   lab.sh restart   stop, then start
#   lab.sh status    one line per instance; exit 0 if all run, 3 otherwise
#   lab.sh render    only render $LAB_DIR (zones, nsd.conf files, root.hints); the zones of
#                    lab/signing.conf are signed (zones/sign_lab.py, ldns-signzone) and the root's
#                    DS, the lab's trust anchor, is written to $LAB_DIR/root.key
#   lab.sh check     ask the authorities (+norec) every case of zones/README.md; exit 1 on a miss
#   lab.sh check-dnssec
#                    ask a validating unbound with the lab's trust anchor every DNSSEC case of
#                    lab/dnssec-cases.conf (zones/check-dnssec.sh); exit 1 on a miss
#   lab.sh queries   the queries each running instance has received since it started, and the
#                    total (nsd-control stats_noreset over the instance's unix control socket):
#                    what resolving costs the authorities
#   lab.sh up [--delay]
#                    install deps, build, start the lab and ternd in front of it (--delay:
#                    LAB_DELAY=1, delay relays in front of the authorities)
#   lab.sh down      stop ternd and the lab
#
# Environment:
#   LAB_DIR      state directory (default /run/tern-lab)
#   LAB_NET      address prefix of the lab, 127.N (default: the one recorded in $LAB_DIR/lab.net,
#                else 127.53): every "127.53." in the zone files and configs is rewritten to
#                "$LAB_NET." so independent labs can run side by side (integration tests use e.g.
#                LAB_NET=127.54 LAB_DIR=/tmp/lab-54)
#   LAB_WAIT     seconds to wait for the NSD instances to answer (default 5)
#   TERN_LISTEN  ternd listen address for "up" (default 127.0.0.1@53), loopback only
#   TERN_TLS_PORT  port of ternd's DNS-over-TLS listener on the same address (default 853); "up"
#                makes a self-signed certificate for it in $LAB_DIR/tls (kept across runs)
#   TERN_HTTPS_PORT  port of ternd's DNS-over-HTTPS listener on the same address (default 443),
#                with the same certificate
#   TERN_WAIT    seconds to wait for ternd to answer (default 10)
#   TERN_HTTP_PORT  port of ternd's live status page (http-listen) on the same address
#                (default 8053): "up" and "failover" print its address
#   LAB_DELAY    1: a delay relay (zones/tools/delay_relay) in front of every instance; NSD
#                moves to port 5300, the relay holds port 53 (default: as recorded in
#                $LAB_DIR/lab.delay, else 0; "lab.sh up --delay" sets it)
#   LAB_DELAY_ROOT, LAB_DELAY_TLD, LAB_DELAY_SLD
#                one-way delay in ms of the root, the TLD and the other servers (10, 30, 80)
#   LAB_DELAY_MS_<INSTANCE>  the delay of one instance ("-" written "_": LAB_DELAY_MS_shop_lab)
#   LAB_RELAY    the delay_relay binary (default build/zones/tools/delay_relay; bench.sh names
#                its own build's)
#   LAB_TTL_SCALE  factor for the TTLs of the failover records (default: the one recorded in
#                $LAB_DIR/ttl.scale, else 1), e.g. 0.1: db.shop.lab 30 s, db-fast.shop.lab 3 s
#
# The lab only ever binds and queries addresses in 127.0.0.0/8 (and ::1 for TERN_LISTEN), and
# only ever signals processes whose pid it recorded itself.
set -euo pipefail

ZONES_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname -- "$ZONES_DIR")
SRC_DIR=$ZONES_DIR/lab
SRC_NET=127.53

DEFAULT_LAB_DIR=/run/tern-lab
LAB_DIR=${LAB_DIR:-$DEFAULT_LAB_DIR}
LAB_NET=${LAB_NET:-}
LAB_WAIT=${LAB_WAIT:-5}
TERN_LISTEN=${TERN_LISTEN:-127.0.0.1@53}
TERN_WAIT=${TERN_WAIT:-10}
TERN_HTTP_PORT=${TERN_HTTP_PORT:-8053}
LAB_TTL_SCALE=${LAB_TTL_SCALE:-}
LAB_DELAY=${LAB_DELAY:-}
LAB_DELAY_ROOT=${LAB_DELAY_ROOT:-10}
LAB_DELAY_TLD=${LAB_DELAY_TLD:-30}
LAB_DELAY_SLD=${LAB_DELAY_SLD:-80}
NSD_PORT=53 # 5300 behind the delay relays
SAVED_DELAY=
RELAY=${LAB_RELAY:-$REPO_DIR/build/zones/tools/delay_relay}
TERN_TLS_PORT=${TERN_TLS_PORT:-853}
TERN_HTTPS_PORT=${TERN_HTTPS_PORT:-443}

SAVED_NET= # LAB_NET recorded in $LAB_DIR/lab.net by the last render, if any
# Instance table, filled by load_instances from lab/instances.conf (addresses already rendered).
INST_NAMES=()
INST_ADDRS=()
INST_ZONES=()

die() {
  echo "lab.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: ${0##*/} start|stop [INSTANCE...] | restart|status|render|check|check-dnssec|queries|up [--delay]|down" >&2
  echo "       ${0##*/} switch old|new [ZONE] | failover [OPTIONS] (failover --help)" >&2
  echo "       env: LAB_DIR (default /run/tern-lab), LAB_NET (default: saved in LAB_DIR, else 127.53)," >&2
  echo "            LAB_WAIT, TERN_LISTEN (default 127.0.0.1@53), TERN_WAIT" >&2
}

validate_env() {
  [ -n "$LAB_DIR" ] || die "LAB_DIR is empty"
  LAB_DIR=$(realpath -m -- "$LAB_DIR")
  [ "$LAB_DIR" != / ] || die "LAB_DIR must not be /"
  # A LAB_DIR remembers its LAB_NET (lab.net), so stop/status/down need only LAB_DIR.
  local saved=
  if [ -s "$LAB_DIR/lab.net" ]; then read -r saved <"$LAB_DIR/lab.net" || true; fi
  LAB_NET=${LAB_NET:-${saved:-$SRC_NET}}
  [[ $LAB_NET =~ ^127\.([0-9]{1,3})$ ]] ||
    die "LAB_NET='$LAB_NET' refused: must be 127.N (the lab stays in 127.0.0.0/8)"
  local octet=$((10#${BASH_REMATCH[1]}))
  ((octet >= 1 && octet <= 255)) ||
    die "LAB_NET='$LAB_NET' refused: N must be 1..255 (127.0. holds 127.0.0.1 and the answer data)"
  [[ $LAB_WAIT =~ ^[0-9]+$ && $TERN_WAIT =~ ^[0-9]+$ ]] || die "LAB_WAIT/TERN_WAIT must be integers"
  SAVED_NET=$saved
  if [ -z "$LAB_TTL_SCALE" ] && [ -s "$LAB_DIR/ttl.scale" ]; then read -r LAB_TTL_SCALE <"$LAB_DIR/ttl.scale" || true; fi
  LAB_TTL_SCALE=${LAB_TTL_SCALE:-1}
  if [ -s "$LAB_DIR/lab.delay" ]; then read -r SAVED_DELAY <"$LAB_DIR/lab.delay" || true; fi
  LAB_DELAY=${LAB_DELAY:-${SAVED_DELAY:-0}}
  [[ $LAB_DELAY =~ ^[01]$ ]] || die "LAB_DELAY='$LAB_DELAY' refused: 0 or 1"
  [[ $LAB_DELAY_ROOT =~ ^[0-9]{1,4}$ && $LAB_DELAY_TLD =~ ^[0-9]{1,4}$ && $LAB_DELAY_SLD =~ ^[0-9]{1,4}$ ]] ||
    die "LAB_DELAY_ROOT/TLD/SLD must be milliseconds (0..9999)"
  if ((LAB_DELAY)); then NSD_PORT=5300; fi
  if ! [[ $LAB_TTL_SCALE =~ ^[0-9]+(\.[0-9]+)?$ ]] || ! awk -v s="$LAB_TTL_SCALE" 'BEGIN { exit !(s > 0) }'; then
    die "LAB_TTL_SCALE='$LAB_TTL_SCALE' refused: must be a positive number such as 0.1"
  fi
}

# Refuses to re-render a LAB_DIR whose instances run with another LAB_NET.
check_net_change() {
  local name
  if [[ -n $SAVED_DELAY && $SAVED_DELAY != "$LAB_DELAY" ]]; then
    for name in "${INST_NAMES[@]}"; do
      if inst_pid "$name" >/dev/null; then
        die "$LAB_DIR runs a lab with LAB_DELAY=$SAVED_DELAY; stop it first (lab.sh stop)"
      fi
    done
  fi
  [[ -n $SAVED_NET && $SAVED_NET != "$LAB_NET" ]] || return 0
  for name in "${INST_NAMES[@]}"; do
    if inst_pid "$name" >/dev/null; then
      die "$LAB_DIR runs a lab with LAB_NET=$SAVED_NET; stop it first or use another LAB_DIR"
    fi
  done
}

# Rewrites the lab prefix in stdin to $LAB_NET.
rewrite_net() {
  sed -e "s/\\b${SRC_NET//./\\.}\\./${LAB_NET}./g"
}

load_instances() {
  local name addrs zones extra addr rendered
  while read -r name addrs zones extra; do
    [[ -z $name || $name == \#* ]] && continue
    [[ -n $zones && -z $extra ]] || die "instances.conf: bad line for '$name'"
    # The lab prefix of each address rewritten in the shell (as rewrite_net, without a sed per
    # instance: every lab.sh command, "status" too, loads the table).
    rendered=
    for addr in ${addrs//,/ }; do
      [[ $addr == "$SRC_NET."* ]] && addr=$LAB_NET.${addr#"$SRC_NET."}
      rendered+=${rendered:+,}$addr
    done
    INST_NAMES+=("$name")
    INST_ADDRS+=("$rendered")
    INST_ZONES+=("$zones")
  done <"$SRC_DIR/instances.conf"
  ((${#INST_NAMES[@]})) || die "no instances in $SRC_DIR/instances.conf"
}

# Zone file name for a zone ("." -> root.zone).
zone_file() {
  if [ "$1" = . ]; then echo root.zone; else echo "${1%.}.zone"; fi
}

# Writes stdin to $1 only when the content changed (no churn for running instances).
# Shell builtins only (read, printf): every render calls it for each instance's nsd.conf.
install_content() {
  local dst=$1 content='' old=''
  IFS= read -r -d '' content || true
  if [ -f "$dst" ]; then IFS= read -r -d '' old <"$dst" || true; fi
  [[ -f $dst && $old == "$content" ]] && return 0
  printf '%s' "$content" >"$dst.new"
  chmod 644 "$dst.new"
  mv -f "$dst.new" "$dst"
}

nsd_conf() {
  local name=$1 addrs=$2 zones=$3 idir=$LAB_DIR/$1 addr zone
  echo "# generated by zones/lab.sh for lab instance '$name' (LAB_NET=$LAB_NET); do not edit"
  echo "server:"
  for addr in ${addrs//,/ }; do echo "    ip-address: $addr"; done
  cat <<EOF
    port: $NSD_PORT
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$LAB_DIR/zones"
    pidfile: "$idir/nsd.pid"
    database: ""
    zonelistfile: "$idir/zone.list"
    xfrdfile: "$idir/xfrd.state"
    xfrdir: "$idir"
    cookie-secret-file: "$idir/cookiesecrets.txt"
    zonefiles-write: 0
    logfile: "$idir/nsd.log"
    identity: "$name"
    hide-version: yes
    verbosity: 1
    server-count: 1
    tcp-count: 64
remote-control:
    control-enable: yes
    control-interface: $idir/nsd.ctl
EOF
  for zone in ${zones//,/ }; do
    printf 'zone:\n    name: "%s"\n    zonefile: "%s"\n' "$zone" "$(zone_file "$zone")"
  done
}

# Renders source zone files "$@" into $LAB_DIR/zones (a zone of lab/signing.conf into
# $LAB_DIR/unsigned, for sign_zones): the lab prefix (as rewrite_net), and on the lines marked
# "; failover-new: ADDRESS" the version's address and the TTL times LAB_TTL_SCALE (at least 1).
# One awk for all the files, writing only those whose content changed: with ~40 zone files a
# render that changes nothing stays cheap (the tests restart instances with "start" under load).
render_zones() {
  signed_zone root.zone || true # fills SIGNED_ZONES
  awk -v src="$SRC_NET." -v net="$LAB_NET." -v scale="$LAB_TTL_SCALE" -v signed="$SIGNED_ZONES" \
    -v zones="$LAB_DIR/zones" -v unsigned="$LAB_DIR/unsigned" '
    function rewrite(line,   out, i, before) {
      out = ""
      while ((i = index(line, src)) > 0) {
        before = i > 1 ? substr(line, i - 1, 1) : ""
        out = out substr(line, 1, i - 1) (before ~ /[0-9A-Za-z_]/ ? src : net)
        line = substr(line, i + length(src))
      }
      return out line
    }
    function quote(path) { gsub(/\x27/, "\x27\\\x27\x27", path); return "\x27" path "\x27" }
    function flush(   old, l, tmp) {
      if (dst == "") return
      old = ""
      while ((getline l < dst) > 0) old = old l "\n"
      close(dst)
      if (old != buf) {
        tmp = dst ".new"
        printf "%s", buf > tmp
        close(tmp)
        system("chmod 644 " quote(tmp) " && mv -f " quote(tmp) " " quote(dst))
      }
      buf = ""
    }
    FNR == 1 {
      flush()
      base = FILENAME; sub(/.*\//, "", base)
      zone = base == "root.zone" ? "." : substr(base, 1, length(base) - 5)
      dst = (index(signed, " " zone " ") ? unsigned : zones) "/" base
      version = "old"
      if ((getline version < (zones "/" base ".version")) > 0) close(zones "/" base ".version")
      new = version == "new"
    }
    {
      $0 = rewrite($0)
      if ($0 ~ /^[^;].*; failover-new: /) {
        if (new) $5 = $NF
        ttl = int($2 * scale + 0.5); if (ttl < 1) ttl = 1; $2 = ttl
      }
      buf = buf $0 "\n"
    }
    END { flush() }' "$@"
}

# The zones of lab/signing.conf, read once: " . lab sec alg8.sec ... ".
SIGNED_ZONES=

# True when zone file $1 (e.g. lab.zone) belongs to a zone listed in lab/signing.conf.
signed_zone() {
  local zone=${1%.zone}
  [ "$zone" != root ] || zone=.
  if [ -z "$SIGNED_ZONES" ]; then
    SIGNED_ZONES=" $(awk '$1 !~ /^#/ && NF { printf "%s ", $1 }' "$SRC_DIR/signing.conf")"
  fi
  [[ $SIGNED_ZONES == *" $zone "* ]]
}

# Signs the zones of lab/signing.conf (zones/sign_lab.py with ldns-signzone and the keys in
# lab/keys: signatures are valid relative to now) and writes the root's DS, the lab's trust
# anchor, to $LAB_DIR/root.key.
sign_zones() {
  command -v ldns-signzone >/dev/null || die "ldns-signzone is missing: .ci/install-deps installs ldnsutils"
  python3 "$ZONES_DIR/sign_lab.py" --table "$SRC_DIR/signing.conf" --keys "$SRC_DIR/keys" \
    --unsigned "$LAB_DIR/unsigned" --out "$LAB_DIR/zones" --anchor "$LAB_DIR/root.key" >/dev/null
}

cmd_render() {
  local i
  check_net_change
  mkdir -p -- "$LAB_DIR/zones" "$LAB_DIR/unsigned"
  chmod 755 "$LAB_DIR" "$LAB_DIR/zones" "$LAB_DIR/unsigned"
  echo "$LAB_NET" | install_content "$LAB_DIR/lab.net"
  echo "$LAB_DELAY" | install_content "$LAB_DIR/lab.delay"
  echo "$LAB_TTL_SCALE" | install_content "$LAB_DIR/ttl.scale"
  render_zones "$SRC_DIR"/*.zone
  sign_zones
  rewrite_net <"$SRC_DIR/root.hints" | install_content "$LAB_DIR/root.hints"
  for i in "${!INST_NAMES[@]}"; do
    mkdir -p -- "$LAB_DIR/${INST_NAMES[i]}"
    nsd_conf "${INST_NAMES[i]}" "${INST_ADDRS[i]}" "${INST_ZONES[i]}" |
      install_content "$LAB_DIR/${INST_NAMES[i]}/nsd.conf"
  done
}

# Prints the pid from pidfile $1 if that process is alive and its argv[0] is $2 (and, when $3 is
# given, its command line contains $3). Never trusts a stale or recycled pid.
live_pid() {
  local pidfile=$1 prog=$2 must=${3:-} pid argv0 cmdline args=()
  [ -s "$pidfile" ] || return 1
  read -r pid <"$pidfile" || true
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  mapfile -d '' -t args <"/proc/$pid/cmdline" 2>/dev/null || return 1 # no fork: called often
  ((${#args[@]})) || return 1
  cmdline="${args[*]}"
  argv0=${args[0]}
  [ "${argv0##*/}" = "$prog" ] || return 1
  [[ -z $must || $cmdline == *"$must"* ]] || return 1
  echo "$pid"
}

# True while pid $1 exists and is not a zombie (PID 1 may reap our exited daemons late).
is_running() {
  [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# Prints the descendants of pid $1 (children first), so a KILL can take the whole tree.
descendants() {
  local kid
  for kid in $(pgrep -P "$1" || true); do
    echo "$kid"
    descendants "$kid"
  done
}

# Stops the processes recorded in pidfiles, all at once (an NSD needs up to ~2 s to exit on TERM).
# Arguments: tenths of a second to wait after TERM, then groups of four: pidfile, argv[0] name,
# a string its command line must contain (or ""), label for messages. Survivors get KILL, with
# the descendants they had. The pidfiles are removed.
stop_pidfiles() {
  local tenths=$1 n i pid alive
  local pids=() labels=() trees=() files=()
  shift
  while (($# >= 4)); do
    if pid=$(live_pid "$1" "$2" "$3"); then
      pids+=("$pid")
      labels+=("$4")
      trees+=("$(descendants "$pid" | tr '\n' ' ')")
      kill -TERM "$pid" 2>/dev/null || true
    fi
    files+=("$1")
    shift 4
  done
  for ((n = 0; n < tenths; n++)); do
    alive=0
    for pid in "${pids[@]}"; do
      if is_running "$pid"; then
        alive=1
        break
      fi
    done
    ((alive)) || break
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    if is_running "${pids[i]}"; then
      echo "lab.sh: ${labels[i]} (pid ${pids[i]}) ignored TERM, sending KILL" >&2
      for pid in "${pids[i]}" ${trees[i]}; do
        if is_running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
      done
    fi
    echo "${labels[i]}: stopped (pid ${pids[i]})"
  done
  ((${#files[@]} == 0)) || rm -f -- "${files[@]}"
}

relay_pid() {
  live_pid "$LAB_DIR/$1/relay.pid" delay_relay
}

# The one-way delay (ms) of instance $1's relay: LAB_DELAY_MS_<instance, "-" as "_"> if set
# (e.g. LAB_DELAY_MS_shop_lab=200), else by role.
inst_delay() {
  local own="LAB_DELAY_MS_${1//-/_}"
  if [ -n "${!own:-}" ]; then
    [[ ${!own} =~ ^[0-9]{1,4}$ ]] || die "$own='${!own}' refused: milliseconds (0..9999)"
    echo "${!own}"
    return
  fi
  case $1 in
  root) echo "$LAB_DELAY_ROOT" ;;
  tld-*) echo "$LAB_DELAY_TLD" ;;
  *) echo "$LAB_DELAY_SLD" ;;
  esac
}

# Starts the delay relay of instance index $1 (LAB_DELAY=1): port 53 of each of its addresses
# to port $NSD_PORT of the same address.
start_relay() {
  local i=$1 name addr pairs=() pid
  name=${INST_NAMES[i]}
  if pid=$(relay_pid "$name"); then return 0; fi
  [ -x "$RELAY" ] || die "$RELAY is missing: ninja -C build zones/tools/delay_relay (or lab.sh up --delay)"
  for addr in ${INST_ADDRS[i]//,/ }; do pairs+=("$addr:53=$addr:$NSD_PORT"); done
  nohup "$RELAY" --delay-ms "$(inst_delay "$name")" "${pairs[@]}" </dev/null >>"$LAB_DIR/$name/relay.log" 2>&1 9>&- &
  echo "$!" >"$LAB_DIR/$name/relay.pid"
  echo "$name: delay relay (pid $!) adds $(inst_delay "$name") ms each way"
}

inst_pid() {
  live_pid "$LAB_DIR/$1/nsd.pid" nsd "$LAB_DIR/$1/nsd.conf"
}

# True when every address of the instances "$@" answers the SOA of every zone of its instance:
# one dig for the whole lab (dig takes a server per query), the common case of "start".
instances_answer() {
  local i addr zone queries=() out answered
  for i in "$@"; do
    for addr in ${INST_ADDRS[i]//,/ }; do
      for zone in ${INST_ZONES[i]//,/ }; do queries+=("$zone" SOA "@$addr"); done
    done
  done
  out=$(dig -p 53 +norec +time=1 +tries=1 +short "${queries[@]}" 2>/dev/null) || return 1
  answered=$(grep -c '^[^;]' <<<"$out") || return 1
  ((answered == ${#queries[@]} / 3))
}

# True when every address of instance $1 answers the SOA of every zone of the instance.
inst_answers() {
  local i=$1 addr zone out queries=() answered
  for zone in ${INST_ZONES[i]//,/ }; do queries+=("$zone" SOA); done
  for addr in ${INST_ADDRS[i]//,/ }; do
    # One dig for all the zones of the address (the signed instance has 19): one SOA line each.
    out=$(dig @"$addr" -p 53 +norec +time=1 +tries=1 +short "${queries[@]}" 2>/dev/null) || return 1
    answered=$(grep -c '^[^;]' <<<"$out") || return 1
    ((answered == ${#queries[@]} / 2)) || return 1
  done
}

start_instance() {
  local i=$1 name conf pid
  name=${INST_NAMES[i]}
  conf=$LAB_DIR/$name/nsd.conf
  if pid=$(inst_pid "$name"); then
    echo "$name: already running (pid $pid)"
    if ((LAB_DELAY)); then start_relay "$i"; fi
    return 0
  fi
  # Leftovers of an instance that was killed: its pidfile and its transfer scratch directory.
  rm -rf -- "$LAB_DIR/$name/nsd.pid" "$LAB_DIR/$name"/nsd-xfr-*
  # 9>&-: the daemon must not inherit the lab lock.
  if ! nsd -c "$conf" -P "$LAB_DIR/$name/nsd.pid" 9>&- </dev/null; then
    tail -n 5 "$LAB_DIR/$name/nsd.log" >&2 2>/dev/null || true
    die "instance $name (${INST_ADDRS[i]}) failed to start; config $conf, log $LAB_DIR/$name/nsd.log"
  fi
  echo "$name: started on ${INST_ADDRS[i]} (${INST_ZONES[i]})"
  if ((LAB_DELAY)); then start_relay "$i"; fi
}

# Prints the indexes of the instances named in "$@" (all when none is named); dies on a typo.
selected_instances() {
  local name i found
  if (($# == 0)); then
    echo "${!INST_NAMES[@]}"
    return
  fi
  for name in "$@"; do
    found=
    for i in "${!INST_NAMES[@]}"; do [ "${INST_NAMES[i]}" = "$name" ] && found=$i; done
    [ -n "$found" ] || die "no instance '$name' (see zones/lab/instances.conf)"
    echo "$found"
  done
}

cmd_start() {
  local i deadline pending=() left chosen
  chosen=$(selected_instances "$@")
  cmd_render
  for i in ${chosen//$'\n'/ }; do start_instance "$i"; done
  deadline=$((SECONDS + LAB_WAIT))
  read -r -a pending <<<"${chosen//$'\n'/ }"
  while :; do
    if instances_answer "${pending[@]}"; then
      left=()
      for i in "${pending[@]}"; do inst_pid "${INST_NAMES[i]}" >/dev/null || left+=("$i"); done
      ((${#left[@]})) || break
    fi
    left=()
    for i in "${pending[@]}"; do
      if ! inst_pid "${INST_NAMES[i]}" >/dev/null || ! inst_answers "$i"; then left+=("$i"); fi
    done
    pending=("${left[@]}")
    ((${#pending[@]})) || break
    if ((SECONDS >= deadline)); then
      for i in "${pending[@]}"; do
        echo "lab.sh: instance ${INST_NAMES[i]} (${INST_ADDRS[i]}, zones ${INST_ZONES[i]})" \
          "does not answer its SOA after ${LAB_WAIT}s; log: $LAB_DIR/${INST_NAMES[i]}/nsd.log" >&2
        tail -n 5 "$LAB_DIR/${INST_NAMES[i]}/nsd.log" >&2 2>/dev/null || true
      done
      die "lab not ready (LAB_DIR=$LAB_DIR, LAB_NET=$LAB_NET)"
    fi
    sleep 0.1
  done
  echo "lab ready: ${#INST_NAMES[@]} instances, LAB_NET=$LAB_NET, root hints $LAB_DIR/root.hints, trust anchor $LAB_DIR/root.key"
}

cmd_stop() {
  local name i args=() chosen
  [ -d "$LAB_DIR" ] || return 0
  chosen=$(selected_instances "$@")
  for i in ${chosen//$'\n'/ }; do
    name=${INST_NAMES[i]}
    args+=("$LAB_DIR/$name/nsd.pid" nsd "$LAB_DIR/$name/nsd.conf" "$name")
    if [ -e "$LAB_DIR/$name/relay.pid" ]; then args+=("$LAB_DIR/$name/relay.pid" delay_relay "" "$name relay"); fi
  done
  stop_pidfiles 30 "${args[@]}"
}

# One line per running instance, "NAME QUERIES", then "total N": the num.queries counter NSD
# keeps since its start (UDP and TCP), read over its control socket without resetting it.
cmd_queries() {
  local i pid n total=0
  for i in "${!INST_NAMES[@]}"; do
    pid=$(inst_pid "${INST_NAMES[i]}") || continue
    n=$(nsd-control -c "$LAB_DIR/${INST_NAMES[i]}/nsd.conf" stats_noreset 2>/dev/null |
      awk -F= '$1 == "num.queries" { print $2 }')
    [ -n "$n" ] || die "${INST_NAMES[i]} (pid $pid): nsd-control stats_noreset failed"
    printf '%-12s %s\n' "${INST_NAMES[i]}" "$n"
    total=$((total + n))
  done
  echo "total $total"
}

cmd_status() {
  local i pid state all=0
  for i in "${!INST_NAMES[@]}"; do
    if pid=$(inst_pid "${INST_NAMES[i]}"); then
      state="running (pid $pid)"
      if ((LAB_DELAY)); then
        if pid=$(relay_pid "${INST_NAMES[i]}"); then
          state+=", relay $(inst_delay "${INST_NAMES[i]}") ms (pid $pid)"
        else
          state+=", relay stopped"
          all=3
        fi
      fi
    else
      state=stopped
      all=3
    fi
    printf '%-12s %-26s %-18s %s\n' "${INST_NAMES[i]}" "${INST_ADDRS[i]}" "${INST_ZONES[i]}" "$state"
  done
  if [ -e "$LAB_DIR/ternd.pid" ]; then
    if pid=$(live_pid "$LAB_DIR/ternd.pid" ternd); then state="running (pid $pid)"; else state=stopped; fi
    printf '%-12s %-26s %-18s %s\n' ternd "$TERN_LISTEN" "(resolver)" "$state"
  fi
  return "$all"
}

# ---- ternd in front of the lab ("up" / "down") ----------------------------------------------

# Splits TERN_LISTEN into TERN_ADDR and TERN_PORT, refusing anything but loopback.
parse_listen() {
  [[ $TERN_LISTEN =~ ^(127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|::1)(@([0-9]{1,5}))?$ ]] ||
    die "TERN_LISTEN='$TERN_LISTEN' refused: must be a loopback address[@port]"
  TERN_ADDR=${BASH_REMATCH[1]}
  TERN_PORT=${BASH_REMATCH[3]:-53}
  [[ $TERN_TLS_PORT =~ ^[0-9]{1,5}$ ]] || die "TERN_TLS_PORT='$TERN_TLS_PORT' is not a port"
  [[ $TERN_HTTP_PORT =~ ^[0-9]{1,5}$ ]] || die "TERN_HTTP_PORT='$TERN_HTTP_PORT' is not a port"
}

# The status page's address (http-listen on TERN_ADDR), as a browser wants it.
status_page_url() {
  if [ "$TERN_ADDR" = ::1 ]; then echo "http://[::1]:$TERN_HTTP_PORT/"; else echo "http://$TERN_ADDR:$TERN_HTTP_PORT/"; fi
}

# A self-signed certificate for ternd's DoT listener (the lab's clients do not authenticate
# it: kdig +tls uses opportunistic privacy). The key is made private (ternd refuses a
# world-readable one); both are kept, so a client pinning the key keeps working across "up".
lab_certificate() {
  local dir=$LAB_DIR/tls
  [ -s "$dir/cert.pem" ] && [ -s "$dir/key.pem" ] && return 0
  mkdir -p -- "$dir"
  (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=tern-lab" -addext "subjectAltName=DNS:tern-lab,IP:$TERN_ADDR" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null) || die "openssl could not make the lab certificate"
  chmod 0644 "$dir/cert.pem"
}

ternd_yaml() {
  cat <<EOF
# generated by zones/lab.sh up (LAB_NET=$LAB_NET); do not edit
listen: ["$TERN_LISTEN"]
tls-listen: ["$TERN_ADDR@$TERN_TLS_PORT"]
https-listen: ["$TERN_ADDR@$TERN_HTTPS_PORT"]
tls-certificate: $LAB_DIR/tls/cert.pem
tls-private-key: $LAB_DIR/tls/key.pem
root-hints: $LAB_DIR/root.hints
# ternd validates by default: the lab's root is signed with the lab's own key, whose DS
# (zones/README.md, "DNSSEC") replaces the IANA root anchors.
trust-anchor-file: ["$LAB_DIR/root.key"]
query-loopback: yes
do-ip6: no
control-socket: $LAB_DIR/ternd.ctl
http-listen: ["$TERN_ADDR@$TERN_HTTP_PORT"]
# The lab's files under LAB_DIR are root's: stay root so that a reload can read them.
username: ""
EOF
}

# "zones/lab.sh WORD" as the operator must type it to reach this lab: LAB_DIR and LAB_NET in
# front when they are not the defaults (a plain "lab.sh down" would look in /run/tern-lab and
# leave a lab started with LAB_DIR=/tmp/lab-54 running).
lab_command() {
  local env=""
  [ "$LAB_DIR" = "$DEFAULT_LAB_DIR" ] || env+="LAB_DIR=$(printf '%q' "$LAB_DIR") "
  [ -z "$LAB_NET" ] || [ "$LAB_NET" = "$SRC_NET" ] || env+="LAB_NET=$LAB_NET "
  echo "${env}zones/lab.sh $1"
}

print_examples() {
  local d="dig @$TERN_ADDR"
  [ "$TERN_PORT" = 53 ] || d+=" -p $TERN_PORT"
  cat <<EOF

ternd is answering on $TERN_LISTEN in front of the lab (LAB_DIR=$LAB_DIR, LAB_NET=$LAB_NET).
Try (expected results: zones/README.md):
  $d www.example.lab A              # 127.0.0.80
  $d www.example.lab AAAA           # NODATA (NOERROR, no answer)
  $d nosuch.example.lab A           # NXDOMAIN
  $d big.example.lab TXT            # 8 TXT records (authority sent TC=1, resolver used TCP)
  $d www.glueless.corp A            # 127.0.14.80 via a glue-less delegation
  $d www.chain.lab A                # 3 CNAMEs across 4 zones, then 127.0.0.80
  $d www.half.lab A                 # 127.0.12.80 although ns2.half.lab is dead
  $d db-fast.shop.lab A             # 127.0.10.2, TTL 30
  $d loop.chain.lab A               # CNAME loop: SERVFAIL
  $d www.lame.lab A                 # lame delegation: SERVFAIL
DNS over TLS on $TERN_ADDR@$TERN_TLS_PORT (self-signed certificate $LAB_DIR/tls/cert.pem):
  kdig +tls @$TERN_ADDR$([ "$TERN_TLS_PORT" = 853 ] || echo " -p $TERN_TLS_PORT") www.example.lab
DNS over HTTPS on $TERN_ADDR@$TERN_HTTPS_PORT (HTTP/2, the same certificate, path /dns-query):
  kdig +https @$TERN_ADDR$([ "$TERN_HTTPS_PORT" = 443 ] || echo " -p $TERN_HTTPS_PORT") www.example.lab
  curl --doh-insecure --doh-url https://$TERN_ADDR$([ "$TERN_HTTPS_PORT" = 443 ] || echo ":$TERN_HTTPS_PORT")/dns-query http://www.example.lab:8080/
Look into the cache:
  $REPO_DIR/build/daemon/ternctl -s $LAB_DIR/ternd.ctl cache show www.example.lab
  $REPO_DIR/build/daemon/ternctl -s $LAB_DIR/ternd.ctl stats
Watch it live (status page; pin a name there, e.g. db-fast.shop.lab): $(status_page_url)
ternd log: $LAB_DIR/ternd.log    status: $(lab_command status)
Stop ternd and the lab:
  $(lab_command down)
EOF
}

cmd_up() {
  local ternd=$REPO_DIR/build/daemon/ternd pid deadline
  parse_listen
  "$REPO_DIR/.ci/install-deps"
  if [ ! -f "$REPO_DIR/build/build.ninja" ]; then
    (cd -- "$REPO_DIR" && meson setup build)
  fi
  ninja -C "$REPO_DIR/build" daemon/ternd daemon/ternctl zones/tools/delay_relay
  [ -x "$ternd" ] || die "$ternd was not built"
  cmd_start
  lab_certificate
  ternd_yaml | install_content "$LAB_DIR/ternd.yaml"
  if pid=$(live_pid "$LAB_DIR/ternd.pid" ternd); then
    echo "ternd: already running (pid $pid)"
  else
    # 9>&-: ternd must not inherit the lab lock.
    nohup "$ternd" -c "$LAB_DIR/ternd.yaml" -d </dev/null >>"$LAB_DIR/ternd.log" 2>&1 9>&- &
    pid=$!
    echo "$pid" >"$LAB_DIR/ternd.pid"
    echo "ternd: started (pid $pid), log $LAB_DIR/ternd.log"
  fi
  deadline=$((SECONDS + TERN_WAIT))
  until dig @"$TERN_ADDR" -p "$TERN_PORT" www.example.lab A +time=1 +tries=1 >/dev/null 2>&1; do
    if ! is_running "$pid"; then
      tail -n 20 "$LAB_DIR/ternd.log" >&2 || true
      rm -f -- "$LAB_DIR/ternd.pid"
      die "ternd exited; log $LAB_DIR/ternd.log (the lab is still running: $(lab_command down))"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 20 "$LAB_DIR/ternd.log" >&2 || true
      die "ternd (pid $pid) does not answer on $TERN_LISTEN after ${TERN_WAIT}s; log $LAB_DIR/ternd.log"
    fi
    sleep 0.2
  done
  print_examples
}

cmd_down() {
  [ -d "$LAB_DIR" ] || return 0
  stop_pidfiles 50 "$LAB_DIR/ternd.pid" ternd "" ternd
  cmd_stop
}

# ---- failover: switchable records at the authority ("switch") and the scenario ("failover") ----

# Prints the index of the instance that serves zone $1.
zone_instance() {
  local i zone
  for i in "${!INST_NAMES[@]}"; do
    for zone in ${INST_ZONES[i]//,/ }; do
      if [ "$zone" = "$1" ]; then
        echo "$i"
        return 0
      fi
    done
  done
  return 1
}

# Prints "NAME ADDRESS TTL" for every failover record of zone $1 in version $2 (old or new),
# with the TTL as rendered (LAB_TTL_SCALE applied).
failover_records() {
  awk -v zone="$1" -v new="$([ "$2" = new ] && echo 1 || echo 0)" -v scale="$LAB_TTL_SCALE" '
    /^[^;].*; failover-new: / {
      ttl = int($2 * scale + 0.5); if (ttl < 1) ttl = 1
      print $1 "." zone, (new ? $NF : $5), ttl
    }' "$SRC_DIR/$1.zone"
}

cmd_switch() {
  local version=${1:-} zone=${2:-shop.lab} i pid addr deadline pending name want ttl got
  [[ $version == old || $version == new ]] || die "switch: say 'old' or 'new' (then optionally a zone)"
  [ -f "$SRC_DIR/$zone.zone" ] || die "switch: no zone '$zone' in $SRC_DIR"
  grep -q '; failover-new: ' "$SRC_DIR/$zone.zone" || die "switch: zone $zone has no failover records"
  i=$(zone_instance "$zone") || die "switch: no instance serves $zone"
  mkdir -p -- "$LAB_DIR/zones"
  echo "$version" | install_content "$LAB_DIR/zones/$zone.zone.version"
  local saved_scale=''
  if [ -s "$LAB_DIR/ttl.scale" ]; then read -r saved_scale <"$LAB_DIR/ttl.scale" || true; fi
  if [ "$saved_scale" = "$LAB_TTL_SCALE" ]; then
    render_zones "$SRC_DIR/$zone.zone" # quick: the failover run's timeline starts after it
  else
    cmd_render # every zone, so that the recorded LAB_TTL_SCALE is what is rendered
  fi
  if ! pid=$(inst_pid "${INST_NAMES[i]}"); then
    echo "$zone: $version version written; ${INST_NAMES[i]} is stopped (serves it once started)"
    return 0
  fi
  addr=${INST_ADDRS[i]%%,*}
  deadline=$((SECONDS + LAB_WAIT))
  while :; do
    # NSD 4 reloads on SIGHUP the zone files whose mtime changed; a reload in the same second
    # as the last write may miss it, hence touch and HUP again until the version is served.
    touch -- "$LAB_DIR/zones/$zone.zone"
    kill -HUP "$pid"
    sleep 0.1
    pending=0
    while read -r name want ttl; do
      got=$(dig @"$addr" -p 53 "$name" A +norec +time=1 +tries=1 +noall +answer 2>/dev/null) || true
      grep -qE "\s$ttl\s+IN\s+A\s+${want//./\\.}$" <<<"$got" || pending=1
    done < <(failover_records "$zone" "$version")
    ((pending)) || break
    ((SECONDS < deadline)) ||
      die "switch: ${INST_NAMES[i]} does not serve the $version version of $zone after ${LAB_WAIT}s"
  done
  echo "$zone: ${INST_NAMES[i]} (pid $pid) serves the $version version"
}

usage_failover() {
  cat <<'EOF2'
usage: lab.sh failover [--variant default|max-ttl-60|prefetch|serve-stale|flush]
                       [--ttl-scale F] [--zone ZONE] [--interval S] [--bound S] [--outage S]
  Starts the lab and a ternd (TERN_LISTEN) in front of it, warms its cache with the failover
  names of ZONE (default shop.lab: db TTL 300, db-fast TTL 30), switches them to their new
  addresses at the authority, then asks ternd through c-ares every --interval seconds (default
  1) until every name answers its new address or --bound seconds passed (default: twice the
  longest TTL + 30). Results in $FAILOVER_RESULTS (default zones/results): failover-VARIANT.txt
  (summary + timeline), .tsv (the probe's lines), .png (gnuplot, when installed).
  Variants: default; max-ttl-60 (cache-max-ttl: 60); prefetch (prefetch: yes); serve-stale
  (serve-stale: yes, the zone's server is stopped at the switch and comes back with the new
  data after --outage seconds, default the longest TTL + 20); flush (ternctl cache flush of
  every name right after the switch).
  --ttl-scale F multiplies the failover records' TTLs (e.g. 0.1: 30 s and 3 s; default 1).
EOF2
}

# The ternd of a failover run: its own config, control socket and pidfile under $LAB_DIR/failover.
failover_ternd_yaml() {
  cat <<EOF2
# generated by zones/lab.sh failover --variant $1 (LAB_NET=$LAB_NET); do not edit
listen: ["$TERN_LISTEN"]
root-hints: $LAB_DIR/root.hints
trust-anchor-file: ["$LAB_DIR/root.key"]
query-loopback: yes
do-ip6: no
control-socket: $LAB_DIR/failover/ternd.ctl
http-listen: ["$TERN_ADDR@$TERN_HTTP_PORT"]
EOF2
  case $1 in
  max-ttl-60) echo "cache-max-ttl: 60" ;;
  prefetch) echo "prefetch: yes" ;;
  serve-stale) echo "serve-stale: yes" ;;
  esac
}

start_failover_ternd() {
  local variant=$1 dir=$LAB_DIR/failover pid deadline
  mkdir -p -- "$dir"
  failover_ternd_yaml "$variant" | install_content "$dir/ternd.yaml"
  if pid=$(live_pid "$dir/ternd.pid" ternd); then die "a failover ternd already runs (pid $pid); lab.sh down"; fi
  : >"$dir/ternd.log"
  nohup "$REPO_DIR/build/daemon/ternd" -c "$dir/ternd.yaml" -d </dev/null >>"$dir/ternd.log" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$dir/ternd.pid"
  deadline=$((SECONDS + TERN_WAIT))
  until dig @"$TERN_ADDR" -p "$TERN_PORT" . NS +time=1 +tries=1 >/dev/null 2>&1; do
    is_running "$pid" || die "ternd exited; log $dir/ternd.log"
    ((SECONDS < deadline)) || die "ternd (pid $pid) does not answer on $TERN_LISTEN; log $dir/ternd.log"
    sleep 0.2
  done
  echo "ternd: started (pid $pid) with variant $variant, config $dir/ternd.yaml"
}

stop_failover_ternd() {
  stop_pidfiles 50 "$LAB_DIR/failover/ternd.pid" ternd "" "failover ternd"
}

# Summary of a run: per name its TTL, when ternd first answered the new address (seconds after
# the switch), the last old answer, and the old answers given after the TTL ran out (stale).
failover_summary() {
  local tsv=$1 records=$2
  awk -v recs="$records" '
    BEGIN {
      n = split(recs, lines, "\n")
      for (i = 1; i <= n; i++) if (split(lines[i], f, " ") == 4) { names[++k] = f[1]; new[f[1]] = f[2]; old[f[1]] = f[3]; ttl[f[1]] = f[4] }
    }
    $1 ~ /^[0-9.]+$/ {
      if ($3 == new[$2] && !($2 in first)) first[$2] = $1
      if ($3 == old[$2]) { last_old[$2] = $1; if ($1 > ttl[$2] + 0.5) stale[$2]++ }
      if ($3 != old[$2] && $3 != new[$2]) other[$2]++
    }
    END {
      printf "%-22s %6s %-12s %-12s %16s %14s %6s %6s\n", "name", "ttl", "old", "new", "new-answered-at", "last-old-at", "stale", "other"
      for (i = 1; i <= k; i++) {
        nm = names[i]
        printf "%-22s %6d %-12s %-12s %16s %14s %6d %6d\n", nm, ttl[nm], old[nm], new[nm],
          (nm in first) ? sprintf("%.1f s", first[nm]) : "never", (nm in last_old) ? sprintf("%.1f s", last_old[nm]) : "-",
          stale[nm], other[nm]
      }
    }' "$tsv"
}

# A picture of a run, two panels on one x axis (seconds after the switch at the authority):
# above, the timeline, one row per (name, address), a point per answer; below, the TTL the
# client saw, counting down, the stale answers (the old address after its TTL ran out, as the
# summary counts them) circled. A dashed line at each name's TTL crosses both panels; the x
# axis always reaches past every TTL, so the line shows even when the run ended exactly there
# (a switch exactly at the TTL, where gnuplot's autoscale made the line the plot's border).
failover_plot() {
  local tsv=$1 png=$2 title=$3 records=$4
  command -v gnuplot >/dev/null || {
    echo "lab.sh: gnuplot not installed (.ci/install-deps installs gnuplot-nox): no picture" >&2
    return 0
  }
  failover_plot_script "$tsv" "$png" "$title" "$records" | gnuplot && echo "picture: $png"
}

# failover_plot_script TSV PNG TITLE RECORDS: the gnuplot script of failover_plot, on stdout.
failover_plot_script() {
  local tsv=$1 png=$2 title=$3 records=$4
  awk -v recs="$records" -v png="$png" -v title="$title" '
    BEGIN {
      n = split(recs, lines, "\n")
      for (i = 1; i <= n; i++) if (split(lines[i], f, " ") == 4) {
        k++; name[k] = f[1]; old[f[1]] = f[3]; row[f[1] " " f[3]] = 2 * k - 1; row[f[1] " " f[2]] = 2 * k; ttl[k] = f[4]
        ttl_of[f[1]] = f[4]; label[f[1] " " f[3]] = f[1] " old " f[3]; label[f[1] " " f[2]] = f[1] " new " f[2]
        if (f[4] + 0 > xmax) xmax = f[4] + 0
      }
    }
    $1 ~ /^[0-9.]+$/ {
      key = $2 " " $3; if (!(key in row)) { row[key] = 2 * k + (++extra) }
      data[++m] = $1 " " row[key] " " index_of($2)
      if ($1 + 0 > xmax) xmax = $1 + 0
      if ($4 ~ /^[0-9]+$/) {
        seen[++s] = $1 " " $4 " " index_of($2)
        if ($4 + 0 > ymax) ymax = $4 + 0
        if ($3 == old[$2] && $1 > ttl_of[$2] + 0.5) stale[++st] = $1 " " $4
      }
    }
    function index_of(nm,   j) { for (j = 1; j <= k; j++) if (name[j] == nm) return j; return 0 }
    END {
      # Past the last answer and every TTL by a tenth (at least a second): no line on the border.
      pad = xmax / 10; if (pad < 1) pad = 1
      rows = 2 * k + extra
      print "set terminal pngcairo size 1000," 520 + 60 * rows " font \",10\""
      print "set output \"" png "\""
      print "set multiplot layout 2,1 title \"" title "\" noenhanced"
      print "set xrange [0:" xmax + pad "]"
      print "set grid xtics"
      print "set key outside bottom center horizontal noenhanced"
      # One left margin for both panels (the first one'"'"'s row labels), so their x axes line up.
      for (key in row) { len = length((key in label) ? label[key] : key); if (len > lmargin) lmargin = len }
      print "set lmargin " lmargin + 4
      for (j = 1; j <= k; j++)
        printf "set arrow from %s, graph 0 to %s, graph 1 nohead dashtype 2 lc %d\n", ttl[j], ttl[j], j
      # Panel 1: which address each answer carried.
      print "set title \"answers: the address ternd gave\" noenhanced"
      print "set yrange [0.5:" rows + 0.5 "]"
      printf "set ytics ("
      sep = ""
      for (key in row) { printf "%s\"%s\" %d", sep, (key in label) ? label[key] : key, row[key]; sep = ", " }
      print ")"
      printf "plot "
      for (j = 1; j <= k; j++) printf "%s\"-\" using 1:2 with points pt 7 ps 0.8 lc %d title \"%s (TTL %s, dashed)\"", (j > 1 ? ", " : ""), j, name[j], ttl[j]
      print ""
      for (j = 1; j <= k; j++) {
        for (i = 1; i <= m; i++) { split(data[i], d, " "); if (d[3] == j) print d[1], d[2] }
        print "e"
      }
      # Panel 2: the TTL each answer carried, counting down to the switch; stale answers circled.
      print "set title \"TTL the client saw (stale: the old address after its TTL, circled)\" noenhanced"
      print "set xlabel \"seconds after the switch at the authority\""
      print "set ylabel \"TTL (s)\""
      print "set ytics autofreq"
      print "set yrange [0:" (ymax > 0 ? ymax * 1.1 : 1) "]"
      printf "plot "
      for (j = 1; j <= k; j++) printf "%s\"-\" using 1:2 with linespoints pt 7 ps 0.6 lc %d title \"%s TTL seen\"", (j > 1 ? ", " : ""), j, name[j]
      print ", \"-\" using 1:2 with points pt 6 ps 2 lw 2 lc rgb \"red\" title \"stale answer\""
      for (j = 1; j <= k; j++) {
        for (i = 1; i <= s; i++) { split(seen[i], d, " "); if (d[3] == j) print d[1], d[2] }
        print "e"
      }
      # gnuplot needs a point to plot: with no stale answer, one far outside the x range.
      if (st == 0) print -1, 0
      for (i = 1; i <= st; i++) print stale[i]
      print "e"
      print "unset multiplot"
    }' "$tsv"
}

cmd_failover() {
  # A run's TTL scale is its own (1 unless --ttl-scale); the lab's is put back at the end.
  local previous_scale=1
  if [ -s "$LAB_DIR/ttl.scale" ]; then read -r previous_scale <"$LAB_DIR/ttl.scale" || true; fi
  LAB_TTL_SCALE=1
  local variant=default zone=shop.lab interval=1 bound='' outage='' results=${FAILOVER_RESULTS:-$REPO_DIR/zones/results}
  local i records targets=() longest=0 name new ttl t0 warmed run_scale restarter='' out tsv summary
  while (($#)); do
    case $1 in
    --variant) variant=${2:-} && shift ;;
    --ttl-scale) LAB_TTL_SCALE=${2:-} && shift ;;
    --zone) zone=${2:-} && shift ;;
    --interval) interval=${2:-} && shift ;;
    --bound) bound=${2:-} && shift ;;
    --outage) outage=${2:-} && shift ;;
    -h | --help) usage_failover && exit 0 ;;
    *) usage_failover >&2 && exit 2 ;;
    esac
    shift
  done
  case $variant in default | max-ttl-60 | prefetch | serve-stale | flush) ;; *) usage_failover >&2 && exit 2 ;; esac
  validate_env # LAB_TTL_SCALE may have come from the command line
  [[ $interval =~ ^[0-9]+(\.[0-9]+)?$ && ${bound:-0} =~ ^[0-9]+$ && ${outage:-0} =~ ^[0-9]+$ ]] ||
    die "failover: --interval must be a number, --bound and --outage whole seconds"
  if ! [ -f "$SRC_DIR/$zone.zone" ] || ! grep -q '; failover-new: ' "$SRC_DIR/$zone.zone"; then
    die "failover: zone '$zone' has no failover records"
  fi
  parse_listen
  "$REPO_DIR/.ci/install-deps"
  if [ ! -f "$REPO_DIR/build/build.ninja" ]; then (cd -- "$REPO_DIR" && meson setup build); fi
  ninja -C "$REPO_DIR/build" daemon/ternd daemon/ternctl zones/tools/failover_probe

  # "name new old ttl" per failover record
  records=$(join <(failover_records "$zone" new | sort) <(failover_records "$zone" old | sort) | awk '{ print $1, $2, $4, $5 }')
  while read -r name new _ ttl; do
    targets+=("$name=$new")
    ((ttl > longest)) && longest=$ttl
  done <<<"$records"
  bound=${bound:-$((2 * longest + 30))}
  outage=${outage:-$((longest + 20))}

  cmd_start
  cmd_switch old "$zone"
  start_failover_ternd "$variant"
  # The run, live: the failover names pinned on the status page (a GET: it only looks at the cache).
  for name in "${targets[@]}"; do
    curl -s -o /dev/null "$(status_page_url)watch?name=${name%%=*}&type=A" || true
  done
  echo "watch the run live: $(status_page_url) (the failover names are pinned there)"
  mkdir -p -- "$results"
  out=$results/failover-$variant
  tsv=$out.tsv
  {
    echo "# zones/lab.sh failover --variant $variant --ttl-scale $LAB_TTL_SCALE --zone $zone"
    echo "# warm-up (seconds since it began; see the summary for when that was):"
  } >"$tsv"
  warmed=$(date +%s.%N)
  "$REPO_DIR/build/zones/tools/failover_probe" --port "$TERN_PORT" --server "$TERN_ADDR" --once "${targets[@]}" |
    sed 's/^/# warm /' | tee -a "$tsv"

  # The switch. Time 0 of the timeline: the authority serves the new version (serve-stale:
  # the authority is down, with the new version on disk).
  if [ "$variant" = serve-stale ]; then
    i=$(zone_instance "$zone")
    cmd_stop "${INST_NAMES[i]}"
    cmd_switch new "$zone"
    t0=$(date +%s.%N)
    # The server comes back, with the new data, after the outage (in the background: by pid).
    (sleep "$outage" && cmd_start "${INST_NAMES[i]}" >/dev/null) 9>&- &
    restarter=$!
    echo "${INST_NAMES[i]} is down for ${outage}s"
  else
    cmd_switch new "$zone"
    t0=$(date +%s.%N)
  fi
  if [ "$variant" = flush ]; then
    for name in "${targets[@]}"; do
      "$REPO_DIR/build/daemon/ternctl" -s "$LAB_DIR/failover/ternd.ctl" cache flush "${name%%=*}"
    done
  fi
  echo "# seconds name address ttl status" >>"$tsv"
  "$REPO_DIR/build/zones/tools/failover_probe" --port "$TERN_PORT" --server "$TERN_ADDR" --since "$t0" \
    --interval "$interval" --bound "$bound" "${targets[@]}" | tee -a "$tsv" || echo "not converged within ${bound}s"
  stop_failover_ternd
  if [ -n "$restarter" ]; then
    if is_running "$restarter"; then kill -TERM "$restarter" 2>/dev/null || true; fi
    wait "$restarter" 2>/dev/null || true
    cmd_start "${INST_NAMES[i]}" >/dev/null
  fi
  run_scale=$LAB_TTL_SCALE
  LAB_TTL_SCALE=$previous_scale
  cmd_render
  cmd_switch old "$zone" >/dev/null
  summary=$(
    echo "failover lab, variant $variant (zone $zone, TTL scale $run_scale, LAB_NET $LAB_NET), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "times in seconds after the switch at the authority; stale = old answers after the TTL"
    if [ "$variant" = serve-stale ]; then echo "the authority was down from the switch for ${outage} s"; fi
    awk -v w="$warmed" -v t="$t0" 'BEGIN { printf "the cache was warmed %.1f s before the switch\n", t - w }'
    echo
    failover_summary "$tsv" "$records"
  )
  printf '%s\n\ntimeline:\n' "$summary" | cat - "$tsv" >"$out.txt"
  echo
  echo "$summary"
  failover_plot "$tsv" "$out.png" "failover lab: variant $variant, zone $zone (TTL scale $run_scale)" "$records"
  echo "results: $out.txt $tsv"
}

# ---- "check": every lab case, asked of the authorities directly (+norec) ------------------

CHECK_FAILS=0

# chk LABEL HOST "DIG ARGS" REGEX...: asks $LAB_NET.HOST; every extended regex must match the
# dig output (GNU grep, \s allowed).
chk() {
  local label=$1 server=$LAB_NET.$2 query=$3 out pat
  shift 3
  # shellcheck disable=SC2086 # the dig arguments are a word list
  out=$(dig @"$server" -p 53 +norec +nocookie +time=1 +tries=1 $query 2>&1) || true
  for pat in "$@"; do
    if ! grep -qE -- "$pat" <<<"$out"; then
      echo "FAIL $label (dig @$server $query): no match for /$pat/"
      CHECK_FAILS=$((CHECK_FAILS + 1))
      return 0
    fi
  done
  echo "ok   $label"
}

cmd_check() {
  local n=${LAB_NET//./\\.} aa='flags: qr aa;' ref='flags: qr;' ok='status: NOERROR'
  local soa60='\s+60\s+IN\s+SOA\s'
  chk "priming at a.root" 0.1 ". NS" "$ok" "$aa" "ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 3" \
    "^\.\s+518400\s+IN\s+NS\s+a\.root-servers\.lab\.$" "^a\.root-servers\.lab\.\s+518400\s+IN\s+A\s+$n\.0\.1$" \
    "^b\.root-servers\.lab\.\s+518400\s+IN\s+A\s+$n\.0\.2$"
  chk "priming at b.root" 0.2 ". NS" "$aa" "ADDITIONAL: 3" "^b\.root-servers\.lab\..*A\s+$n\.0\.2$"
  chk "root: referral to lab. with glue" 0.1 "www.example.lab A" "$ok" "$ref" \
    "^lab\.\s+3600\s+IN\s+NS\s+ns1\.nic\.lab\.$" "^ns2\.nic\.lab\.\s+3600\s+IN\s+A\s+$n\.1\.2$"
  chk "root: NXDOMAIN for an unknown TLD" 0.2 "www.nosuchtld. A" "status: NXDOMAIN" "$aa" "^\.${soa60}a\.root-servers\.lab\."
  chk "lab: referral to example.lab with glue" 1.1 "www.example.lab A" "$ref" \
    "^example\.lab\.\s+3600\s+IN\s+NS\s+ns1\.example\.lab\.$" "^ns2\.example\.lab\.\s+3600\s+IN\s+A\s+$n\.10\.2$"
  chk "lab: authoritative a.root-servers.lab" 1.2 "a.root-servers.lab A" "$aa" "518400\s+IN\s+A\s+$n\.0\.1$"
  chk "lab: NXDOMAIN nosuch.lab" 1.1 "nosuch.lab A" "status: NXDOMAIN" "^lab\.${soa60}"
  chk "corp: glue-less referral (no glue)" 2.1 "www.glueless.corp A" "$ref" "AUTHORITY: 2, ADDITIONAL: 1" \
    "^glueless\.corp\.\s+3600\s+IN\s+NS\s+ns1\.dns-host\.example\.$"
  chk "example: referral to dns-host.example" 3.1 "ns1.dns-host.example A" "$ref" \
    "^ns0\.dns-host\.example\.\s+3600\s+IN\s+A\s+$n\.13\.1$"
  chk "dns-host: ns1.dns-host.example A" 13.1 "ns1.dns-host.example A" "$aa" "3600\s+IN\s+A\s+$n\.14\.1$"
  chk "dns-host: ns2.dns-host.example A" 13.1 "ns2.dns-host.example A" "$aa" "3600\s+IN\s+A\s+$n\.14\.2$"
  chk "glueless: www.glueless.corp A" 14.2 "www.glueless.corp A" "$aa" "^www\.glueless\.corp\.\s+300\s+IN\s+A\s+127\.0\.14\.80$"
  chk "example.lab: www A (ns1)" 10.1 "www.example.lab A" "$aa" "ANSWER: 1," "^www\.example\.lab\.\s+300\s+IN\s+A\s+127\.0\.0\.80$"
  chk "example.lab: www A (ns2)" 10.2 "www.example.lab A" "$aa" "127\.0\.0\.80$"
  chk "example.lab: apex NS TTL 7200" 10.1 "example.lab NS" "$aa" "^example\.lab\.\s+7200\s+IN\s+NS\s+ns1\.example\.lab\.$"
  chk "example.lab: www AAAA NODATA" 10.1 "www.example.lab AAAA" "$ok" "$aa" "ANSWER: 0," "^example\.lab\.${soa60}"
  chk "example.lab: nosuch NXDOMAIN" 10.2 "nosuch.example.lab A" "status: NXDOMAIN" "$aa" "^example\.lab\.${soa60}"
  chk "example.lab: big TXT over UDP 1232 is TC" 10.1 "big.example.lab TXT +ignore +bufsize=1232" \
    "flags: qr aa tc;" "ANSWER: 0,"
  chk "example.lab: big TXT over UDP without EDNS is TC" 10.1 "big.example.lab TXT +ignore +noedns" "flags: qr aa tc;"
  chk "example.lab: big TXT over TCP is whole" 10.2 "big.example.lab TXT +tcp" "$aa" "ANSWER: 8," "MSG SIZE  rcvd: 1816" \
    '"big-8-of-8:ijkl'
  chk "example.lab: in-zone CNAME ftp" 10.1 "ftp.example.lab A" "ANSWER: 2," \
    "^ftp\.example\.lab\.\s+300\s+IN\s+CNAME\s+www\.example\.lab\.$" "127\.0\.0\.80$"
  chk "example.lab: multi A RRset" 10.1 "multi.example.lab A" "ANSWER: 3," "127\.0\.0\.83$"
  chk "example.lab: MX + additional" 10.1 "example.lab MX" "MX\s+10 mail\.example\.lab\.$" \
    "^mail\.example\.lab\.\s+300\s+IN\s+AAAA\s+2001:db8::25$"
  chk "example.lab: wildcard" 10.2 "foo.wild.example.lab A" "$aa" "^foo\.wild\.example\.lab\.\s+300\s+IN\s+A\s+127\.0\.0\.99$"
  chk "example.lab: wildcard AAAA NODATA" 10.2 "foo.wild.example.lab AAAA" "$ok" "ANSWER: 0," "${soa60}"
  chk "example.lab: empty non-terminal NODATA" 10.1 "wild.example.lab A" "$ok" "ANSWER: 0," "${soa60}"
  chk "shop.lab: db TTL 300" 11.1 "db.shop.lab A" "$aa" "^db\.shop\.lab\.\s+300\s+IN\s+A\s+127\.0\.10\.1$"
  chk "shop.lab: db-fast TTL 30" 11.1 "db-fast.shop.lab A" "^db-fast\.shop\.lab\.\s+30\s+IN\s+A\s+127\.0\.10\.2$"
  chk "shop.lab: NXDOMAIN, negative TTL 45" 11.1 "nosuch.shop.lab A" "status: NXDOMAIN" "^shop\.lab\.\s+45\s+IN\s+SOA\s.* 120$"
  chk "lab: referral to failover.lab with glue" 1.2 "db.failover.lab A" "$ref" "^ns1\.failover\.lab\.\s+3600\s+IN\s+A\s+$n\.16\.1$"
  chk "failover.lab: db TTL 5" 16.1 "db.failover.lab A" "$aa" "^db\.failover\.lab\.\s+5\s+IN\s+A\s+127\.0\.16\.1$"
  chk "failover.lab: db-fast TTL 2" 16.1 "db-fast.failover.lab A" "$aa" "^db-fast\.failover\.lab\.\s+2\s+IN\s+A\s+127\.0\.16\.2$"
  chk "shop-lab server is lame for lame.lab" 11.1 "www.lame.lab A" "status: REFUSED" "$ref"
  chk "half.lab: ns1 answers" 12.1 "www.half.lab A" "$aa" "127\.0\.12\.80$"
  chk "half.lab: ns2 is dead" 12.2 "www.half.lab A" "connection refused|timed out|no servers could be reached"
  chk "chain link 1" 15.1 "www.chain.lab A" "$aa" "ANSWER: 1," "^www\.chain\.lab\.\s+600\s+IN\s+CNAME\s+alias\.glueless\.corp\.$"
  chk "chain link 2" 14.1 "alias.glueless.corp A" "$aa" "ANSWER: 1," "^alias\.glueless\.corp\.\s+500\s+IN\s+CNAME\s+hop\.shop\.lab\.$"
  chk "chain link 3" 11.1 "hop.shop.lab A" "$aa" "ANSWER: 1," "^hop\.shop\.lab\.\s+400\s+IN\s+CNAME\s+www\.example\.lab\.$"
  chk "loop link 1" 15.1 "loop.chain.lab A" "ANSWER: 1," "CNAME\s+loop\.shop\.lab\.$"
  chk "loop link 2" 11.1 "loop.shop.lab A" "ANSWER: 1," "CNAME\s+loop\.chain\.lab\.$"
  # DNSSEC (the verdicts: lab.sh check-dnssec): the root's key signs its DNSKEY RRset, the TLDs
  # have DS, a delegation to an unsigned zone has an NSEC without DS.
  chk "root: DNSKEY signed by the anchor's key 19474" 0.1 ". DNSKEY +dnssec" "$aa" "RRSIG\s+DNSKEY 8 0 [0-9]+ [0-9]+ [0-9]+ 19474 \. "
  chk "root: DS for sec." 0.2 "sec. DS +dnssec" "$aa" "^sec\.\s+3600\s+IN\s+DS\s+39692 13 2 " "RRSIG\s+DS 8 1 "
  chk "lab: example.lab has no DS (NSEC)" 1.1 "example.lab DS +dnssec" "$aa" "ANSWER: 0," \
    "^example\.lab\.\s+60\s+IN\s+NSEC\s+\S+ NS RRSIG NSEC$"
  if ((CHECK_FAILS)); then die "$CHECK_FAILS check(s) failed (LAB_NET=$LAB_NET)"; fi
  echo "all checks passed (LAB_NET=$LAB_NET)"
}

# Serialises commands on one LAB_DIR (two labs with different LAB_DIRs never wait on each other).
take_lock() {
  mkdir -p -- "$LAB_DIR"
  exec 9>"$LAB_DIR/lab.lock"
  flock -w 60 9 || die "another lab.sh holds $LAB_DIR/lab.lock"
}

main() {
  local cmd=${1:-}
  case $cmd in
  start | stop | switch | failover) ;;
  restart | status | render | check | check-dnssec | queries | up | down)
    if [[ $cmd == up && ${2:-} == --delay ]]; then
      LAB_DELAY=1
      set -- "$1"
    fi
    (($# == 1)) || {
      usage
      exit 2
    }
    ;;
  *)
    usage
    exit 2
    ;;
  esac
  shift
  validate_env
  load_instances
  case $cmd in
  status | check | queries) "cmd_$cmd" ;;
  check-dnssec) LAB_DIR=$LAB_DIR LAB_NET=$LAB_NET "$ZONES_DIR/check-dnssec.sh" ;;
  stop | down)
    [ -d "$LAB_DIR" ] || exit 0
    take_lock
    "cmd_$cmd" "$@"
    ;;
  restart)
    take_lock
    cmd_stop
    cmd_start
    ;;
  *)
    take_lock
    "cmd_$cmd" "$@"
    ;;
  esac
}

# Run, unless sourced (tests/lab/lab_command_test.sh calls lab_command alone).
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; fi
