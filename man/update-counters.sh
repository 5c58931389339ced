#!/bin/sh
# Regenerates the counter lists of man/ternctl.8 (STATISTICS) and man/ternd.8 (METRICS) from
# the counters table, in place, between their marker comments.
# Usage: man/update-counters.sh [BUILD_DIR]   (BUILD_DIR defaults to ./build; the
# gen_counters_doc target must be built there: ninja -C BUILD_DIR daemon/observe/gen_counters_doc)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
gen="$build/daemon/observe/gen_counters_doc"

if [ ! -x "$gen" ]; then
  echo "update-counters.sh: $gen not found; build it with: ninja -C $build daemon/observe/gen_counters_doc" >&2
  exit 1
fi

# splice PAGE MARKER GEN_ARGUMENT: replaces what lies between the page's BEGIN and END markers.
splice() {
  page="$here/$1"
  begin=".\\\" BEGIN GENERATED $2"
  end=".\\\" END GENERATED $2"
  if ! grep -qxF "$begin" "$page" || ! grep -qxF "$end" "$page"; then
    echo "update-counters.sh: the marker comments are missing from $page" >&2
    exit 1
  fi
  section=$(mktemp)
  output=$(mktemp)
  "$gen" "$3" > "$section"
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
  echo "update-counters.sh: regenerated the $2 section of $page"
}

splice ternctl.8 COUNTERS ternctl
splice ternd.8 METRICS ternd
