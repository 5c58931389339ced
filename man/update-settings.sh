#!/bin/sh
# Regenerates the SETTINGS section of man/ternd.yaml.5 from the settings table, in place.
# Usage: man/update-settings.sh [BUILD_DIR]   (BUILD_DIR defaults to ./build; the
# gen_settings_doc target must be built there: ninja -C BUILD_DIR daemon/config/gen_settings_doc)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
gen="$build/daemon/config/gen_settings_doc"
page="$here/ternd.yaml.5"
begin='.\" BEGIN GENERATED SETTINGS'
end='.\" END GENERATED SETTINGS'

if [ ! -x "$gen" ]; then
  echo "update-settings.sh: $gen not found; build it with: ninja -C $build daemon/config/gen_settings_doc" >&2
  exit 1
fi
if ! grep -qxF "$begin" "$page" || ! grep -qxF "$end" "$page"; then
  echo "update-settings.sh: the marker comments are missing from $page" >&2
  exit 1
fi

section=$(mktemp)
output=$(mktemp)
trap 'rm -f "$section" "$output"' EXIT
"$gen" > "$section"
# Through the environment: awk -v would turn the markers' \" into ".
BEGIN_MARK=$begin END_MARK=$end SECTION=$section awk '
  $0 == ENVIRON["BEGIN_MARK"] {
    print
    while ((getline line < ENVIRON["SECTION"]) > 0) print line
    skipping = 1
    next
  }
  $0 == ENVIRON["END_MARK"] { skipping = 0 }
  !skipping { print }
' "$page" > "$output"
cat "$output" > "$page"
echo "update-settings.sh: regenerated the settings section of $page"
