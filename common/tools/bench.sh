#!/usr/bin/env bash
# ./workshop bench [--quick]: times every stage against cat and the targets
# (the workshop's help says what it measures); writes docs/bench.md and
# docs/bench.svg, or with --quick build/bench/quick.md and quick.svg.
# ./workshop bench --build-times: times the builds alone (they do not fit in
# the bench's ten minutes) into build/bench/build-times/; the next full bench
# reports them.
set -euo pipefail
cd "$(dirname "$0")/../.."
source common/tools/workshop_lib.sh

# The shell only runs things and writes down what happened, one JSON object
# per line in $bench_dir/bench.jsonl, written by jq (the records are described
# at the top of common/tools/bench_report.py); each stage run leaves its own
# --stats JSON and each cat timing hyperfine's JSON. bench_report.py turns them
# into the report, the plot and the PASS/MISS lines.

bench_seed=62       # every stage merges the same lines
bench_interval=0.01 # the throughput runs' tails look often where inotify is off

# Seconds between two $EPOCHREALTIME readings, to the microsecond.
bench_seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }

bench_elapsed() { awk -v a="$bench_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", b - a }'; }

# Seconds left of the bench's time budget (may be negative).
bench_left() { echo $((bench_budget - $(bench_elapsed))); }

bench_progress() {
  local e
  e=$(bench_elapsed)
  printf '==> [%d:%02d] %s\n' $((e / 60)) $((e % 60)) "$*" >&2
}

# bench_record TYPE KEY=VALUE...: one record, {"record": TYPE, KEY: VALUE...}.
bench_record() {
  local type=$1
  shift
  jq -nc --arg record "$type" \
    '{record: $record} + ([$ARGS.positional[] | capture("^(?<key>[a-z_]+)=(?<value>.*)$")] | from_entries)' \
    --args "$@" >>"$bench_dir/bench.jsonl"
}

# Standard input as one short line, fit for a table cell.
bench_one_line() { tr '\t\r\n' '   ' | sed 's/  */ /g; s/^ //; s/ $//' | cut -c1-300; }

# Why a process failed, in one line: the last line of its stderr, or how it ended.
bench_failure() {
  local err=$1 rc=$2 line
  line=$(grep -v '^[[:space:]]*$' "$err" 2>/dev/null | tail -n 1 | bench_one_line) || true
  if [ -n "$line" ]; then
    echo "$line"
  elif [ "$rc" -gt 128 ]; then
    echo "killed by SIG$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"
  else
    echo "exit code $rc, nothing on stderr"
  fi
}

# bench_environment KIND: the variables a run of KIND gets: inotify off for a
# KIND ending in -polling, nothing otherwise.
bench_environment() {
  if [[ $1 == *-polling ]]; then echo TAIL_MERGE_NO_INOTIFY=1; fi
}

# bench_run KIND STAGE FILES LINES [OPTION...]: runs one stage under a time
# limit and records how it went and where its --stats file is. With
# $bench_inputs set, the inputs go there (--inputs-dir) and stay. A KIND
# ending in -polling runs with inotify off (TAIL_MERGE_NO_INOTIFY=1); the
# --interval is $bench_run_interval if set.
bench_run() {
  local kind=$1 stage=$2 files=$3 lines=$4
  shift 4
  local id="$kind-${files}x$lines-$stage"
  local stats="runs/$id.json" err="$bench_dir/runs/$id.err"
  local options=(--files "$files" --lines "$lines" --seed "$bench_seed" --interval "${bench_run_interval:-$bench_interval}" "$@")
  local shown environment
  read -ra environment <<<"$(bench_environment "$kind")"
  shown="${environment[*]:+${environment[*]} STAGE }${options[*]}"
  if [ -n "${bench_inputs:-}" ]; then
    options+=(--inputs-dir "$bench_inputs")
    shown+=" --inputs-dir DIR"
  fi
  bench_status=skipped
  local left limit
  left=$(bench_left)
  if [ "$left" -le 0 ]; then
    bench_record run kind="$kind" stage="$stage" files="$files" lines="$lines" status=skipped args="$shown" \
      message="the bench's time budget of $bench_budget s was used up"
    return
  fi
  limit=$((left < bench_timeout ? left : bench_timeout))
  bench_progress "$kind: $stage, $files files x $lines lines"
  local start=$EPOCHREALTIME rc=0
  timeout -k 5 "$limit" env "${environment[@]}" "$(program_binary "$bin" "$stage")" "${options[@]}" --stats "$bench_dir/$stats" \
    >"$bench_dir/runs/$id.out" 2>"$err" || rc=$?
  local wall message=""
  wall=$(bench_seconds "$start" "$EPOCHREALTIME")
  case $rc in
    0) bench_status=ok ;;
    124 | 137) bench_status=timeout message="no result within the limit of $limit s" ;;
    *) bench_status=failed message=$(bench_failure "$err" "$rc") ;;
  esac
  [ "$bench_status" = ok ] || say "    $bench_status after ${wall%????} s: $message"
  bench_record run kind="$kind" stage="$stage" files="$files" lines="$lines" status="$bench_status" wall="$wall" \
    stats="$stats" args="$shown" message="$message"
}

