#!/usr/bin/env bash
# Practice mode (./workshop exercise, check, hint, reset, diff --mine, lang;
# the workshop's help says what each does). A practice copy starts as the
# previous step's tail_merge.cpp with tests/practice/<lang>/<stage>.todo at its
# top and .stubs at its end; `check` links it with the stage's tests
# (practice_check_<stage>, tests/CMakeLists.txt), and `hint` reads
# tests/practice/<lang>/<stage>.hints. Every sentence it prints is in
# tests/practice/<lang>/messages, and the tests' hints it shows in
# claim_hints (the tests read WORKSHOP_LANG). The copy's directory keeps the
# first claim that failed (.failing) and the hints shown (.hints); the
# practice directory keeps the language chosen (.lang). PRACTICE_DIR=DIR keeps the copies in DIR,
# not practice/; PRESET=NAME builds in build/NAME, BUILD_DIR=DIR in DIR,
# already configured.
set -euo pipefail
cd "$(dirname "$0")/../.."
source common/tools/workshop_lib.sh

practice_dir=${PRACTICE_DIR:-practice}
preset=${PRESET:-default}
build_dir=${BUILD_DIR:-build/$preset}

# The language: --lang LANG for one command (taken out of the arguments),
# else the one `./workshop lang` kept, else Korean where the locale is Korean,
# else English.
lang="" arguments=()
while [ $# -gt 0 ]; do
  case $1 in
    --lang) lang=${2:-} && shift 2 || shift ;;
    --lang=*) lang=${1#--lang=} && shift ;;
    *) arguments+=("$1") && shift ;;
  esac
done
set -- ${arguments[@]+"${arguments[@]}"}
[ -n "$lang" ] || lang=$(cat "$practice_dir/.lang" 2>/dev/null || true)
if [ -z "$lang" ]; then
  case ${LC_ALL:-${LC_MESSAGES:-${LANG:-}}} in ko*) lang=ko ;; *) lang=en ;; esac
fi
if [ ! -f "tests/practice/$lang/messages" ]; then
  echo "workshop: practice mode speaks en or ko, not '$lang'" >&2
  exit 2
fi
texts=tests/practice/$lang
# The tests give their hints in the same language (tests/hints.hpp).
export WORKSHOP_LANG=$lang
# The hints of a wrong merged output, shown after the others: what they
# begin with (up to the first %s).
late_hints=$(awk -F '\t' '$1 == "merge_wrong" || $1 == "lines_missing" { sub(/%s.*/, "", $2); print $2 }' \
  "$texts/claim_hints")

# msg KEY [VALUE...]: the sentence KEY of $texts/messages, each %s filled in
# with the next VALUE.
msg() {
  local key=$1 text
  shift
  text=$(awk -F '\t' -v key="$key" '$1 == key { print $2; exit }' "$texts/messages")
  # shellcheck disable=SC2059 # the catalogue's text is the format
  printf "$text\n" "$@"
}
hint_label=$(msg hint_label) # before each hint check shows

# The stage of exercise N; stage 1 is where the migration starts.
exercise_stage() {
  local stage
  if ! stage=$(stage_dir "${1:-}" 2>/dev/null); then
    msg no_such_stage "${1:-}" >&2
    exit 2
  fi
  if [ "$stage" = stage1_threads ]; then
    msg no_stage_1 >&2
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
    cat "$texts/$stage.todo"
    echo
    cat "$(previous_stage "$stage")/tail_merge.cpp"
    echo
    cat "$texts/$stage.stubs"
  } >"$dir/tail_merge.cpp"
}

