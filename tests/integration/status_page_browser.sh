#!/bin/bash
# status_page_browser.sh URL DOM_FILE: loads ternd's status page in headless Chromium (Debian's
# /usr/bin/chromium), lets its script run on the event stream for a moment, and writes the
# page as rendered (--dump-dom) to DOM_FILE; with TERN_SCREENSHOT=FILE.png also a screenshot.
# A fresh profile each time, no network but the page's own (no updates, sync, QUIC), so the
# run is quick and leaves nothing behind. Called once by status_page_test.cpp.
set -euo pipefail
url=$1 dom=$2
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
# How long the page runs before it is read: its first events (the ring's backfill) arrive at
# once, but on a loaded machine Chromium itself may take seconds to start; the time doubles
# (up to 4 tries) until the page has drawn its counters.
RUN_MS=${TERN_BROWSER_RUN_MS:-3000}
profile=$(mktemp -d /tmp/tern-chromium.XXXXXX)
trap 'rm -rf -- "$profile"' EXIT
chromium() {
  rm -rf -- "$profile/user"
  timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --disable-extensions \
    --user-data-dir="$profile/user" --window-size=1280,1100 --timeout="$RUN_MS" "$@" 2>>"$profile/chromium.log"
}
for try in 1 2 3 4; do
  chromium --dump-dom "$url" >"$dom" || true
  grep -q 'id="total-queries.total"' "$dom" && break
  if ((try == 4)); then
    echo "chromium did not render the page within ${RUN_MS} ms; its log:" >&2
    grep -v -e dbus -e zygote "$profile/chromium.log" | tail -20 >&2
    exit 1
  fi
  RUN_MS=$((RUN_MS * 2))
done
if [ -n "${TERN_SCREENSHOT:-}" ]; then
  chromium --screenshot="$TERN_SCREENSHOT" "$url" >/dev/null
fi
