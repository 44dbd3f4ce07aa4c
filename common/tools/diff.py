"""./workshop diff A B [--side-by-side]   what one step changed (A, B: 1-5, stage directory names, or
                                       a variant beyond the book: ./workshop diff 5 task_group)
./workshop diff --python N             stage N's Python twin beside its C++, function by function
./workshop diff --html [FILE]          one offline page with every step's diff, side by side
                                       (default: build/steps.html)
The options may come in any position. The terminal's diff is diff(1); the
page is drawn by Python's difflib.
"""
import difflib
import filecmp
import html
import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import toolkit
import twins

FILES = ("CMakeLists.txt", "main.cpp", "tail_merge.hpp", "tail_merge.cpp")
STAGES = ("stage1_threads", "stage2_mixed", "stage3_coroutines", "stage4_bottom_up", "stage5_nonblocking")
USAGE = "usage: ./workshop diff A B [--side-by-side]   (A, B: 1-5, stage directory names, task_group or io_uring)\n"


def steps(lang="en"):
    """Each step of the page, in order, with the sentence that heads it:
    tests/practice/<lang>/steps (("other",): the sentence of any other pair)."""
    table = {}
    for line in toolkit.read_text(Path("tests/practice", lang, "steps")).splitlines():
        if line and not line.startswith("#"):
            key, text = line.split("\t", 1)
            table[tuple(key.split(" "))] = text
    return table


def step_dir(name):
    """A stage (1-5 or its directory's name), or a variant under beyond/ by its name."""
    variant = name.removeprefix("beyond/")
    if variant and Path("beyond", variant, "tail_merge.cpp").is_file():
        return f"beyond/{variant}"
    for stage in STAGES:
        if name == stage or f"stage{name}" == stage.split("_")[0]:
            return stage
    raise toolkit.Failure(name, f"no such stage (use 1-5 or a directory name: {' '.join(STAGES)}, task_group or io_uring)")


def page(out):
    """Every step, each changed file side by side, as one offline page."""
    differ = difflib.HtmlDiff(tabsize=2, wrapcolumn=80)  # two columns side by side on a laptop screen
    parts = ["<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Tail and merge: what each step "
             "changed</title>\n<style>\nbody { font-family: sans-serif; margin: 2em; color: #222; }\n"
             "h2 { margin-top: 2.5em; border-bottom: 2px solid #888; } h3 { font-family: monospace; }\n"
             "table.diff { border-collapse: collapse; width: 100%; font-family: monospace; font-size: 12px; }\n"
             "td { white-space: pre-wrap; vertical-align: top; } td.diff_header { color: #999; text-align: right; }\n"
             ".diff_next { display: none; } .diff_add { background: #dfd; } .diff_chg { background: #ffa; }\n"
             ".diff_sub { background: #fdd; } .same { color: #666; }\n"
             "table.twins { border-collapse: collapse; width: 100%; table-layout: fixed; }\n"
             "table.twins th { text-align: left; font-family: monospace; background: #eee; padding: 4px; }\n"
             "table.twins td { width: 50%; border: 1px solid #ddd; padding: 0 6px; }\n"
             "table.twins pre { font-size: 12px; white-space: pre-wrap; margin: 4px 0; }\n</style></head><body>\n"
             "<h1>Tail and merge: what each step changed</h1>\n<p>Each section compares two stage directories file by "
             "file: the earlier stage on the left, the later one on the right; removed lines are red, added lines "
             "green, and within a changed line the part that changed is yellow. Files that did not change are "
             "listed, not shown.</p>\n<ul>\n"]
    pairs = {key: text for key, text in steps().items() if len(key) == 2}
    parts += [f"<li><a href=\"#{a}-{b}\">{a} &rarr; {b}</a>: {html.escape(text)}</li>\n"
              for (a, b), text in pairs.items()]
    parts.append("</ul>\n<p>Each stage's Python twin beside its C++: " +
                 " ".join(f"<a href=\"#twins-{stage}\">{stage}</a>" for stage in STAGES) + "</p>\n")
    for (a, b), text in pairs.items():
        if not (os.path.isdir(a) and os.path.isdir(b)):
            continue
        parts.append(f"<h2 id=\"{a}-{b}\">{a} &rarr; {b}</h2>\n<p>{html.escape(text)}</p>\n")
        same = [f for f in FILES if filecmp.cmp(f"{a}/{f}", f"{b}/{f}", shallow=False)]
        for f in FILES:
            if f not in same:
                old, new = (Path(d, f).read_text().splitlines() for d in (a, b))
                parts.append(f"<h3>{f}</h3>\n" + differ.make_table(old, new, f"{a}/{f}", f"{b}/{f}") + "\n")
        if same:
            parts.append(f"<p class=\"same\">Unchanged: {' '.join(same)}</p>\n")
        if b in STAGES:
            parts.append(f"<p><a href=\"#twins-{b}\">{b} in Python and C++, function by function</a></p>\n")
    for stage in STAGES:
        parts.append(f"<h2 id=\"twins-{stage}\">{stage}: Python | C++</h2>\n<p>The Python twin "
                     f"({stage}/tail_merge.py) on the left, the C++ on the right, one row per function.</p>\n"
                     "<table class=\"twins\">\n")
        for name, python, cpp in twins.rows(stage):
            cells = "".join(f"<td><pre>{html.escape(chr(10).join(lines)) if lines else '(none)'}</pre></td>"
                            for lines in (python, cpp))
            parts.append(f"<tr><th colspan=\"2\">{html.escape(name)}</th></tr>\n<tr>{cells}</tr>\n")
        parts.append("</table>\n")
    toolkit.write_all({out: "".join(parts) + "</body></html>\n"})
    toolkit.say(f"wrote {out}")


