#!/usr/bin/env bash
# Checks the systemd unit that meson configured: systemd-analyze verify accepts it without a
# single complaint (an unknown or misspelt directive is only a warning there, so any output
# fails), and it keeps the directives ternd depends on. Usage: verify-unit.sh UNIT TERND
set -euo pipefail
unit=$1 ternd=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing (.ci/install-deps installs systemd)"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf -- "$dir"' EXIT
# ExecStart must name an existing binary: point it at the one just built.
sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/ternd |\1$ternd |" "$unit" >"$dir/ternd.service"
out=$(systemd-analyze verify --man=no "$dir/ternd.service" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "systemd-analyze verify complained:"; echo "$out"; exit 1; fi
for directive in 'Type=notify' 'ExecReload=' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
  'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
  'User=tern' 'RuntimeDirectory=tern'; do
  grep -q "^$directive" "$dir/ternd.service" || { echo "the unit lacks $directive"; exit 1; }
done
# A reload checks the file first, then signals: the check's line comes before the kill.
reloads=$(grep '^ExecReload=' "$dir/ternd.service")
[ "$(printf '%s\n' "$reloads" | head -1)" = "ExecReload=$ternd --check-config -c /etc/tern/ternd.yaml" ] ||
  { echo "the first ExecReload must be ternd --check-config: $reloads"; exit 1; }
[ "$(printf '%s\n' "$reloads" | sed -n 2p)" = 'ExecReload=/bin/kill -HUP $MAINPID' ] ||
  { echo "the second ExecReload must signal ternd: $reloads"; exit 1; }
echo "unit OK"