# bench_small STAGE FILES LINES: a whole small prefilled run, start-up and
# confirm_merge included, timed by hyperfine (20 runs after 3 warm-ups; the
# run's wall is their mean). Its --stats file is the last run's.
bench_small() {
  local stage=$1 files=$2 lines=$3
  local id="small-${files}x$lines-$stage"
  local stats="runs/$id.json" timing="$bench_dir/runs/$id.hyperfine.json"
  local command="$(program_binary "$bin" "$stage") --files $files --lines $lines --seed $bench_seed --prefill --stats $bench_dir/$stats"
  if [ "$(bench_left)" -le 10 ]; then
    bench_record run kind=small stage="$stage" files="$files" lines="$lines" status=skipped \
      args="--files $files --lines $lines --prefill" message="the bench's time budget of $bench_budget s was used up"
    return
  fi
  bench_progress "small: $stage, $files files x $lines lines, timed by hyperfine"
  local status=ok message="" wall=""
  if hyperfine -N --warmup 3 --runs 20 --export-json "$timing" "$command" >/dev/null 2>"$bench_dir/runs/$id.err"; then
    wall=$(jq -r '.results[0].mean' "$timing")
  else
    status=failed message=$(bench_one_line <"$bench_dir/runs/$id.err")
  fi
  bench_record run kind=small stage="$stage" files="$files" lines="$lines" status="$status" wall="$wall" \
    stats="$stats" args="--files $files --lines $lines --seed $bench_seed --prefill (hyperfine -N --warmup 3 --runs 20, the mean)" \
    message="$message"
}

# bench_takes_sigint PID: whether the process catches SIGINT or blocks it.
bench_takes_sigint() {
  local name value
  while read -r name value; do
    case $name in
      SigCgt: | SigBlk:) ((0x$value & 2)) && return 0 ;;
    esac
  done <"/proc/$1/status"
  return 1
} 2>/dev/null