def terminal(a, b, side_by_side):
    colour = "always" if sys.stdout.isatty() else "never"
    if side_by_side:
        # Two columns as wide as the longest line, and the gutter: diff cuts
        # what does not fit without a mark, so a narrower terminal gets the page.
        longest = max(len(line) for d in (a, b) for f in FILES for line in Path(d, f).read_text().splitlines())
        needed, width = 2 * longest + 3, shutil.get_terminal_size().columns
        if width < needed:
            raise toolkit.Failure("--side-by-side", f"needs {needed} columns for these files (their longest line "
                                  f"has {longest} characters), and this terminal has {width}: widen it, or see "
                                  "every step side by side in a page: ./workshop diff --html")
    sentences = steps(toolkit.language())  # in the language practice mode speaks
    print(sentences.get((a, b), sentences[("other",)].replace("%s", a, 1).replace("%s", b, 1)), end="\n\n",
          flush=True)
    if not side_by_side:
        subprocess.run(["diff", "-ru", "--exclude=README.md", f"--color={colour}", a, b])
        return
    for f in FILES:
        if not filecmp.cmp(f"{a}/{f}", f"{b}/{f}", shallow=False):
            print(f"=== {a}/{f} | {b}/{f}", flush=True)
            subprocess.run(["diff", "--side-by-side", "--expand-tabs", f"--width={needed}", f"--color={colour}",
                            f"{a}/{f}", f"{b}/{f}"])


def python_beside_cpp(stage):
    """The stage's Python twin on the left, its C++ on the right, one row per
    function, matched by name; stacked, Python above C++, where the terminal
    is too narrow for both."""
    table = twins.rows(stage)
    left = max(len(line) for _, python, _ in table for line in python)
    right = max(len(line) for _, _, cpp in table for line in cpp)
    stacked = left + right + 3 > shutil.get_terminal_size().columns
    width = 40 if stacked else left + right + 3
    print(f"{stage}/tail_merge.py" + "\n" if stacked else f"{stage + '/tail_merge.py':<{left}} | ", end="")
    print(f"{stage}/tail_merge.cpp")
    for name, python, cpp in table:
        print(f"\n=== {name} " + "=" * max(3, width - len(name) - 5))
        python = python or ["(not in the Python twin)"]
        cpp = cpp or ["(not in the C++)"]
        if stacked:
            print("\n".join(python) + "\n" + "-" * 40 + "\n" + "\n".join(cpp))
        else:
            for a, b in itertools.zip_longest(python, cpp, fillvalue=""):
                print(f"{a:<{left}} | {b}".rstrip())


def main(arguments):
    os.chdir(Path(__file__).resolve().parents[2])
    positional = [a for a in arguments if not a.startswith("-") and not a.endswith(".html")]
    if "--python" in arguments:
        python_beside_cpp(step_dir(positional[0]))
    elif "--html" in arguments:
        out = next((a for a in arguments if a.endswith(".html")), "build/steps.html")
        os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
        page(out)
    else:
        terminal(step_dir(positional[0]), step_dir(positional[1]), "--side-by-side" in arguments)


def wrong_arguments(arguments):
    unknown = [a for a in arguments if a.startswith("-") and a not in ("--html", "--side-by-side", "--python")]
    if unknown:
        return f"unknown option {unknown[0]} (--side-by-side, --html [FILE], --python N, --mine N)"
    stages = len([a for a in arguments if not a.startswith("-")])
    if "--python" in arguments and (stages != 1 or len(arguments) != 2):
        return "--python takes one stage: ./workshop diff --python 3"
    if "--html" not in arguments and "--python" not in arguments and stages != 2:
        return ""
    return None


if __name__ == "__main__":
    toolkit.run("workshop diff", USAGE, wrong_arguments, main)
