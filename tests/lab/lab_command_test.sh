#!/bin/bash
# zones/lab.sh up ends by printing the command that stops the lab; with a LAB_DIR or LAB_NET
# other than the defaults, that command must carry them, or the operator who copies it stops
# nothing (issue 17). Sources lab.sh (which then defines its functions without running) and
# checks lab_command, the function every printed lab.sh command line comes from.
# Usage: lab_command_test.sh PATH/TO/zones/lab.sh
set -u
lab_sh=$1
failures=0

# expect LAB_DIR LAB_NET WORD EXPECTED: lab_command WORD, in a subshell with that environment.
expect() {
  local got
  # No positional arguments reach the sourced script: a lab.sh that ran its main when sourced
  # would then only print its usage, never act on a lab.
  got=$(LAB_DIR=$1 LAB_NET=$2 WORD=$3 bash -c 'f=$1; set --; source "$f" && lab_command "$WORD"' lab-command-test "$lab_sh" 2>/dev/null)
  if [ "$got" != "$4" ]; then
    echo "FAILED: LAB_DIR='$1' LAB_NET='$2' lab_command $3: got '$got', expected '$4'" >&2
    failures=$((failures + 1))
  fi
}

expect "" "" down "zones/lab.sh down"
expect /run/tern-lab 127.53 down "zones/lab.sh down"
expect /tmp/lab-54 127.54 down "LAB_DIR=/tmp/lab-54 LAB_NET=127.54 zones/lab.sh down"
expect /tmp/lab-54 "" status "LAB_DIR=/tmp/lab-54 zones/lab.sh status"
expect /run/tern-lab 127.60 down "LAB_NET=127.60 zones/lab.sh down"
expect "/tmp/my lab" 127.53 down 'LAB_DIR=/tmp/my\ lab zones/lab.sh down'

# The line "up" prints comes from lab_command (not a fixed "zones/lab.sh down").
# shellcheck disable=SC2016 # the literal text of the script is searched
grep -q '^  \$(lab_command down)$' "$lab_sh" || {
  echo "FAILED: print_examples does not print \$(lab_command down)" >&2
  failures=$((failures + 1))
}
[ "$failures" = 0 ] && echo "lab_command: all cases passed"
exit $((failures > 0))
