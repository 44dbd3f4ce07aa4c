#!/usr/bin/env bash
# ./workshop soak [minutes]: random runs of every stage, each checked, until
# the time is up: live writers, prefilled inputs, and following two files
# through a log rotation until SIGINT or SIGTERM (the follow test of that
# stage's executable, tests/test_follow.cpp). Prints runs, lines and failures.
set -euo pipefail
cd "$(dirname "$0")/../.."
source common/tools/workshop_lib.sh

minutes=${1:-1} runs=0 lines=0 failures=0
end=$(($(date +%s) + $(awk "BEGIN { printf \"%d\", $minutes * 60 }")))
while [ "$(date +%s)" -lt "$end" ]; do
  stage=${stages[RANDOM % ${#stages[@]}]}
  mode=$((RANDOM % 3))
  if [ $mode = 2 ]; then
    # 262 lines through a truncation and a rename-and-recreate, stopped by a signal.
    test_case=$([ $((RANDOM % 2)) = 0 ] && echo "follow: truncation*" || echo "follow: SIGTERM*")
    if output=$(timeout 120 "build/default/tests/test_follow_$stage" --test-case="$test_case" 2>&1); then
      lines=$((lines + 262))
    else
      failures=$((failures + 1))
      say "FAILED: $stage following files through rotation: $output"
    fi
  else
    files=$((1 + RANDOM % 40))
    count=$((RANDOM % 60))
    args=(--files "$files" --lines "$count" --seed "$RANDOM$RANDOM" --interval 0.01)
    if [ $mode = 0 ]; then args+=(--write-interval 0.005); else args+=(--prefill); fi
    if output=$(timeout 120 "build/default/$stage/$stage" "${args[@]}" 2>&1); then
      lines=$((lines + files * count))
    else
      failures=$((failures + 1))
      say "FAILED: $stage ${args[*]}: $output"
    fi
  fi
  runs=$((runs + 1))
done
echo "soak: $runs runs, $lines lines, $failures failures"
[ $failures = 0 ]
