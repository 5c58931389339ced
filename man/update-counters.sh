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

"$here/splice-generated.sh" "$here/ternctl.8" COUNTERS "$gen" ternctl
"$here/splice-generated.sh" "$here/ternd.8" METRICS "$gen" ternd
