#!/usr/bin/env bash
# ./workshop soak [minutes]: random checked runs of every program until the
# time is up. Half are ordinary (live writers, prefilled, following through a
# rotation); half are faults: a run stopped by SIGINT, SIGTERM or SIGHUP at a
# random moment (exit 128 + the signal, confirm_merge OK, the output holding
# exactly the lines reported, no temporary directory left), a full disk, an
# input that fails mid-run (the stage's own follow tests, which check each line).
# The task group (stage5_task_group) is also cancelled at a random moment, by a
# signal or a failing input, while its tails still read (its own follow test,
# which checks that no line written before is lost).
set -euo pipefail
cd "$(dirname "$0")/../.."
source common/tools/workshop_lib.sh

minutes=${1:-1} runs=0 faults=0 lines=0 failures=0 cancellations=0
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tail-merge-soak-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
end=$(($(date +%s) + $(awk "BEGIN { printf \"%d\", $minutes * 60 }")))

fail() {
  failures=$((failures + 1))
  say "FAILED: $*"
}

# The follow test of `stage` named `test_case`, which checks every line; it
# counts `count` lines.
follow_test() {
  local stage=$1 test_case=$2 count=$3 output
  if output=$(limited 120 "build/default/tests/test_follow_$stage" --test-case="$test_case" 2>&1); then
    lines=$((lines + count))
  else
    fail "$stage $test_case: $output"
  fi
}

# A simulated run stopped by a random signal after a random time.
signal_run() {
  local stage=$1 signal number
  local signals=(INT TERM HUP)
  signal=${signals[RANDOM % 3]}
  number=$(kill -l "$signal")
  local tmp="$scratch/tmp" out="$scratch/merged" summary="$scratch/summary" errors="$scratch/errors"
  rm -rf "$tmp" "$out" && mkdir "$tmp"
  TMPDIR=$tmp "$(program_binary build/default "$stage")" --files $((1 + RANDOM % 20)) --lines 100000 --write-interval 0.002 \
    --interval 0.01 --output "$out" >"$summary" 2>"$errors" &
  local pid=$!
  # The temporary directory exists once the stage has taken the signals over.
  local tries=0
  while [ -z "$(ls -A "$tmp")" ] && [ $tries -lt 1000 ]; do
    sleep 0.01
    tries=$((tries + 1))
  done
  sleep "0.$((RANDOM % 10))"
  kill -s "$signal" $pid
  local code=0
  wait $pid || code=$?
  local merged reported
  merged=$(wc -l <"$out" 2>/dev/null || echo missing)
  reported=$(sed -n 's/.* files, \([0-9]*\) lines merged in .*/\1/p' "$summary")
  if [ $code != $((128 + number)) ] || ! grep -q 'confirm_merge OK' "$summary" || [ "$merged" != "$reported" ] ||
    [ -n "$(ls -A "$tmp")" ]; then
    fail "$stage stopped by SIG$signal: exit $code, $merged lines in the output, $(cat "$summary" "$errors")"
  else
    lines=$((lines + merged))
  fi
}

programs=()
while IFS= read -r program; do programs+=("$program"); done < <(programs_built build/default)

while [ "$(date +%s)" -lt "$end" ]; do
  stage=${programs[RANDOM % ${#programs[@]}]}
  mode=$((RANDOM % 6))
  case $mode in
    0 | 1)
      files=$((1 + RANDOM % 40))
      count=$((RANDOM % 60))
      args=(--files "$files" --lines "$count" --seed "$RANDOM$RANDOM" --interval 0.01)
      if [ $mode = 0 ]; then args+=(--write-interval 0.005); else args+=(--prefill); fi
      if output=$(limited 120 "$(program_binary build/default "$stage")" "${args[@]}" 2>&1); then
        lines=$((lines + files * count))
      else
        fail "$stage ${args[*]}: $output"
      fi
      ;;
    2)
      # 262 lines through a truncation and a rename-and-recreate, stopped by a signal.
      if [ $((RANDOM % 2)) = 0 ]; then
        follow_test "$stage" "follow: truncation*" 262
      else
        follow_test "$stage" "follow: SIGTERM*" 262
      fi
      ;;
    3 | 4)
      signal_run "$stage"
      faults=$((faults + 1))
      ;;
    5)
      case $((RANDOM % 3)) in
        0) follow_test "$stage" "follow: a full disk*" 0 ;;
        1) follow_test "$stage" "simulation: a full disk*" 0 ;;
        2) follow_test "$stage" "follow: an input that fails mid-run*" 60 ;;
      esac
      if [ "$stage" = stage5_task_group ]; then
        follow_test "$stage" "task group: cancelled at a random moment*" 0
        cancellations=$((cancellations + 1))
      fi
      faults=$((faults + 1))
      ;;
  esac
  runs=$((runs + 1))
done
echo "soak: $runs runs ($faults with a fault, $cancellations task group cancellations at a random moment), $lines lines, $failures failures"
[ $failures = 0 ]