# bench_idle KIND STAGE FILES SECONDS: the stage following FILES empty files
# that nobody writes to (--follow, the default --interval), measured once it
# has started: the CPU time the whole process used in SECONDS, from
# /proc/PID/stat. Start-up is left out: 1,000 tail threads take a while to
# start on a small machine, and idle is what comes after. The script writes
# the run's stats file itself; it passes (confirm_merge) when the stage then
# ends on SIGINT with exit code 0 and an empty output. A KIND ending in
# -polling runs with inotify off.
bench_idle() {
  local kind=$1 stage=$2 files=$3 seconds=$4
  local id="$kind-${files}x0-$stage"
  local stats="runs/$id.json" err="$bench_dir/runs/$id.err" shown environment
  read -ra environment <<<"$(bench_environment "$kind")"
  shown="${environment[*]:+${environment[*]} STAGE }--follow FILE... --output FILE"
  if [ "$(bench_left)" -le $((seconds + 10)) ]; then
    bench_record run kind="$kind" stage="$stage" files="$files" lines=0 status=skipped args="$shown" \
      message="the bench's time budget of $bench_budget s was used up"
    return
  fi
  bench_progress "$kind: $stage following $files idle files"
  local dir i
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tail-merge-XXXXXX")
  for ((i = 0; i < files; i++)); do : >"$dir/$i"; done
  local start=$EPOCHREALTIME
  env "${environment[@]}" "$(program_binary "$bin" "$stage")" --follow "$dir"/[0-9]* --output "$dir/merged" \
    >"$bench_dir/runs/$id.out" 2>"$err" &
  local pid=$! ticks
  ticks=$(getconf CLK_TCK)
  # Started: every input is open and SIGINT is taken (caught, or blocked for
  # the thread that waits for it); then two seconds for the tails to start.
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ] && ! bench_takes_sigint "$pid"; do
    sleep 0.05
  done
  sleep 2
  local cpu_before at_before cpu_after at_after threads rss
  cpu_before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
  at_before=$EPOCHREALTIME
  sleep "$seconds"
  cpu_after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
  at_after=$EPOCHREALTIME
  threads=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
  rss=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null || echo 0)
  kill -INT "$pid" 2>/dev/null
  local rc=0 wall
  wait "$pid" || rc=$?
  wall=$(bench_seconds "$start" "$EPOCHREALTIME")
  local ok=false
  [ "$rc" = 0 ] && [ ! -s "$dir/merged" ] && ok=true
  jq -n --arg stage "$stage" --argjson files "$files" --argjson threads "${threads:-0}" --argjson rss "${rss:-0}" \
    --argjson seconds "$(bench_seconds "$at_before" "$at_after")" \
    --argjson cpu "$(awk -v a="$cpu_before" -v b="$cpu_after" -v t="$ticks" 'BEGIN { printf "%.3f", (b - a) / t }')" \
    --argjson ok "$ok" \
    '{stage: $stage, files: $files, lines: 0, seconds: $seconds, lines_per_second: 0, peak_threads: $threads,
      peak_rss_mib: $rss, cpu_seconds: $cpu, confirm_merge: $ok}' >"$bench_dir/$stats"
  rm -rf "$dir"
  local status=ok message=""
  if [ "$rc" != 0 ]; then
    status=failed message=$(bench_failure "$err" "$rc")
    say "    failed after ${wall%????} s: $message"
  fi
  bench_record run kind="$kind" stage="$stage" files="$files" lines=0 status="$status" wall="$wall" \
    stats="$stats" args="$shown" message="$message"
}

# bench_cat DIR FILES LINES: `cat` of the inputs in DIR into one file next to
# them, the floor any merge of the same files has, timed by hyperfine (five
# runs after a warm-up; bench_report takes the fastest).
bench_cat() {
  local dir=$1 files=$2 lines=$3
  local inputs=("$dir"/[0-9]*)
  local timing="runs/cat-${files}x$lines.json"
  if [ "${#inputs[@]}" != "$files" ] || [ ! -f "${inputs[0]}" ]; then
    bench_record cat files="$files" lines="$lines" status=failed \
      message="found ${#inputs[@]} input files in $dir, expected $files"
    return
  fi
  bench_progress "cat: $files files x $lines lines"
  if ! hyperfine --runs 5 --warmup 1 --style none --export-json "$bench_dir/$timing" \
    "cat $dir/[0-9]* > $dir/cat.out" >"$bench_dir/cat.err" 2>&1; then
    bench_record cat files="$files" lines="$lines" status=failed message="$(bench_failure "$bench_dir/cat.err" 1)"
    return
  fi
  bench_record cat files="$files" lines="$lines" status=ok timing="$timing"
}

# bench_shape KIND FILES LINES PROGRAM...: each program on the same prefilled
# inputs, each in a new directory; the first good run's inputs are timed with cat.
bench_shape() {
  local kind=$1 files=$2 lines=$3 stage timed=""
  shift 3
  for stage in "$@"; do
    bench_inputs=$(mktemp -d "${TMPDIR:-/tmp}/tail-merge-XXXXXX") # as long as the stages' own temporary names
    bench_run "$kind" "$stage" "$files" "$lines" --prefill
    if [ -z "$timed" ] && [ "$bench_status" = ok ]; then
      bench_cat "$bench_inputs" "$files" "$lines"
      timed=yes
    fi
    rm -rf "$bench_inputs"
  done
  bench_inputs=""
  [ -n "$timed" ] || bench_record cat files="$files" lines="$lines" status=skipped message="no stage produced the inputs"
}

# bench_fresh_copy DIR: the project's files in DIR as a fresh clone has them
# (the tracked files, as they are now), with no build directory.
bench_fresh_copy() {
  rm -rf "$1"
  mkdir -p "$1"
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z | tar --null -T - -cf - | tar -C "$1" -xf -
  else
    tar --exclude=./build -cf - . | tar -C "$1" -xf -
  fi
}

