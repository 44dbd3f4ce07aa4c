#!/usr/bin/env bash
# Practice mode: a participant does a migration step, and the stage's own
# tests say when it is right.
#
#   practice.sh exercise N [--force]  a practice copy of stage N (2-5) in practice/<stage>/
#   practice.sh check N [--watch | --reference]
#                                     the stage's tests against the practice copy
#   practice.sh reset N               start over (the old copy is kept as tail_merge.cpp.previous)
#   practice.sh diff N                the practice copy against the reference
#
# The starting copy is the previous step's tail_merge.cpp (stage 1's for
# stage 4, stage 3's for stage 5), with the step's TODO list at the top and,
# at the end, stubs for the functions the step adds (tests/practice/<stage>.todo
# and .stubs). `check` copies it into the build directory, where the target
# practice_check_<stage> links it with the stage's tests (tests/CMakeLists.txt).
#
# PRACTICE_DIR=DIR keeps the practice copies in DIR instead of practice/
# (the checker's own tests use that); PRESET=NAME builds with that preset.
set -euo pipefail
cd "$(dirname "$0")/../.."
source common/tools/workshop_lib.sh

practice_dir=${PRACTICE_DIR:-practice}
preset=${PRESET:-default}
build_dir=build/$preset

# The stage of exercise N; stage 1 is where the migration starts.
exercise_stage() {
  local stage
  stage=$(stage_dir "${1:-}")
  if [ "$stage" = stage1_threads ]; then
    echo "workshop: stage 1 is where the migration starts; the exercises are stages 2 to 5" >&2
    exit 2
  fi
  echo "$stage"
}

# The step's starting point.
previous_stage() {
  case $1 in
    stage2_mixed | stage4_bottom_up) echo stage1_threads ;;
    stage3_coroutines) echo stage2_mixed ;;
    stage5_nonblocking) echo stage3_coroutines ;;
  esac
}

write_exercise() {
  local stage=$1 dir=$practice_dir/$1
  mkdir -p "$dir"
  cp "$stage/tail_merge.hpp" "$dir/tail_merge.hpp"
  {
    cat "tests/practice/$stage.todo"
    echo
    cat "$(previous_stage "$stage")/tail_merge.cpp"
    echo
    cat "tests/practice/$stage.stubs"
  } >"$dir/tail_merge.cpp"
}

exercise() {
  local stage force=""
  for arg in "$@"; do
    if [ "$arg" = --force ]; then force=1; else stage=$(exercise_stage "$arg"); fi
  done
  [ -n "${stage:-}" ] || { echo "workshop: exercise which stage? (2-5)" >&2; exit 2; }
  local dir=$practice_dir/$stage n=${stage:5:1}
  if [ -f "$dir/tail_merge.cpp" ] && [ -z "$force" ]; then
    say "$dir/tail_merge.cpp holds your work already, and is left as it is"
    say "check it: ./workshop check $n; start over: ./workshop reset $n"
    return 0
  fi
  if [ -f "$dir/tail_merge.cpp" ]; then
    mv "$dir/tail_merge.cpp" "$dir/tail_merge.cpp.previous"
    say "your copy is kept as $dir/tail_merge.cpp.previous"
  fi
  write_exercise "$stage"
  say "$dir/tail_merge.cpp: $(previous_stage "$stage")'s code, with this step's TODO list at its top"
  say "next: edit it, then ./workshop check $n (or ./workshop check $n --watch to check at every save)"
}

# Makes sure the build directory knows the practice targets (they are added
# at configure time).
configure() {
  [ -f "$build_dir/CMakeCache.txt" ] || cmake --preset "$preset" >/dev/null
  grep -q "practice_check_" "$build_dir/build.ninja" || cmake "$build_dir" >/dev/null
}

# The build's copy of the participant's file: a #line directive makes the
# compiler name the participant's own file in its messages. Rewritten only
# when it changed, so an unchanged file is not compiled again.
copy_into_build() {
  local stage=$1 source=$practice_dir/$1/tail_merge.cpp
  local dest=$build_dir/practice/$stage
  mkdir -p "$dest"
  cmp -s "$stage/tail_merge.hpp" "$dest/tail_merge.hpp" 2>/dev/null || cp "$stage/tail_merge.hpp" "$dest/"
  {
    printf '#line 1 "%s"\n' "$(realpath "$source")"
    cat "$source"
  } >"$dest/tail_merge.cpp.new"
  if cmp -s "$dest/tail_merge.cpp.new" "$dest/tail_merge.cpp" 2>/dev/null; then
    rm "$dest/tail_merge.cpp.new"
  else
    mv "$dest/tail_merge.cpp.new" "$dest/tail_merge.cpp"
  fi
}

