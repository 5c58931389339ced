#!/bin/sh
# Replaces the lines between '.\" BEGIN GENERATED LABEL' and '.\" END GENERATED LABEL' in a man
# page with what a generator prints: the one splice behind man/update-settings.sh and
# man/update-counters.sh.
# Usage: man/splice-generated.sh PAGE LABEL COMMAND [ARGUMENT...]
set -eu
page=$1
label=$2
shift 2
begin=".\\\" BEGIN GENERATED $label"
end=".\\\" END GENERATED $label"
if ! grep -qxF "$begin" "$page" || ! grep -qxF "$end" "$page"; then
  echo "splice-generated.sh: the marker comments '$begin' are missing from $page" >&2
  exit 1
fi
section=$(mktemp)
output=$(mktemp)
trap 'rm -f "$section" "$output"' EXIT
"$@" > "$section"
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
echo "splice-generated.sh: regenerated '$label' in $page"
