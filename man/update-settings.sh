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

# splice PAGE MARKER [GEN_ARGUMENT]: replaces the lines between '.\" BEGIN GENERATED MARKER' and
# '.\" END GENERATED MARKER' in PAGE with what gen_settings_doc prints.
splice() {
  page=$1
  label=$2
  begin=".\\\" BEGIN GENERATED $label"
  end=".\\\" END GENERATED $label"
  shift 2
  if ! grep -qxF "$begin" "$page" || ! grep -qxF "$end" "$page"; then
    echo "update-settings.sh: the marker comments '$begin' are missing from $page" >&2
    exit 1
  fi
  section=$(mktemp)
  output=$(mktemp)
  "$gen" "$@" > "$section"
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
  rm -f "$section" "$output"
  echo "update-settings.sh: regenerated '$label' in $page"
}

splice "$here/ternd.yaml.5" SETTINGS
splice "$here/ternd.yaml.5" "RESTART-ONLY SETTINGS" restart-list
splice "$here/ternd.8" "RESTART-ONLY SETTINGS" restart-list
