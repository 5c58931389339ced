# tests/bench/common.sh: what bench.sh and stress.sh share, sourced by both (not run alone).
# The sourcing script sets SCRIPT_NAME (for messages), REPO_DIR, TMP (its temporary
# directory) and WAIT_SECONDS before calling these. Every process they start is recorded by pid
# in a variable of the caller, and stop_pid is the only way anything is stopped.

die() {
  echo "$SCRIPT_NAME: $*" >&2
  exit 1
}

note() { echo "== $*" >&2; }

need_int() { [[ $2 =~ ^[0-9]+$ ]] || die "$1 needs a non-negative integer, got '$2'"; }

need_tools() {  # need_tools TOOL...: each on PATH, or die naming the Debian packages
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null ||
      die "$tool not found (Debian: apt-get install dnsperf unbound bind9-dnsutils nsd iproute2 openssl ldnsutils)"
  done
}

stop_pid() {  # stop_pid PID: TERM, up to 5 s, then KILL; only a pid the caller started
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$SCRIPT_NAME: pid $pid ignored SIGTERM for 5 s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

port_free() { [ -z "$(ss -Hlnut "sport = :$1" 2>/dev/null)" ]; }

pick_port() {  # pick_port [PORT...]: a port free for UDP and TCP, none of the ones given
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 20000))
    [[ " $* " == *" $p "* ]] && continue
    port_free "$p" && { echo "$p"; return 0; }
  done
  die "no free port found"
}

start_lab() {  # start_lab LAB_NET LAB_DIR: the NSD lab of zones/, stopped by stop_lab
  LAB_NET=$1 LAB_DIR=$2 "$REPO_DIR/zones/lab.sh" start >"$TMP/lab-start.log" 2>&1 || {
    cat "$TMP/lab-start.log" >&2
    die "lab.sh start failed"
  }
}

stop_lab() {  # stop_lab LAB_DIR
  LAB_DIR=$1 "$REPO_DIR/zones/lab.sh" stop >/dev/null 2>&1 || echo "$SCRIPT_NAME: lab.sh stop failed for $1" >&2
}

# wait_answer NAME PID PORT LOG: until www.example.lab A gets NOERROR from 127.0.0.1@PORT, at
# most WAIT_SECONDS; dies (with the log's tail) when the process exits or never answers.
wait_answer() {
  local name=$1 pid=$2 port=$3 log=$4 deadline=$((SECONDS + WAIT_SECONDS))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$log" >&2
      die "$name exited during start-up (log above)"
    fi
    if dig +tries=1 +time=1 -p "$port" @127.0.0.1 www.example.lab A 2>/dev/null | grep -q 'status: NOERROR'; then
      return 0
    fi
    sleep 0.2
  done
  tail -n 30 "$log" >&2
  die "$name did not answer www.example.lab A within ${WAIT_SECONDS}s"
}

# ternd_config PORT THREADS CACHE_MB HINTS [EXTRA_YAML]: a benchmark ternd's configuration
# (loopback lab upstream, IPv4, no control socket, stays root: its files are root's). DNSSEC
# settings are the caller's (EXTRA_YAML): bench.sh and stress.sh name the lab's anchor, or turn
# validation off, only when the ternd measured knows the settings (a baseline build may not).
ternd_config() {
  cat <<EOF
listen: ["127.0.0.1@$1"]
root-hints: $4
query-loopback: yes
do-ip6: no
threads: $2
cache-size: ${3}m
verbosity: 0
control-socket: ""
username: ""
${5-}
EOF
}

# ternd_accepts BINARY CONFIG LOG: whether `BINARY -c CONFIG --check-config` accepts CONFIG.
# Returns 0 when it does and 1 when it rejects a setting it does not know (a ternd older than
# the setting: the caller leaves the setting out); any other rejection dies with ternd's words.
ternd_accepts() {
  "$1" -c "$2" --check-config >"$3" 2>&1 && return 0
  grep -q "unknown setting" "$3" && return 1
  cat "$3" >&2
  die "$1 rejects $2"
}

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

# field OUTFILE LABEL: the first number after "LABEL" in dnsperf's statistics
field() {
  awk -v label="$2" '{ i = index($0, label)
    if (i) { s = substr($0, i + length(label)); sub(/^[^0-9]*/, "", s); print s + 0; exit } }' "$1"
}

rcode_count() {  # rcode_count OUTFILE RCODE: from dnsperf's "Response codes:" line
  awk -v want="$2" '/Response codes:/ { sub(/.*Response codes: */, ""); n = split($0, a, ", ");
      for (i = 1; i <= n; i++) { split(a[i], f, " "); if (f[1] == want) s += f[2] }
      print s + 0; exit }' "$1"
}
