#!/usr/bin/env bash
# Practice mode (./workshop exercise, check, hint, reset, diff --mine; the
# workshop's help says what each does). A practice copy starts as the previous
# step's tail_merge.cpp with tests/practice/<stage>.todo at its top and .stubs
# at its end; `check` links it with the stage's tests (practice_check_<stage>,
# tests/CMakeLists.txt), and `hint` reads tests/practice/<stage>.hints. The
# copy's directory keeps the first claim that failed (.failing) and the hints
# shown (.hints). PRACTICE_DIR=DIR keeps the copies in DIR, not practice/;
# PRESET=NAME builds in build/NAME, BUILD_DIR=DIR in DIR, already configured.
set -euo pipefail
cd "$(dirname "$0")/../.."
source common/tools/workshop_lib.sh

practice_dir=${PRACTICE_DIR:-practice}
preset=${PRESET:-default}
build_dir=${BUILD_DIR:-build/$preset}

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
  rm -f "$dir/.failing" "$dir/.hints"
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
  grep -qs "practice_check_" "$build_dir/build.ninja" "$build_dir/Makefile" || cmake "$build_dir" >/dev/null
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

# One line after the compiler's own for each error coroutines are known for
# (g++'s and clang++'s wording), matched on its message in LOG.
explain_compiler_errors() {
  local log=$1
  explain() { grep -q -E "$1" "$log" && echo "why: $2"; }
  explain 'await expressions are not permitted in handlers|cannot be used in the handler of a try block' \
    "co_await may not appear inside a catch block (C++ forbids it): catch into a variable (an empty std::optional, a std::exception_ptr) and co_await after the try"
  explain 'await_transform|invalid use of void expression' \
    "co_await takes an awaitable: the result of a coroutine (awaitable<T>) or of an Asio operation given use_awaitable. A blocking function returns its result directly: call it, or hand it to a pool with asyncio::run_in_executor"
  explain 'no return statement in function returning non-void' \
    "a function returning awaitable<...> is a coroutine only if its body uses co_await or co_return: end it with co_return; (without one it returns nothing at all, and crashes)"
  explain 'unable to find the promise type|is not a coroutine|co_(await|return).*(in a function|outside)' \
    "co_await and co_return only work in a coroutine, a function that returns awaitable<...>; a blocking function cannot await"
  explain "(could not convert|no viable conversion).* (to|type) .*awaitable<" \
    "a coroutine hands back its value with co_return, not return"
  explain "(could not convert|no viable conversion|no matching function).*optional<" \
    "an std::optional where a value is expected: test that it holds one, then take the value with *line"
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
  explain_compiler_errors "$log"
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

# Did the test program crash (a signal, doctest's crash report, a sanitizer)?
crashed() {
  [ "$2" -gt 128 ] && [ "$2" != 124 ] && return 0
  printf '%s\n' "$1" | grep -q -E 'CRASHED|ERROR: AddressSanitizer|runtime error:'
}

# explain_crash EXE TEST OUTPUT MINE: what crashed, where in the
# participant's file MINE (the test run again under gdb, where there is one),
# and the usual cause in coroutine code. Never a test file as the place.
explain_crash() {
  local exe=$1 name=$2 output=$3 mine=$4 signal frames=""
  signal=$(printf '%s\n' "$output" | sed -n 's/.*CRASHED: \(SIG[A-Z]*\).*/\1/p' | head -n 1)
  echo "your code crashed (${signal:-a signal}): it used memory that was gone, or a coroutine ran on after what it refers to had died"
  if [ -n "$mine" ] && command -v gdb >/dev/null; then
    frames=$(timeout 120 gdb -q -batch -ex 'set pagination off' -ex run -ex bt --args "$exe" --no-breaks \
      --test-case="$(filter "$name")" 2>/dev/null | grep -F " at $mine:" | head -n 3 |
      sed 's/.* at \(.*\)$/\1/')
  fi
  if [ -n "$frames" ]; then
    printf '%s\n' "$frames" | sed 's/^/where: /'
  else
    echo "where: not in your file's own frames (it crashed inside a library call your code made; gdb shows more)"
  fi
  echo "usual cause: a lambda coroutine whose captures outlive the lambda ([&]() -> awaitable<void> {...}() dies at the end of its statement, while the coroutine goes on using what it captured), or a reference to a local of a frame that has returned. Pass what a coroutine needs as parameters of a coroutine function: they are copied into its frame (common/asyncio.hpp, run_coroutine_threadsafe)"
  echo "or g++ 12's own trap: a temporary with a destructor made inside a co_await expression (a lambda with captures passed to run_in_executor, co_await f(Type{...})) is destroyed twice; give it a name on a line of its own, then co_await f(name) (common/asyncio.hpp, run_in_executor)"
}

# Runs each test case of `exe` on its own; prints each claim with whether it
# holds and, for one that does not, its hints: the exception it threw (a stub
# says which TODO to start with), then each of the test's own (a check's
# "hint: ..." message, a hang guard's "hint: ..." line), else its first
# error. A hint already shown for the claim before is not repeated. MINE,
# the participant's file (none for the reference), is where a crash is shown.
report() {
  local exe=$1 mine=${2:-} passed=0 total=0 name output code hints shown="" hint crash_hints="" hangs=0
  first_failing=""
  local names
  mapfile -t names < <("$exe" --list-test-cases | sed -n '/^====/,/^====/p' | sed '1d;$d')
  for name in "${names[@]}"; do
    total=$((total + 1))
    if [ $hangs -ge 2 ]; then # the copy hangs: the other claims would only wait as long
      echo "  FAIL  $name"
      echo "        (not run: two claims before it never ended)"
      continue
    fi
    code=0
    # SIGTERM first; a copy that catches it (the stages drain on SIGTERM) and
    # goes on is killed 5 s later. Either way it never ended: 124.
    output=$(timeout --kill-after=5 30 "$exe" --test-case="$(filter "$name")" 2>&1) || code=$?
    [ $code != 137 ] || code=124
    [ $code != 124 ] || hangs=$((hangs + 1))
    if [ $code = 0 ]; then
      passed=$((passed + 1))
      echo "  PASS  $name"
      continue
    fi
    echo "  FAIL  $name"
    [ -n "$first_failing" ] || first_failing=$name
    # An exception first: a check that threw says nothing about its own claim.
    hints=$(
      printf '%s\n' "$output" | sed -n 's/.*THREW exception: "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' | head -n 1
      # The causes before the symptoms: a wrong merged output is what many mistakes lead to.
      printf '%s\n' "$output" | sed -n 's/.*logged: hint: //p; s/^hint: //p' | awk '!seen[$0]++' |
        awk '/^the (merged )?output (is not right|does not hold)/ { late[n++] = $0; next } { print }
             END { for (i = 0; i < n; i++) print late[i] }' | head -n 3
    )
    [ $code != 124 ] || hints="it never ended (stopped after 30 s): a loop that nobody runs, or a thread waiting for itself?"
    if [ "$(printf '%s\n' "$hints" | head -n 1)" = "no new data" ]; then
      hints="common::NoNewData escaped from your tail loop: readline throws it whenever no whole line is there yet, so the loop catches it around the readline (and only it), then waits for data after the try"
    fi
    if crashed "$output" "$code"; then
      # Once per check: gdb takes a while, and the cause is the same.
      [ -n "$crash_hints" ] || crash_hints=$(explain_crash "$exe" "$name" "$output" "$mine")
      hints=$crash_hints
    fi
    # The test's own words, without the test source's file and line.
    [ -n "$hints" ] || hints=$(printf '%s\n' "$output" | grep -m 1 -E 'ERROR|error' | sed 's/^[^ ]*:[0-9]*: //' ||
      echo "exit code $code")
    if [ "$hints" = "$shown" ]; then
      echo "        (the same hint)"
    else
      while IFS= read -r hint; do echo "        hint: $hint"; done <<<"$hints"
    fi
    shown=$hints
  done
  echo "$passed of $total claims hold."
  [ $passed = "$total" ]
}

check_once() {
  local stage=$1 reference=$2 status=0
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
  first_failing=""
  if ! build_or_explain "practice_check_$stage"; then
    first_failing="(it does not build)"
    status=1
  else
    report "$build_dir/practice/$stage/practice_check_$stage" "$(realpath "$practice_dir/$stage/tail_merge.cpp")" ||
      status=1
  fi
  # The claim, after the checksum of the copy it was found in.
  printf '%s\n%s\n' "$(cksum <"$practice_dir/$stage/tail_merge.cpp")" "$first_failing" >"$practice_dir/$stage/.failing"
  local used
  used=0
  [ ! -f "$practice_dir/$stage/.hints" ] || used=$(wc -l <"$practice_dir/$stage/.hints")
  if [ $status != 0 ]; then
    echo "Hints used: $used. Stuck? ./workshop hint ${stage:5:1} tells a little more about the first failing claim."
  elif [ "$used" != 0 ]; then
    echo "Hints used: $used."
  fi
  return $status
}

# hint_for HINTS CLAIM LEVEL: the section of HINTS for CLAIM ("## TEXT" whose
# TEXT is in the claim's name, else "## *"), and its LEVELth line; printed
# as "COUNT<TAB>LINE", COUNT being how many hints the section has.
hint_for() {
  awk -v claim="$2" -v level="$3" '
    /^## / { key = substr($0, 4); keys[++n] = key; next }
    /^#/ || key == "" { next }
    { count[key]++; if (count[key] == level) line[key] = $0 }
    END {
      chosen = "*"
      for (i = 1; i <= n; i++) if (keys[i] != "*" && index(claim, keys[i]) > 0) { chosen = keys[i]; break }
      printf "%d\t%s\n", count[chosen], line[chosen]
    }' "$1"
}

hint() {
  local stage dir claim count text level
  stage=$(exercise_stage "${1:-}")
  dir=$practice_dir/$stage
  [ -f "$dir/tail_merge.cpp" ] || { echo "workshop: no practice copy of $stage yet: ./workshop exercise ${stage:5:1}" >&2; exit 2; }
  if [ "$(head -n 1 "$dir/.failing" 2>/dev/null)" != "$(cksum <"$dir/tail_merge.cpp")" ]; then
    say "checking your copy first, to know which claim fails"
    configure
    check_once "$stage" "" >/dev/null 2>&1 || true
  fi
  claim=$(sed -n 2p "$dir/.failing")
  if [ -z "$claim" ]; then
    say "every claim holds: no hint needed. Now read ${stage}/README.md, or compare: ./workshop diff --mine ${stage:5:1}"
    return 0
  fi
  if [ "$claim" = "(it does not build)" ]; then
    echo "Your copy does not build yet: ./workshop check ${stage:5:1} shows the compiler's first errors, each with a line on what it usually means in coroutine code."
    return 0
  fi
  level=$(($(grep -c -F -x "$claim" "$dir/.hints" 2>/dev/null || true) + 1))
  IFS=$'\t' read -r count text < <(hint_for "tests/practice/$stage.hints" "$claim" "$level")
  if [ "$level" -gt "$count" ]; then
    echo "No more hints for \"$claim\": that was all $count. ${stage}/README.md walks the step; ./workshop diff --mine ${stage:5:1} shows the reference against your copy."
    return 0
  fi
  printf '%s\n' "$claim" >>"$dir/.hints"
  echo "Hint $level of $count for \"$claim\":"
  echo "$text" | fold -s -w 96 | sed 's/^/  /'
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
  hint) hint "$@" ;;
  reset) reset "$@" ;;
  diff) diff_mine "$@" ;;
  *)
    echo "workshop: practice: unknown command '$command' (exercise, check, hint, reset, diff)" >&2
    exit 2
    ;;
esac
