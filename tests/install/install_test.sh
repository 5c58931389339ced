#!/usr/bin/env bash
# `meson install` as a new user runs it, checked as far as a test machine allows: install into
# a temporary DESTDIR and check the tree (binaries, unit, sysusers entry, man pages, the
# commented default /etc/tern/ternd.yaml and conf.d), that a second install keeps an edited
# ternd.yaml, that systemd-analyze verifies the installed unit and systemd-sysusers reads the
# entry, then start the installed ternd the way the unit does (its ExecStartPre check, then its
# ExecStart) on a loopback port and ask it with dig.
# Usage: install_test.sh BUILD_DIR SOURCE_ROOT
# The port: TERN_ITEST_PORT_BASE + 4999 when set (the last of the integration run's ports),
# else a free one the kernel picks.
set -euo pipefail
build=$(realpath "$1") source_root=$(realpath "$2")
dest=$(mktemp -d /tmp/tern-install-test-XXXXXX)
ternd_pid=
cleanup() {
  if [ -n "$ternd_pid" ]; then kill "$ternd_pid" 2>/dev/null || true; wait "$ternd_pid" 2>/dev/null || true; fi
  rm -rf -- "$dest"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$dest/ternd.log" ] && sed 's/^/  ternd: /' "$dest/ternd.log" >&2; exit 1; }

meson install -C "$build" --no-rebuild --destdir "$dest/root" >"$dest/install.log" 2>&1 ||
  { cat "$dest/install.log"; fail "meson install"; }
prefix=$(meson introspect "$build" --buildoptions | python3 -c \
  'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
root="$dest/root"
sbin="$root$prefix/sbin"

# ---- the tree ----
for f in "$sbin/ternd" "$sbin/ternctl" "$root$prefix/lib/systemd/system/ternd.service" \
  "$root$prefix/lib/sysusers.d/tern.conf" "$root/etc/tern/ternd.yaml"; do
  [ -f "$f" ] || fail "not installed: ${f#"$root"}"
done
[ -x "$sbin/ternd" ] && [ -x "$sbin/ternctl" ] || fail "ternd and ternctl are not executable"
[ -d "$root/etc/tern/conf.d" ] || fail "no /etc/tern/conf.d"
ls "$root$prefix"/share/man/man8/ternd.8* >/dev/null 2>&1 || fail "ternd(8) not installed"
ls "$root$prefix"/share/man/man5/ternd.yaml.5* >/dev/null 2>&1 || fail "ternd.yaml(5) not installed"
cmp -s "$root/etc/tern/ternd.yaml" "$source_root/daemon/install/ternd.yaml" || fail "ternd.yaml is not the default"
grep -q '^u tern ' "$root$prefix/lib/sysusers.d/tern.conf" || fail "the sysusers entry creates no tern user"
# The default configuration is all comments but its include, and what it says is true.
"$sbin/ternd" --check-config -c "$root/etc/tern/ternd.yaml" --set username= >/dev/null ||
  fail "the installed default configuration does not pass --check-config"

# ---- an existing configuration is kept ----
echo "verbosity: 2  # edited by the operator" >>"$root/etc/tern/ternd.yaml"
edited=$(sha256sum <"$root/etc/tern/ternd.yaml")
meson install -C "$build" --no-rebuild --destdir "$root" >"$dest/install2.log" 2>&1 ||
  { cat "$dest/install2.log"; fail "the second meson install"; }
[ "$(sha256sum <"$root/etc/tern/ternd.yaml")" = "$edited" ] || fail "a second install overwrote ternd.yaml"

# ---- the unit and the sysusers entry, as systemd reads them ----
unit="$root$prefix/lib/systemd/system/ternd.service"
if command -v systemd-analyze >/dev/null; then
  "$source_root/tests/systemd/verify-unit.sh" "$unit" "$sbin/ternd" || fail "systemd-analyze verify"
else
  echo "systemd-analyze missing: unit not verified"
fi
if command -v systemd-sysusers >/dev/null; then
  out=$(systemd-sysusers --dry-run --root="$dest/sysroot" "$root$prefix/lib/sysusers.d/tern.conf" 2>&1) ||
    { echo "$out"; fail "systemd-sysusers rejects the entry"; }
  grep -q "tern" <<<"$out" || { echo "$out"; fail "systemd-sysusers would not create tern"; }
fi

# ---- start it the way the unit does ----
# The unit's commands, with the installed binary and configuration; the listen address, user
# and control socket are test-local (--set: the machine's port 53, tern user and /run/tern are
# not the test's), appended to both commands alike.
exec_line() { sed -n "s|^$1=||p" "$unit"; }
pre=$(exec_line ExecStartPre) start=$(exec_line ExecStart)
[ -n "$pre" ] && [ -n "$start" ] || fail "the unit has no ExecStartPre or ExecStart"
if [ -n "${TERN_ITEST_PORT_BASE:-}" ]; then
  port=$((TERN_ITEST_PORT_BASE + 4999))
else
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
fi
overrides=(--set "listen=[127.0.0.1@$port]" --set username= --set "control-socket=$dest/ternd.ctl")
localize() {  # the unit's command with the installed paths
  sed -e "s|^$prefix/sbin/|$sbin/|" -e "s| /etc/tern/| $root/etc/tern/|g" <<<"$1"
}
read -r -a pre_words <<<"$(localize "$pre")"
read -r -a start_words <<<"$(localize "$start")"
"${pre_words[@]}" "${overrides[@]}" >"$dest/check.log" 2>&1 || { cat "$dest/check.log"; fail "ExecStartPre failed"; }
"${start_words[@]}" "${overrides[@]}" >"$dest/ternd.log" 2>&1 &
ternd_pid=$!
answer=
for _ in $(seq 1 50); do
  answer=$(dig @127.0.0.1 -p "$port" +short +time=1 +tries=1 localhost A 2>/dev/null) && [ -n "$answer" ] && break
  kill -0 "$ternd_pid" 2>/dev/null || fail "the installed ternd exited"
  sleep 0.2
done
[ "$answer" = "127.0.0.1" ] || fail "dig localhost A gave '$answer', not 127.0.0.1"
# The default hides the version (REFUSED), as the commented configuration says.
status=$(dig @127.0.0.1 -p "$port" +time=2 +tries=1 CH TXT version.bind | sed -n 's/.*status: \([A-Z]*\).*/\1/p')
[ "$status" = "REFUSED" ] || fail "version.bind was $status, not REFUSED"
"$sbin/ternctl" -s "$dest/ternd.ctl" stats | grep -q '^queries' || fail "ternctl stats through the installed ternctl"
kill "$ternd_pid"
wait "$ternd_pid" || fail "ternd did not stop with 0"
ternd_pid=
echo "install OK: tree, kept configuration, unit, sysusers, started as the unit starts it"
