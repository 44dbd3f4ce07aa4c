#!/usr/bin/env bash
# ./workshop diff A B [--side-by-side]   what one step changed (A, B: 1-5, stage directory names, or
#                                        a variant beyond the book: ./workshop diff 5 io_uring)
# ./workshop diff --html [FILE]          one offline page with every step's diff, side by side
#                                        (default: build/steps.html)
# Options may come in any position.
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
    "stage5_nonblocking beyond/io_uring") echo "Beyond the book: no read left on the thread pool either; each read goes to the kernel through io_uring, and the loop is called back with the bytes." ;;
    *) echo "From $1 to $2." ;;
  esac
}

# A side-by-side HTML table of two versions of a file, from diff's unified
# output with the whole file as context: removed lines on the left, added on
# the right, paired up where a block was changed, each side with its line
# numbers. Within a changed pair, the part that differs is highlighted (what
# lies between the common start and the common end of the two lines).
side_by_side_html() {
  { diff -U 100000 "$1" "$2" || true; } | tail -n +3 | awk '
    function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
    # A line with the part from `from` for `n` characters marked.
    function mark(s, from, n) {
      return esc(substr(s, 1, from - 1)) "<span class=\"chg\">" esc(substr(s, from, n)) "</span>" esc(substr(s, from + n))
    }
    function cell(number, text, class) {
      return sprintf("<td class=\"num\">%s</td><td class=\"%s\">%s</td>", number, class, text == "" ? " " : text)
    }
    function flush(   i, n, a, b, p, q, la, lb, left, right) {
      n = nm > np ? nm : np
      for (i = 1; i <= n; i++) {
        left = cell("", "", "none"); right = cell("", "", "none")
        if (i <= nm && i <= np) {
          a = minus[i]; b = plus[i]; la = length(a); lb = length(b)
          for (p = 1; p <= la && p <= lb && substr(a, p, 1) == substr(b, p, 1); p++) {}
          for (q = 0; q < la - p + 1 && q < lb - p + 1 && substr(a, la - q, 1) == substr(b, lb - q, 1); q++) {}
          left = cell(++ln, mark(a, p, la - q - p + 1), "del")
          right = cell(++rn, mark(b, p, lb - q - p + 1), "add")
        } else if (i <= nm) {
          left = cell(++ln, esc(minus[i]), "del")
        } else {
          right = cell(++rn, esc(plus[i]), "add")
        }
        printf "<tr>%s%s</tr>\n", left, right
      }
      nm = 0; np = 0
    }
    /^@@/ { next }
    /^-/ { minus[++nm] = substr($0, 2); next }
    /^\+/ { plus[++np] = substr($0, 2); next }
    /^\\/ { next }
    { flush(); line = esc(substr($0, 2)); printf "<tr>%s%s</tr>\n", cell(++ln, line, ""), cell(++rn, line, "") }
    END { flush() }'
}

html_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'; }

steps=("stage1_threads stage2_mixed" "stage2_mixed stage3_coroutines" "stage3_coroutines stage4_bottom_up"
  "stage1_threads stage4_bottom_up" "stage3_coroutines stage5_nonblocking" "stage5_nonblocking beyond/io_uring")