# Builds `target`; on failure prints the compiler's errors (with the practice
# file's name and line) and what an undefined function means.
build_or_explain() {
  local target=$1 log
  log=$(mktemp)
  if cmake --build "$build_dir" --target "$target" >"$log" 2>&1; then
    rm "$log"
    return 0
  fi
  echo "Your tail_merge.cpp does not build yet:"
  grep -E ': (error|fatal error):|undefined reference|note: +candidate' "$log" | head -n 20 | sed 's/^/  /'
  local missing
  missing=$(sed -n "s/.*undefined reference to \`\(tail_merge::[A-Za-z_:]*\).*/\1/p" "$log" | sort -u)
  for name in $missing; do
    echo "hint: $name is declared in tail_merge.hpp (the contract the tests call) but your tail_merge.cpp does not define it"
  done
  echo "(the whole build output: $log)"
  return 1
}

# doctest's filter syntax: ',' and '\' are escaped with '\'.
filter() {
  printf '%s' "$1" | sed 's/[\\,]/\\&/g'
}

# Runs each test case of `exe` on its own; prints each claim with whether it
# holds and, for one that does not, one hint: the exception it threw (a stub
# says which TODO to start with), else the test's own (a check's "hint: ..."
# message), else its first error.
report() {
  local exe=$1 passed=0 total=0 name output code hint last_hint=""
  local names
  mapfile -t names < <("$exe" --list-test-cases | sed -n '/^====/,/^====/p' | sed '1d;$d')
  for name in "${names[@]}"; do
    total=$((total + 1))
    code=0
    output=$(timeout 120 "$exe" --test-case="$(filter "$name")" 2>&1) || code=$?
    if [ $code = 0 ]; then
      passed=$((passed + 1))
      echo "  PASS  $name"
      continue
    fi
    echo "  FAIL  $name"
    # An exception first: a check that threw says nothing about its own claim.
    hint=$(printf '%s\n' "$output" | sed -n 's/.*THREW exception: "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' | head -n 1)
    [ -n "$hint" ] || hint=$(printf '%s\n' "$output" | sed -n 's/.*logged: hint: //p' | head -n 1)
    [ $code != 124 ] || hint="it never ended (stopped after 120 s): a loop that nobody runs, or a thread waiting for itself?"
    [ -n "$hint" ] || hint=$(printf '%s\n' "$output" | grep -m 1 -E 'ERROR|error' || echo "exit code $code")
    if [ "$hint" = "$last_hint" ]; then
      echo "        (the same hint)"
    else
      echo "        hint: $hint"
    fi
    last_hint=$hint
  done
  echo "$passed of $total claims hold."
  [ $passed = "$total" ]
}

check_once() {
  local stage=$1 reference=$2
  if [ -n "$reference" ]; then
    say "checking the reference $stage with the checker"
    cmake --build "$build_dir" --target "test_$stage" >/dev/null
    report "$build_dir/tests/test_$stage"
    return
  fi
  if [ ! -f "$practice_dir/$stage/tail_merge.cpp" ]; then
    echo "workshop: no practice copy of $stage yet: ./workshop exercise ${stage:5:1}" >&2
    return 2
  fi
  copy_into_build "$stage"
  say "checking $practice_dir/$stage/tail_merge.cpp against $stage's tests"
  build_or_explain "practice_check_$stage" || return 1
  report "$build_dir/practice/$stage/practice_check_$stage"
}

check() {
  local stage="" watch="" reference=""
  for arg in "$@"; do
    case $arg in
      --watch) watch=1 ;;
      --reference) reference=1 ;;
      -*)
        echo "workshop: check: unknown option $arg (--watch, --reference)" >&2
        exit 2
        ;;
      *) stage=$(exercise_stage "$arg") ;;
    esac
  done
  [ -n "$stage" ] || { echo "workshop: check which stage? (2-5)" >&2; exit 2; }
  configure
  if [ -z "$watch" ]; then
    check_once "$stage" "$reference"
    return
  fi
  local file=$practice_dir/$stage/tail_merge.cpp seen
  while :; do
    seen=$(stat -c %Y "$file" 2>/dev/null || echo none)
    check_once "$stage" "$reference" || true
    say "watching $file: save it to check again (Ctrl-C to stop)"
    while [ "$(stat -c %Y "$file" 2>/dev/null || echo none)" = "$seen" ]; do sleep 0.5; done
  done
}

reset() {
  local stage
  stage=$(exercise_stage "${1:-}")
  exercise "$stage" --force
}

diff_mine() {
  local stage
  stage=$(exercise_stage "${1:-}")
  local mine=$practice_dir/$stage/tail_merge.cpp
  [ -f "$mine" ] || { echo "workshop: no practice copy of $stage yet: ./workshop exercise ${stage:5:1}" >&2; exit 2; }
  diff -u --color=auto --label "$stage/tail_merge.cpp (the reference)" --label "$mine (yours)" \
    "$stage/tail_merge.cpp" "$mine" || true
}

command=${1:-}
shift || true
case "$command" in
  exercise) exercise "$@" ;;
  check) check "$@" ;;
  reset) reset "$@" ;;
  diff) diff_mine "$@" ;;
  *)
    echo "workshop: practice: unknown command '$command' (exercise, check, reset, diff)" >&2
    exit 2
    ;;
esac
