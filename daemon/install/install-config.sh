#!/bin/sh
# meson install script: puts the commented default configuration at /etc/tern/ternd.yaml
# (under DESTDIR when set) unless a file is already there: an operator's configuration is
# never overwritten by an upgrade. Creates /etc/tern/conf.d for drop-ins. On a real install
# (no DESTDIR, as root) it also creates the tern user from the sysusers.d entry, so that
# `systemctl start ternd` works right after `meson install`.
# Usage: install-config.sh DEFAULT_CONFIG SYSUSERS_FILE
set -eu
source_config=$1 sysusers=$2
etc="${DESTDIR:-}/etc/tern"
mkdir -p "$etc/conf.d"
if [ -e "$etc/ternd.yaml" ]; then
  echo "Keeping existing $etc/ternd.yaml (the default is $source_config)"
else
  install -m 0644 "$source_config" "$etc/ternd.yaml"
  echo "Installing $source_config to $etc/ternd.yaml"
fi
if [ -z "${DESTDIR:-}" ] && [ "$(id -u)" = 0 ] && command -v systemd-sysusers >/dev/null; then
  systemd-sysusers "$sysusers" || echo "systemd-sysusers failed: create the tern user by hand" >&2
fi