exercise() {
  local stage force=""
  for arg in "$@"; do
    if [ "$arg" = --force ]; then force=1; else stage=$(exercise_stage "$arg"); fi
  done
  [ -n "${stage:-}" ] || { msg exercise_which >&2; exit 2; }
  local dir=$practice_dir/$stage n=${stage:5:1}
  if [ -f "$dir/tail_merge.cpp" ] && [ -z "$force" ]; then
    say "$(msg work_kept "$dir/tail_merge.cpp")"
    say "$(msg check_or_reset "$n" "$n")"
    return 0
  fi
  if [ -f "$dir/tail_merge.cpp" ]; then
    mv "$dir/tail_merge.cpp" "$dir/tail_merge.cpp.previous"
    say "$(msg copy_kept "$dir/tail_merge.cpp.previous")"
  fi
  write_exercise "$stage"
  say "$(msg exercise_written "$dir/tail_merge.cpp" "$(previous_stage "$stage")")"
  say "$(msg exercise_next "$n" "$n")"
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
    printf '#line 1 "%s"\n' "$(absolute "$source")"
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
  explain() { grep -q -E "$1" "$log" && echo "why: $(msg "$2")"; }
  explain 'await expressions are not permitted in handlers|cannot be used in the handler of a try block' why_catch
  explain 'await_transform|invalid use of void expression' why_await_transform
  explain 'no return statement in function returning non-void' why_no_return
  explain 'unable to find the promise type|is not a coroutine|co_(await|return).*(in a function|outside)' \
    why_not_coroutine
  explain "(could not convert|no viable conversion).* (to|type) .*awaitable<" why_co_return
  explain "(could not convert|no viable conversion|no matching function).*optional<" why_optional
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
  msg does_not_build
  grep -E ': (error|fatal error):|undefined reference|note: +candidate' "$log" | head -n 20 | sed 's/^/  /'
  explain_compiler_errors "$log"
  local missing
  missing=$(sed -n "s/.*undefined reference to \`\(tail_merge::[A-Za-z_:]*\).*/\1/p" "$log" | sort -u)
  for name in $missing; do
    msg undefined "$name"
  done
  msg build_output "$log"
  return 1
}

# doctest's filter syntax: ',' and '\' are escaped with '\'.
filter() {
  printf '%s' "$1" | sed 's/[\\,]/\\&/g'
}

# Did the test program crash (a signal, doctest's crash report, a sanitizer)?
crashed() {
  [ "$2" != 124 ] || return 1 # it never ended: stopped by the time limit, not a crash
  [ "$2" -gt 128 ] && return 0
  printf '%s\n' "$1" | grep -q -E 'CRASHED|ERROR: AddressSanitizer|runtime error:'
}

# explain_crash EXE TEST OUTPUT MINE: what crashed, where in the
# participant's file MINE (the test run again under gdb, where there is one),
# and the usual cause in coroutine code. Never a test file as the place.
explain_crash() {
  local exe=$1 name=$2 output=$3 mine=$4 signal frames=""
  signal=$(printf '%s\n' "$output" | sed -n 's/.*CRASHED: \(SIG[A-Z]*\).*/\1/p' | head -n 1)
  msg crashed "${signal:-$(msg a_signal)}"
  if [ -n "$mine" ] && command -v gdb >/dev/null; then
    frames=$(limited 120 gdb -q -batch -ex 'set pagination off' -ex run -ex bt --args "$exe" --no-breaks \
      --test-case="$(filter "$name")" 2>/dev/null | grep -F " at $mine:" | head -n 3 |
      sed 's/.* at \(.*\)$/\1/')
  fi
  if [ -n "$frames" ]; then
    printf '%s\n' "$frames" | sed 's/^/where: /'
  else
    msg crash_not_yours
  fi
  msg crash_cause
  msg crash_gcc
  msg crash_race
}

