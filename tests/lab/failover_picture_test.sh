#!/bin/bash
# zones/lab.sh failover draws its run (failover_plot): the x axis must show every name's TTL line,
# also when the run ended exactly at the TTL (issue 17: gnuplot's autoscale stopped the axis
# there and the dashed line became the plot's border), and a second panel shows the TTL the
# client saw counting down, with the stale answers (old address after its TTL) marked. Sources
# lab.sh (which then defines its functions without running) and checks failover_plot_script, the
# gnuplot script failover_plot runs; when gnuplot is installed, also that it draws the PNG.
# Usage: failover_picture_test.sh PATH/TO/zones/lab.sh
set -u
lab_sh=$1
failures=0
work=$(mktemp -d) || exit 1
trap 'rm -rf -- "$work"' EXIT

fail() {
  echo "FAILED: $*" >&2
  failures=$((failures + 1))
}

# script NAME: the gnuplot script of the timeline $work/NAME.tsv for db-fast.failover.lab
# (TTL 2, old 127.0.0.1, new 127.0.0.2), in $work/NAME.gp.
script() {
  # No positional arguments reach the sourced script (it would run its main otherwise).
  bash -c 'f=$1; a=("${@:2}"); set --; source "$f" && failover_plot_script "${a[@]}"' failover-picture-test \
    "$lab_sh" "$work/$1.tsv" "$work/$1.png" "test $1" "db-fast.failover.lab 127.0.0.2 127.0.0.1 2" \
    >"$work/$1.gp" 2>"$work/$1.err" ||
    fail "$1: failover_plot_script failed: $(cat "$work/$1.err")"
}

# The switch exactly at the TTL: the old address counting down to 0 at 2 s, the new one at 2.0,
# where the run ends (converged).
cat >"$work/at-ttl.tsv" <<'TSV'
# zones/lab.sh failover --variant default --ttl-scale 1 --zone failover.lab
# seconds name address ttl status
0.0 db-fast.failover.lab 127.0.0.1 2 ok
1.0 db-fast.failover.lab 127.0.0.1 1 ok
2.0 db-fast.failover.lab 127.0.0.2 2 ok
TSV
script at-ttl
gp=$work/at-ttl.gp
# The x range is fixed and reaches past the TTL (2): no autoscale ending at the last answer.
xmax=$(sed -n 's/^set xrange \[0:\([0-9.]*\)\]$/\1/p' "$gp")
if [ -z "$xmax" ]; then
  fail "at-ttl: no fixed 'set xrange [0:N]' in the script: $(grep xrange "$gp")"
elif ! awk -v x="$xmax" 'BEGIN { exit !(x > 2) }'; then
  fail "at-ttl: the x axis ends at $xmax, not past the TTL line at 2"
fi
grep -q '^set arrow from 2, graph 0 to 2, graph 1 nohead dashtype 2' "$gp" || fail "at-ttl: no dashed TTL line at 2"
# Two panels: the answers, and the TTL the client saw.
grep -q '^set multiplot layout 2,1' "$gp" || fail "at-ttl: not two panels (no 'set multiplot layout 2,1')"
[ "$(grep -c '^plot ' "$gp")" = 2 ] || fail "at-ttl: $(grep -c '^plot ' "$gp") plot commands, not 2"
grep -q '^set title "TTL the client saw' "$gp" || fail "at-ttl: no panel titled 'TTL the client saw'"
grep -q 'title "db-fast.failover.lab TTL seen"' "$gp" || fail "at-ttl: no TTL series for db-fast.failover.lab"
grep -q 'title "stale answer"' "$gp" || fail "at-ttl: no stale-answer series"
# The TTL panel's data: each answer's time and TTL (after the second plot command).
ttl_data=$(sed -n '/^set title "TTL the client saw/,$p' "$gp" | sed -n '/^plot /,/^e$/p' | grep -E '^[0-9.-]+ [0-9]+$')
[ "$ttl_data" = $'0.0 2\n1.0 1\n2.0 2' ] || fail "at-ttl: TTL panel data is '$ttl_data'"
# stale_points SCRIPT: the data of the stale-answer series (the last block of the last plot).
stale_points() {
  awk '/^plot .*stale answer/ { p = 1; next } !p { next }
       /^e$/ { last = block; block = ""; next } { block = block $0 "\n" }
       END { printf "%s", last }' "$1" | grep -E '^[0-9.]+ [0-9]+$'
}
# No stale answer here: the new address at 2.0 is not one.
stale=$(stale_points "$gp")
[ -z "$stale" ] || fail "at-ttl: answers marked stale: '$stale'"

# Serve-stale: the old address after its TTL (at 3 s and 4 s) is marked stale, the new one not.
cat >"$work/stale.tsv" <<'TSV'
# seconds name address ttl status
0.0 db-fast.failover.lab 127.0.0.1 2 ok
1.0 db-fast.failover.lab 127.0.0.1 1 ok
3.0 db-fast.failover.lab 127.0.0.1 30 ok
4.0 db-fast.failover.lab 127.0.0.1 30 ok
5.0 db-fast.failover.lab 127.0.0.2 2 ok
TSV
script stale
stale_block=$(stale_points "$work/stale.gp")
[ "$stale_block" = $'3.0 30\n4.0 30' ] || fail "stale: stale answers marked '$stale_block', expected 3.0 30 and 4.0 30"

# The picture itself, when gnuplot is there to draw it.
if command -v gnuplot >/dev/null; then
  for run in at-ttl stale; do
    if gnuplot <"$work/$run.gp" 2>"$work/$run.gnuplot.err"; then
      [ "$(head -c 4 "$work/$run.png" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "$run: gnuplot wrote no PNG"
    else
      fail "$run: gnuplot rejected the script: $(cat "$work/$run.gnuplot.err")"
    fi
  done
else
  echo "gnuplot not installed: the script is checked, not drawn"
fi
[ "$failures" = 0 ] && echo "failover picture: all cases passed"
exit $((failures > 0))
