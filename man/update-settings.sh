#!/bin/sh
# Regenerates the sections of the man pages that come from the settings table, in place: the
# SETTINGS section of man/ternd.yaml.5 and the list of restart-only settings in man/ternd.8 and
# man/ternd.yaml.5.
# Usage: man/update-settings.sh [BUILD_DIR]   (BUILD_DIR defaults to ./build; the
# gen_settings_doc target must be built there: ninja -C BUILD_DIR daemon/config/gen_settings_doc)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
gen="$build/daemon/config/gen_settings_doc"

if [ ! -x "$gen" ]; then
  echo "update-settings.sh: $gen not found; build it with: ninja -C $build daemon/config/gen_settings_doc" >&2
  exit 1
fi

splice="$here/splice-generated.sh"
"$splice" "$here/ternd.yaml.5" SETTINGS "$gen"
"$splice" "$here/ternd.yaml.5" "RESTART-ONLY SETTINGS" "$gen" restart-list
"$splice" "$here/ternd.8" "RESTART-ONLY SETTINGS" "$gen" restart-list