# bench_time_build STEP LOG COMMAND...: runs COMMAND within the time left,
# records how long it took; returns its status.
bench_time_build() {
  local step=$1 log=$2 left start rc=0 wall status=ok
  shift 2
  left=$(bench_left)
  if [ "$left" -le 10 ]; then
    bench_record build step="$step" status=skipped message="the bench's time budget of $bench_budget s was used up"
    return 1
  fi
  start=$EPOCHREALTIME
  timeout -k 5 "$left" "$@" >"$log" 2>&1 || rc=$?
  wall=$(bench_seconds "$start" "$EPOCHREALTIME")
  if [ "$rc" != 0 ]; then
    status=failed
    [ "$rc" = 124 ] || [ "$rc" = 137 ] && status=timeout
  fi
  bench_record build step="$step" status="$status" wall="$wall" \
    message="$([ $rc = 0 ] || grep -m 1 -E 'error|FAILED|Failed' "$log" | bench_one_line)"
  return $rc
}

# bench_build_time: what a participant waits for, from a fresh copy of the
# project (packages already installed): `./workshop demo` to its summary
# lines, `./workshop test tsan 1`; then a clean build of every target in a
# scratch directory, and a rebuild after touching one stage's source.
bench_build_time() {
  local fresh=build/bench-fresh dir=build/bench-buildtime
  bench_record info key=build_method value="Timed by \`./workshop bench --build-times\` on $(date '+%Y-%m-%d %H:%M %Z'), alone on the machine, on its $(jobs) cores with Ninja. The first two from a copy of the project's tracked files with no build directory (\`./workshop demo\`, then \`./workshop test tsan 1\` in it, each timed to its exit). The clean build: \`cmake --preset default -B $dir\` in a new directory, then \`cmake --build $dir\` timed; the rebuild is \`cmake --build $dir\` after \`touch stage3_coroutines/tail_merge.cpp\`."
  bench_progress "build time: a fresh ./workshop demo"
  bench_fresh_copy "$fresh"
  bench_time_build demo "$bench_dir/demo.log" bash -c "cd $fresh && ./workshop demo" || true
  bench_progress "build time: a fresh ./workshop test tsan 1"
  bench_time_build tsan1 "$bench_dir/tsan1.log" bash -c "cd $fresh && ./workshop test tsan 1" || true
  rm -rf "$fresh"

  bench_progress "build time: clean build of all targets in $dir"
  rm -rf "$dir"
  if ! cmake --preset default -B "$dir" >"$bench_dir/build.log" 2>&1; then
    bench_record build step=clean status=failed message="configure: $(grep -m 1 -i error "$bench_dir/build.log" | bench_one_line)"
    bench_record build step=rebuild status=skipped message="the configure step failed"
    return
  fi
  if ! bench_time_build clean "$bench_dir/build.log" cmake --build "$dir"; then
    bench_record build step=rebuild status=skipped message="the clean build did not finish"
    return
  fi
  # The ten slowest steps, to see where the time goes.
  awk 'NR > 1 { printf "%.1f\t%s\n", ($2 - $1) / 1000, $4 }' "$dir/.ninja_log" | sort -t $'\t' -k1,1 -rn |
    head -n 10 | while IFS=$'\t' read -r seconds name; do bench_record step seconds="$seconds" name="$name"; done

  bench_progress "build time: rebuild after touching stage3_coroutines/tail_merge.cpp"
  touch stage3_coroutines/tail_merge.cpp
  bench_time_build rebuild "$bench_dir/rebuild.log" cmake --build "$dir" || true
}