# The claim NAME (its test case's name, in English) in the chosen language.
claim_name() {
  local shown=""
  [ ! -f "$texts/claims" ] || shown=$(awk -F '\t' -v name="$1" '$1 == name { print $2; exit }' "$texts/claims")
  printf '%s\n' "${shown:-$1}"
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
  local names=()
  while IFS= read -r name; do names+=("$name"); done < <("$exe" --list-test-cases | sed -n '/^====/,/^====/p' | sed '1d;$d')
  for name in ${names[@]+"${names[@]}"}; do
    total=$((total + 1))
    if [ $hangs -ge 2 ]; then # the copy hangs: the other claims would only wait as long
      echo "  FAIL  $(claim_name "$name")"
      echo "        $(msg not_run)"
      continue
    fi
    code=0
    # SIGTERM first; a copy that catches it (the stages drain on SIGTERM) and
    # goes on is killed 5 s later. Either way it never ended: 124.
    output=$(limited 30 "$exe" --test-case="$(filter "$name")" 2>&1) || code=$?
    [ $code != 137 ] || code=124
    [ $code != 124 ] || hangs=$((hangs + 1))
    if [ $code = 0 ]; then
      passed=$((passed + 1))
      echo "  PASS  $(claim_name "$name")"
      continue
    fi
    echo "  FAIL  $(claim_name "$name")"
    [ -n "$first_failing" ] || first_failing=$name
    # An exception first: a check that threw says nothing about its own claim.
    hints=$(
      printf '%s\n' "$output" | sed -n 's/.*THREW exception: "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' | head -n 1
      # The causes before the symptoms: a wrong merged output is what many mistakes lead to.
      printf '%s\n' "$output" | sed -n 's/.*logged: hint: //p; s/^hint: //p' | awk '!seen[$0]++' |
        awk -v late="$late_hints" 'BEGIN { split(late, prefixes, "\n") }
             { for (i in prefixes) if (index($0, prefixes[i]) == 1) { later[n++] = $0; next } print }
             END { for (i = 0; i < n; i++) print later[i] }' | head -n 3
    )
    [ $code != 124 ] || hints=$(msg never_ended)
    if [ "$(printf '%s\n' "$hints" | head -n 1)" = "no new data" ]; then
      hints=$(msg no_new_data)
    fi
    if crashed "$output" "$code"; then
      # Once per check: gdb takes a while, and the cause is the same.
      [ -n "$crash_hints" ] || crash_hints=$(explain_crash "$exe" "$name" "$output" "$mine")
      hints=$crash_hints
    fi
    # A check without a hint: its expression, without the test source's file and line.
    if [ -z "$hints" ]; then
      hints=$(printf '%s\n' "$output" | grep -m 1 -E 'ERROR|error' |
        sed 's/^[^ ]*:[0-9]*: //; s/^ERROR: //; s/ is NOT correct!$//' || true)
      if [ -n "$hints" ]; then hints=$(msg failed_check "$hints"); else hints=$(msg exit_code "$code"); fi
    fi
    if [ "$hints" = "$shown" ]; then
      echo "        $(msg same_hint)"
    else
      while IFS= read -r hint; do echo "        $hint_label: $hint"; done <<<"$hints"
    fi
    shown=$hints
  done
  msg claims_hold "$passed" "$total"
  [ $passed = "$total" ]
}

check_once() {
  local stage=$1 reference=$2 status=0
  if [ -n "$reference" ]; then
    say "$(msg checking_reference "$stage")"
    cmake --build "$build_dir" --target "test_$stage" >/dev/null
    report "$build_dir/tests/test_$stage"
    return
  fi
  if [ ! -f "$practice_dir/$stage/tail_merge.cpp" ]; then
    msg no_copy "$stage" "${stage:5:1}" >&2
    return 2
  fi
  copy_into_build "$stage"
  say "$(msg checking_copy "$practice_dir/$stage/tail_merge.cpp" "$stage")"
  first_failing=""
  if ! build_or_explain "practice_check_$stage"; then
    first_failing="(it does not build)"
    status=1
  else
    report "$build_dir/practice/$stage/practice_check_$stage" "$(absolute "$practice_dir/$stage/tail_merge.cpp")" ||
      status=1
  fi
  # The claim, after the checksum of the copy it was found in.
  printf '%s\n%s\n' "$(cksum <"$practice_dir/$stage/tail_merge.cpp")" "$first_failing" >"$practice_dir/$stage/.failing"
  local used
  used=0
  [ ! -f "$practice_dir/$stage/.hints" ] || used=$(wc -l <"$practice_dir/$stage/.hints")
  if [ "$first_failing" = "(it does not build)" ]; then
    msg fix_the_build
  elif [ $status != 0 ]; then
    msg hints_used_stuck "$used" "${stage:5:1}"
  else
    [ "$used" = 0 ] || msg hints_used "$used"
    msg next_step "$stage" "${stage:5:1}"
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
  [ -f "$dir/tail_merge.cpp" ] || { msg no_copy "$stage" "${stage:5:1}" >&2; exit 2; }
  if [ "$(head -n 1 "$dir/.failing" 2>/dev/null)" != "$(cksum <"$dir/tail_merge.cpp")" ]; then
    say "$(msg checking_first)"
    configure
    check_once "$stage" "" >/dev/null 2>&1 || true
  fi
  claim=$(sed -n 2p "$dir/.failing")
  if [ -z "$claim" ]; then
    say "$(msg all_hold "$stage" "${stage:5:1}")"
    return 0
  fi
  if [ "$claim" = "(it does not build)" ]; then
    msg copy_does_not_build "${stage:5:1}"
    return 0
  fi
  level=$(($(grep -c -F -x "$claim" "$dir/.hints" 2>/dev/null || true) + 1))
  IFS=$'\t' read -r count text < <(hint_for "$texts/$stage.hints" "$claim" "$level")
  if [ "$level" -gt "$count" ]; then
    msg no_more_hints "$(claim_name "$claim")" "$count" "$stage" "${stage:5:1}"
    return 0
  fi
  printf '%s\n' "$claim" >>"$dir/.hints"
  msg hint_heading "$level" "$count" "$(claim_name "$claim")"
  echo "$text" | fmt -s -w 96 | sed 's/^/  /'
}