# A stage (1-5 or its directory's name), or a variant beyond the book by its
# directory's name under beyond/ (io_uring, or beyond/io_uring).
step_dir() {
  local name=${1#beyond/}
  if [ -n "$name" ] && [ -f "beyond/$name/tail_merge.cpp" ]; then
    echo "beyond/$name"
  else
    stage_dir "$1"
  fi
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
td { white-space: pre-wrap; vertical-align: top; padding: 0 .5em; }
td.num { width: 3em; text-align: right; color: #999; border-left: 1px solid #ddd; user-select: none; }
td.del { background: #fdd; } td.add { background: #dfd; } td.none { background: #f4f4f4; }
span.chg { font-weight: bold; } td.del span.chg { background: #f9a; } td.add span.chg { background: #8d8; }
th { text-align: left; font-family: monospace; background: #eee; padding: .2em .5em; }
.same { color: #666; }
</style></head><body>
<h1>Tail and merge: what each step changed</h1>
<p>Each section compares two stage directories file by file: the earlier stage on the left, the later one on the
right; removed lines are red, added lines green, and within a changed line the part that changed is darker. Files
that did not change are listed, not shown.</p>
HTML
    echo "<ul>"
    for pair in "${steps[@]}"; do
      set -- $pair
      echo "<li><a href=\"#$1-$2\">$1 &rarr; $2</a>: $(step_sentence "$1" "$2" | html_escape)</li>"
    done
    echo "</ul>"
    for pair in "${steps[@]}"; do
      set -- $pair
      a=$1 b=$2
      [ -d "$a" ] && [ -d "$b" ] || continue
      echo "<h2 id=\"$a-$b\">$a &rarr; $b</h2>"
      echo "<p>$(step_sentence "$a" "$b" | html_escape)</p>"
      local same=()
      for f in CMakeLists.txt main.cpp tail_merge.hpp tail_merge.cpp; do
        if cmp -s "$a/$f" "$b/$f"; then
          same+=("$f")
          continue
        fi
        echo "<h3>$f</h3>"
        echo "<table><colgroup><col style=\"width:3em\"><col><col style=\"width:3em\"><col></colgroup>"
        echo "<tr><th colspan=\"2\">$a/$f</th><th colspan=\"2\">$b/$f</th></tr>"
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

# The options may come anywhere.
html="" side_by_side="" positional=()
while [ $# -gt 0 ]; do
  case $1 in
    --html)
      html=build/steps.html
      if [ $# -gt 1 ] && [[ $2 != -* ]] && [[ $2 == *.html ]]; then
        html=$2
        shift
      fi
      ;;
    --side-by-side) side_by_side=1 ;;
    -*)
      echo "workshop: diff: unknown option $1 (--side-by-side, --html [FILE], --mine N)" >&2
      exit 2
      ;;
    *) positional+=("$1") ;;
  esac
  shift
done

if [ -n "$html" ]; then
  mkdir -p "$(dirname "$html")"
  diff_html "$html"
  exit 0
fi
[ ${#positional[@]} = 2 ] || {
  echo "usage: ./workshop diff A B [--side-by-side]   (A, B: 1-5, stage directory names, or io_uring)" >&2
  exit 2
}
a=$(step_dir "${positional[0]}")
b=$(step_dir "${positional[1]}")
files=(CMakeLists.txt main.cpp tail_merge.hpp tail_merge.cpp)
color=never
[ -t 1 ] && color=always
if [ -n "$side_by_side" ]; then
  # Two columns as wide as the longest line, and the gutter: diff cuts what
  # does not fit without a mark, so a narrower terminal gets the page instead.
  longest=$(cat "${files[@]/#/$a/}" "${files[@]/#/$b/}" |
    awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
  needed=$((2 * longest + 3))
  width=${COLUMNS:-$(tput cols 2>/dev/null || echo 80)}
  if [ "$width" -lt "$needed" ]; then
    echo "workshop: diff --side-by-side needs $needed columns for these files (their longest line has $longest" \
      "characters), and this terminal has $width: widen it, or see every step side by side in a page:" \
      "./workshop diff --html" >&2
    exit 2
  fi
fi
echo "$(step_sentence "$a" "$b")"
echo
if [ -n "$side_by_side" ]; then
  for f in "${files[@]}"; do
    cmp -s "$a/$f" "$b/$f" && continue
    printf '=== %s/%s | %s/%s\n' "$a" "$f" "$b" "$f"
    diff --side-by-side --expand-tabs --width="$needed" --color="$color" "$a/$f" "$b/$f" || true
  done
else
  diff -ru --exclude=README.md --color="$color" "$a" "$b" || true
fi