bench() {
  local quick="" build_times=build/bench/build-times
  case "${1:-}" in
    "") ;;
    --quick) quick=yes ;;
    --build-times)
      export LC_ALL=C
      bench_start=$EPOCHREALTIME bench_budget=1800 bench_dir=$build_times
      rm -rf "$bench_dir"
      mkdir -p "$bench_dir"
      bench_build_time
      jq -r 'select(.record == "build") | "\(.step): \(.status) \(.wall) s \(.message)"' "$bench_dir/bench.jsonl"
      say "wrote $bench_dir/bench.jsonl; ./workshop bench reports it"
      return
      ;;
    *) echo "usage: ./workshop bench [--quick | --build-times]" >&2; exit 2 ;;
  esac
  export LC_ALL=C # a decimal point in $EPOCHREALTIME and awk, whatever the locale
  bench_start=$EPOCHREALTIME
  local total counts idle_hold out_md out_svg step
  if [ -n "$quick" ]; then
    total=100000 counts=(1 10 100 1000) idle_hold=1 bench_timeout=20 bench_budget=100
    bench_dir=build/bench/quick out_md=build/bench/quick.md out_svg=build/bench/quick.svg
  else
    total=1000000 counts=(1 10 100 1000 10000) idle_hold=5 bench_timeout=120 bench_budget=570
    bench_dir=build/bench/full out_md=docs/bench.md out_svg=docs/bench.svg
  fi

  if [ -n "${BENCH_BUILD_DIR:-}" ]; then
    bin=$BENCH_BUILD_DIR
    [ -f "$bin/CMakeCache.txt" ] || cmake --preset default -B "$bin" >/dev/null
    cmake --build "$bin"
  else
    bin=build/default
    ./workshop build
  fi
  # The stages, and the program beyond stage 5 that reads through io_uring
  # (built where liburing is).
  mapfile -t bench_programs < <(programs_built "$bin")
  rm -rf "$bench_dir"
  mkdir -p "$bench_dir/runs" "$(dirname "$out_md")" "$(dirname "$out_svg")"

  local cpu compiler
  cpu=$(grep -m 1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//') || true
  [ -n "$cpu" ] || cpu=$(sysctl -n machdep.cpu.brand_string 2>/dev/null || echo unknown)
  compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$bin/CMakeCache.txt")
  bench_record info key=system value="$(uname -srm)"
  bench_record info key=cpu value="$cpu"
  bench_record info key=cores value="$(jobs)"
  bench_record info key=date value="$(date '+%Y-%m-%d %H:%M %Z')"
  bench_record info key=command value="./workshop bench${quick:+ --quick}"
  bench_record info key=mode value="$([ -n "$quick" ] && echo quick || echo full)"
  bench_record info key=total_lines value="$total"
  bench_record info key=run_timeout value="$bench_timeout"
  bench_record info key=binaries value="$bin ($(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$bin/CMakeCache.txt"), $("${compiler:-c++}" --version | head -n 1))"
  bench_record info key=cat_method value="\`hyperfine --runs 5 --warmup 1 'cat DIR/[0-9]* > DIR/cat.out'\` on the inputs of the shape's first good run; the fastest of the five (hyperfine takes off the time its shell needs to start)."

  local files
  for files in "${counts[@]}"; do
    bench_shape sweep "$files" $((total / files)) "${stages[@]}"
  done
  # The shapes the Python version was measured on, unless the sweep had them,
  # with the io_uring program beside stage 5.
  local shape
  for shape in "5 20000" "1000 100"; do
    set -- $shape
    [ "$(($1 * $2))" = "$total" ] && [[ " ${counts[*]} " == *" $1 "* ]] && continue
    bench_shape ref "$1" "$2" "${bench_programs[@]}"
  done
  # The live runs at the default --interval: with inotify, and with it off
  # (polling, as before the tails waited for inotify).
  local stage kind
  bench_run_interval=0.1
  for kind in latency latency-polling; do
    for stage in "${bench_programs[@]}"; do
      bench_run "$kind" "$stage" 100 50 --write-interval 0.05
    done
  done
  local idle_kinds=(idle)
  [ -n "$quick" ] || idle_kinds+=(idle-polling) # (--quick: only with inotify)
  for kind in "${idle_kinds[@]}"; do
    for stage in "${bench_programs[@]}"; do
      bench_idle "$kind" "$stage" 1000 "$idle_hold"
    done
  done
  for stage in "${bench_programs[@]}"; do
    bench_small "$stage" 5 4000
  done
  bench_run_interval=""
  for stage in "${bench_programs[@]}"; do
    bench_run stall "$stage" 2 5 --prefill --slow-write 100 --debug
  done
  if [ -z "$quick" ] && [ -f "$build_times/bench.jsonl" ]; then
    cat "$build_times/bench.jsonl" >>"$bench_dir/bench.jsonl" # timed alone by ./workshop bench --build-times
  else
    local why="not timed: ./workshop bench --build-times times them"
    [ -z "$quick" ] || why="not in --quick"
    for step in clean demo tsan1 rebuild; do
      bench_record build step="$step" status=skipped message="$why"
    done
  fi

  bench_record info key=elapsed value="$(bench_elapsed)"
  "$(tools_python)" common/tools/bench_report.py "$bench_dir" "$out_md" "$out_svg"
  cat "$out_md"
  say "wrote $out_md and $out_svg in $(bench_elapsed) s; every run's figures, stdout and stderr are in $bench_dir/runs"
}

bench "$@"