check() {
  local stage="" watch="" reference=""
  for arg in "$@"; do
    case $arg in
      --watch) watch=1 ;;
      --reference) reference=1 ;;
      -*)
        msg check_unknown_option "$arg" >&2
        exit 2
        ;;
      *) stage=$(exercise_stage "$arg") ;;
    esac
  done
  [ -n "$stage" ] || { msg check_which >&2; exit 2; }
  configure
  if [ -z "$watch" ]; then
    check_once "$stage" "$reference"
    return
  fi
  local file=$practice_dir/$stage/tail_merge.cpp seen
  while :; do
    seen=$(cksum <"$file" 2>/dev/null || echo none) # what it holds: a save that changes nothing is no change
    check_once "$stage" "$reference" || true
    say "$(msg watching "$file")"
    while [ "$(cksum <"$file" 2>/dev/null || echo none)" = "$seen" ]; do sleep 0.5; done
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
  [ -f "$mine" ] || { msg no_copy "$stage" "${stage:5:1}" >&2; exit 2; }
  # The TODO list at the top of the copy is not code: left out while it is
  # there as it was written (in either language), with the line after it.
  local todo lines from=1
  for todo in tests/practice/*/"$stage.todo"; do
    lines=$(wc -l <"$todo")
    if head -n "$lines" "$mine" | cmp -s - "$todo"; then
      from=$((lines + 2))
      break
    fi
  done
  local color="" # GNU diff's colours, where diff has them
  if diff --color=auto /dev/null /dev/null >/dev/null 2>&1; then color=--color=auto; fi
  tail -n +"$from" "$mine" | diff -u $color --label "$stage/tail_merge.cpp $(msg the_reference)" \
    --label "$mine $(msg yours)" "$stage/tail_merge.cpp" - || true
}

# ./workshop lang [en|ko]: keeps the language for every later command, or
# says which it is.
choose_language() {
  if [ -n "${1:-}" ]; then
    [ -f "tests/practice/$1/messages" ] || { msg lang_unknown "$1" >&2; exit 2; }
    mkdir -p "$practice_dir"
    echo "$1" >"$practice_dir/.lang"
    texts=tests/practice/$1
    msg lang_set
  else
    msg lang_is
  fi
}

command=${1:-}
shift || true
case "$command" in
  exercise) exercise "$@" ;;
  check) check "$@" ;;
  hint) hint "$@" ;;
  reset) reset "$@" ;;
  diff) diff_mine "$@" ;;
  lang) choose_language "$@" ;;
  *)
    msg unknown_command "$command" >&2
    exit 2
    ;;
esac
