#!/usr/bin/env bash
# ./workshop diff A B [--side-by-side]   what one step changed (A, B: 1-5 or stage directory names)
# ./workshop diff --html FILE            one offline page with every step's diff, side by side
set -euo pipefail
cd "$(dirname "$0")/../.."
source common/tools/workshop_lib.sh

# One sentence per step, for the headings of the diff page.
step_sentence() {
  case "$1 $2" in
    "stage1_threads stage2_mixed") echo "Top-down, first step: the top level becomes a coroutine; the unchanged blocking tails run on a thread pool, and every write hops back to the event loop instead of taking a mutex." ;;
    "stage2_mixed stage3_coroutines") echo "Top-down, second step: the tail loop itself becomes a coroutine; only the blocking readline still runs on the pool." ;;
    "stage3_coroutines stage4_bottom_up") echo "Bottom-up instead: the coroutine tail_async stays, and the old thread-based top level returns, each thread driving an event loop of its own." ;;
    "stage1_threads stage4_bottom_up") echo "Bottom-up, seen from the start: run_threads is untouched, and tail_file becomes a wrapper that runs the coroutine tail_async on the thread's own loop." ;;
    "stage3_coroutines stage5_nonblocking") echo "No blocking call left on the loop: the output file moves to a writer thread with its own loop, and the tails await their writes there." ;;
    *) echo "From $1 to $2." ;;
  esac
}

html_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'; }

# A side-by-side HTML table of two versions of a file, from diff's unified
# output with the whole file as context: removed lines on the left, added on
# the right, paired up where a block was changed.
side_by_side_html() {
  { diff -U 100000 "$1" "$2" || true; } | tail -n +3 | html_escape | awk '
    function flush(   i, n) {
      n = nm > np ? nm : np
      for (i = 1; i <= n; i++) {
        printf "<tr><td class=\"%s\">%s</td><td class=\"%s\">%s</td></tr>\n",
          (i <= nm ? "del" : "none"), (i <= nm ? minus[i] : ""), (i <= np ? "add" : "none"), (i <= np ? plus[i] : "")
      }
      nm = 0; np = 0
    }
    /^@@/ { next }
    /^-/ { minus[++nm] = substr($0, 2); next }
    /^\+/ { plus[++np] = substr($0, 2); next }
    /^\\/ { next }
    { flush(); line = substr($0, 2); printf "<tr><td>%s</td><td>%s</td></tr>\n", line, line }
    END { flush() }'
}

diff_html() {
  local out=$1 pair a b f
  {
    cat <<'HTML'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Tail and merge: what each step changed</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
h2 { margin-top: 2.5em; border-bottom: 2px solid #888; }
h3 { font-family: monospace; margin-bottom: .3em; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; font-family: monospace; font-size: 12px; }
td { white-space: pre-wrap; vertical-align: top; padding: 0 .5em; border-left: 1px solid #ddd; width: 50%; }
td.del { background: #fdd; } td.add { background: #dfd; } td.none { background: #f4f4f4; }
th { text-align: left; font-family: monospace; background: #eee; padding: .2em .5em; }
.same { color: #666; }
</style></head><body>
<h1>Tail and merge: what each step changed</h1>
<p>Each section compares two stage directories file by file: the earlier stage on the left, the later one on the
right; removed lines are red, added lines green. Files that did not change are listed, not shown.</p>
HTML
    for pair in "stage1_threads stage2_mixed" "stage2_mixed stage3_coroutines" "stage3_coroutines stage4_bottom_up" \
      "stage1_threads stage4_bottom_up" "stage3_coroutines stage5_nonblocking"; do
      set -- $pair
      a=$1 b=$2
      [ -d "$a" ] && [ -d "$b" ] || continue
      echo "<h2>$a &rarr; $b</h2>"
      echo "<p>$(step_sentence "$a" "$b" | html_escape)</p>"
      local same=()
      for f in CMakeLists.txt main.cpp tail_merge.hpp tail_merge.cpp; do
        if cmp -s "$a/$f" "$b/$f"; then
          same+=("$f")
          continue
        fi
        echo "<h3>$f</h3>"
        echo "<table><tr><th>$a/$f</th><th>$b/$f</th></tr>"
        side_by_side_html "$a/$f" "$b/$f"
        echo "</table>"
      done
      [ ${#same[@]} = 0 ] || echo "<p class=\"same\">Unchanged: ${same[*]}</p>"
    done
    echo "</body></html>"
  } >"$out.tmp"
  mv "$out.tmp" "$out"
  say "wrote $out"
}

if [ "${1:-}" = --html ]; then
  [ -n "${2:-}" ] || { echo "usage: ./workshop diff --html FILE" >&2; exit 2; }
  diff_html "$2"
  exit 0
fi
[ $# -ge 2 ] || { echo "usage: ./workshop diff A B [--side-by-side]   (A, B: 1-5 or stage directory names)" >&2; exit 2; }
a=$(stage_dir "$1")
b=$(stage_dir "$2")
color=never
[ -t 1 ] && color=always
echo "$(step_sentence "$a" "$b")"
echo
if [ "${3:-}" = --side-by-side ]; then
  width=$(tput cols 2>/dev/null || echo 200)
  for f in CMakeLists.txt main.cpp tail_merge.hpp tail_merge.cpp; do
    cmp -s "$a/$f" "$b/$f" && continue
    printf '=== %s/%s | %s/%s\n' "$a" "$f" "$b" "$f"
    diff --side-by-side --expand-tabs --width="$width" --color="$color" "$a/$f" "$b/$f" || true
  done
else
  diff -ru --exclude=README.md --color="$color" "$a" "$b" || true
fi
