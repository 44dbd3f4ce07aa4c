"""bench_report.py RESULTS_DIR OUT.md OUT.svg

Turns what `./workshop bench` collected into a Markdown report and a plot, and
checks the benchmark's targets: PASS, MISS or SKIP, each with its reason. The
script (bench.sh) only runs programs and writes down what happened; every
judgement is made here. Missed targets do not change the exit code: they are
the report's content.

RESULTS_DIR/bench.jsonl has one JSON object per line, every value a string
(numbers too, an empty one when missing); "record" says which kind it is:
  info   key, value: the machine and the run (system, cpu, cores, date, command,
         elapsed, binaries, total_lines, run_timeout, cat_method, build_method)
  run    kind, stage, files, lines, status, wall, stats, args, message: one
         program run. kind: sweep or ref (prefilled shapes), latency, idle, stall,
         small, latency-polling and idle-polling (inotify off). lines: per file.
         status: ok, failed, timeout or skipped. wall: seconds. stats: its --stats
         file (common/program/stage_main.cpp), relative to RESULTS_DIR. message:
         the last line of its stderr when it failed.
  cat    files, lines, status, timing, message: cat over the same inputs; timing
         is the JSON hyperfine exported
  build  step, status, wall, message: step is clean, demo, tsan1 or rebuild
  step   seconds, name: one of the slowest steps of the clean build
"""
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import toolkit
from toolkit import Failure

USAGE = "usage: bench_report.py RESULTS_DIR OUT.md OUT.svg\n"

# The targets. Lines per second of the book's Python version (Effective
# Python, items 62 and 63) on the two shapes it was measured on:
PYTHON = {  # stage: (5 files x 20,000 lines, 1,000 files x 100 lines)
    "stage1_threads": (50e3, 20.6e3), "stage2_mixed": (4.9e3, 4.9e3), "stage3_coroutines": (6.1e3, 12.3e3),
    "stage4_bottom_up": (2.7e3, 1.7e3), "stage5_nonblocking": (2.8e3, 4.4e3),
}
PYTHON_SHAPES = ((5, 20000), (1000, 100))
PYTHON_FACTOR = 20  # every stage at least 20 times Python
CAT_SHARE = 0.20  # stage 1 at least 20% of cat
MANY_FILES = 10000  # the thread and memory limits hold here
THREADS_ABOVE_POOL = 3  # main, the output writer, one spare
RSS_LIMIT_MIB = 100  # at 10,000 files
STOP_AT_ONCE_SECONDS = 15  # stage 2 failing at 10,000 files
STALL_LIMIT_MS = 20  # stage 5 with 100 ms writes
IDLE_LIMIT = 0.01  # CPU of one core, 1,000 idle files
MEDIAN_LIMIT_MS, P99_LIMIT_MS = 2, 10  # line latency, 100 writers
DRAIN_LIMIT_MS = 10  # from the last input closed to the merge's end
SMALL_RUN_LIMIT_MS = 40  # stage 1's whole process, 5 x 4,000 prefilled
BUILD_STEPS = {  # step: (what, limit in seconds)
    "clean": ("clean build of all targets", 60),
    "demo": ("a fresh `./workshop demo` to its five summary lines", 45),
    "tsan1": ("`./workshop test tsan 1` from nothing", 90),
    "rebuild": ("rebuild after touching stage3_coroutines/tail_merge.cpp", 10),
}
# Why a target is missed, for those this project knows it may miss on a small machine.
WHY = [
    (("stage2_mixed", "prefilled"), "every line is a round trip between its pool thread and the loop "
     "(run_coroutine_threadsafe, then future.get()), two thread wake-ups per line; see stage2_mixed/README.md"),
    (("stage5_nonblocking", "prefilled"), "every line awaits its write on the writer thread, a round trip "
     "between threads per line"),
    (("of cat",), "each line costs a std::string, a std::function call and a mutex shared by every tail "
     "thread; see stage1_threads/README.md"),
    (("RSS",), "each of the 10,000 handles buffers what it read and has not merged yet, and each tail's "
     "coroutine frame and pending write live until its input is drained"),
]
WHY += [((step,), "every file with coroutines spends seconds generating their code, and there are two cores")
        for step in ("build of all", "workshop demo", "workshop test tsan")]


@dataclass
class Run:
    kind: str
    stage: str
    files: int
    lines: int
    status: str
    wall: float
    args: str = ""
    message: str = ""
    stats: dict = field(default_factory=dict)

    def get(self, key):
        """A figure of its --stats, if it has it as a number."""
        value = self.stats.get(key)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass
class Results:
    info: dict = field(default_factory=dict)
    runs: list = field(default_factory=list)
    cats: dict = field(default_factory=dict)  # (files, lines): lines per second, or the outcome's text
    builds: dict = field(default_factory=dict)  # step: (status, seconds, message)
    slowest: list = field(default_factory=list)  # (seconds, name)
    stages: list = field(default_factory=list)  # in the order they first appear


def read_results(directory):
    path = Path(directory) / "bench.jsonl"
    results = Results()
    for number, line in enumerate(toolkit.read_text(path).splitlines(), 1):
        if not line.strip():
            continue

        def fail(reason):
            raise Failure(path, f"line {number}: {reason}")

        try:
            fields = json.loads(line)
        except ValueError as error:
            fail(f"not a JSON object: {error}")
        if not isinstance(fields, dict):
            fail("not a JSON object")
        for key, value in fields.items():
            if not isinstance(value, str):
                fail(f'"{key}" is not a string')
        get = lambda key: fields.get(key, "")  # noqa: E731

        def count(key):
            if not get(key).isdigit():
                fail(f'{key} is not a whole number: "{get(key)}"')
            return int(get(key))

        def seconds(key):
            try:
                value = float(get(key) or 0)
            except ValueError:
                value = -1
            if not math.isfinite(value) or value < 0:
                fail(f'not a number of seconds: "{get(key)}"')
            return value

        def status():
            if get("status") not in ("ok", "failed", "timeout", "skipped"):
                fail(f'unknown status "{get("status")}" (expected ok, failed, timeout or skipped)')
            return get("status")

        record = get("record")
        if record == "info":
            results.info[get("key")] = get("value")
        elif record == "run":
            run = Run(get("kind"), get("stage"), count("files"), count("lines"), status(), seconds("wall"),
                      get("args"), get("message"))
            if run.status == "ok":
                load_stats(run, Path(directory) / get("stats") if get("stats") else None)
            results.runs.append(run)
            if run.stage not in results.stages:
                results.stages.append(run.stage)
        elif record == "cat":
            results.cats[count("files"), count("lines")] = cat_rate(
                Path(directory) / get("timing"), count("files") * count("lines"), status(), seconds("wall"),
                get("message"))
        elif record == "build":
            results.builds[get("step")] = (status(), seconds("wall"), get("message"))
        elif record == "step":
            results.slowest.append((seconds("seconds"), get("name")))
        else:
            fail(f'unknown record "{record}" (expected info, run, cat, build or step)')
    return results


def load_stats(run, path):
    """A run that exited 0 but left no usable figures is reported as failed,
    with the reason, rather than stopping the whole report."""
    try:
        run.stats = json.loads(toolkit.read_text(path)) if path else None
    except (Failure, ValueError) as error:
        run.stats = None
        run.message = str(error)
    if not isinstance(run.stats, dict):
        run.status, run.stats = "failed", {}
        run.message = run.message or f"no --stats file {path or ''}".strip()
        return
    for key in ("lines", "seconds", "lines_per_second", "peak_threads", "peak_rss_mib", "cpu_seconds"):
        if run.get(key) is None:
            run.status, run.message = "failed", f'{path}: no number "{key}"'
            return
    if run.stats.get("confirm_merge") is not True:
        run.status, run.message = "failed", "confirm_merge did not pass" + (f": {run.message}" if run.message else "")


def cat_rate(path, lines, status, wall, message):
    """cat's rate from the fastest of hyperfine's runs, or the outcome's text."""
    if status != "ok":
        return outcome(status, wall, message)
    try:
        fastest = json.loads(toolkit.read_text(path))["results"][0]["min"]
        if isinstance(fastest, (int, float)) and fastest > 0:
            return lines / fastest
    except (Failure, ValueError, LookupError, TypeError):
        pass
    return f"failed: {path}: no results[0].min, the fastest run, as hyperfine exports it"


# Numbers as people read them.
def rate(value):  # three significant digits with k or M: 98200 -> "98.2 k"
    for scale, unit in ((1e6, " M"), (1e3, " k")):
        if value >= scale:
            v = value / scale
            return f"{v:.0f}{unit}" if v >= 100 else f"{v:.1f}{unit}" if v >= 10 else f"{v:.2f}{unit}"
    return f"{value:.0f}"


def percent(fraction):
    return f"{fraction * 100:.0f}%" if fraction >= 0.1 else f"{fraction * 100:.1f}%"


def ms(value):
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def shape(files, lines):
    return f"{files:,} × {lines:,}"


def outcome(status, wall, message):
    """What a run that produced no figures shows instead of them."""
    if status == "timeout":
        return f"timed out after {wall:.1f} s" + (f" ({message})" if message else "")
    return status + (f": {message}" if message else "")


def cell(text):  # table cells must not break the table
    return text.replace("|", "\\|").replace("\n", " ").replace("\r", " ")


# The runs.
def prefilled(run):
    return run.kind in ("sweep", "ref")


def find(results, stage, kind=None, files=None, lines=None):
    for run in results.runs:
        if run.stage == stage and (run.kind == kind if kind else prefilled(run)) and \
                files in (None, run.files) and lines in (None, run.lines):
            return run
    return None


def shapes(results, sweep_only):
    """The prefilled shapes: the sweep's by file count, then the others."""
    sweep = sorted({(r.files, r.lines) for r in results.runs if r.kind == "sweep"})
    if sweep_only:
        return sweep
    return sweep + sorted({(r.files, r.lines) for r in results.runs if r.kind == "ref"} - set(sweep))


# The targets: a list of (verdict, text).
def check_targets(results):
    checks = []

    def check(passed, text):
        checks.append(("PASS" if passed else "MISS", text))

    def figures_of(run, what):
        """The run if it has figures; else a SKIP (not run, skipped) or a MISS."""
        if run is None or run.status != "ok":
            skipped = run is None or run.status == "skipped"
            checks.append(("SKIP" if skipped else "MISS", f"{what}: " + (outcome(run.status, run.wall, run.message)
                                                                         if run else "not run")))
            return None
        return run

    for stage, figures in PYTHON.items():
        if stage not in results.stages:
            continue
        for (files, lines), python in zip(PYTHON_SHAPES, figures):
            what, target = f"{stage}, {shape(files, lines)} prefilled", PYTHON_FACTOR * python
            goal = f"target {rate(target)} lines/s (20 × Python's {rate(python)})"
            run = find(results, stage, files=files, lines=lines)
            if run is None:
                checks.append(("SKIP", f"{what}: not run"))
            elif run.status != "ok":
                checks.append(("MISS", f"{what}: {outcome(run.status, run.wall, run.message)}; {goal}"))
            else:
                got = run.get("lines_per_second")
                short = "" if got >= target else f": {percent(1 - got / target)} short"
                check(got >= target, f"{what}: {rate(got)} lines/s, {goal}{short}")

    what = f"stage1_threads at least 20% of cat, {shape(5, 20000)} prefilled"
    run, cat = find(results, "stage1_threads", files=5, lines=20000), results.cats.get((5, 20000))
    if run is None:
        checks.append(("SKIP", f"{what}: stage 1 not run"))
    elif figures_of(run, what) and not isinstance(cat, float):
        checks.append(("SKIP", f"{what}: no cat figure" + (f" ({cat})" if cat else "")))
    elif run.status == "ok":
        got = run.get("lines_per_second")
        check(got >= CAT_SHARE * cat, f"{what}: {rate(got)} lines/s is {percent(got / cat)} of cat's {rate(cat)}")

    pool = 2 * int(results.info["cores"]) if results.info.get("cores", "").isdigit() else 0
    for stage in ("stage3_coroutines", "stage5_nonblocking"):
        what = f"{stage} at {MANY_FILES:,} files"
        run = find(results, stage, files=MANY_FILES)
        if run is None:
            checks.append(("SKIP", f"{what}: no {MANY_FILES:,}-file run"))
        elif figures_of(run, what):
            threads, rss = run.get("peak_threads"), run.get("peak_rss_mib")
            if pool:
                limit = pool + THREADS_ABOVE_POOL
                check(threads <= limit, f"{what}: peak {threads:.0f} threads, limit {limit} (pool of {pool} + 3)")
            else:
                checks.append(("SKIP", f"{what}: peak {threads:.0f} threads, but the core count is unknown"))
            check(rss < RSS_LIMIT_MIB, f"{what}: peak RSS {rss:.1f} MiB, limit under {RSS_LIMIT_MIB} MiB")

    what = f"stage2_mixed at {MANY_FILES:,} files completes or stops at once"
    run = find(results, "stage2_mixed", files=MANY_FILES)
    if run is None or run.status == "skipped":
        checks.append(("SKIP", f"{what}: " + (outcome(run.status, run.wall, run.message) if run else
                                               f"no {MANY_FILES:,}-file run")))
    elif run.status == "ok":
        check(True, f"{what}: completed in {run.wall:.1f} s")
    elif run.status == "timeout":
        check(False, f"{what}: hung, {outcome(run.status, run.wall, run.message)}")
    elif not run.message:
        check(False, f"{what}: failed without a message")
    elif run.wall > STOP_AT_ONCE_SECONDS:
        check(False, f"{what}: stopped only after {run.wall:.1f} s (limit {STOP_AT_ONCE_SECONDS:.1f} s): {run.message}")
    else:
        check(True, f"{what}: stopped after {run.wall:.1f} s: {run.message}")

    what = "stage5_nonblocking longest loop stall with 100 ms writes"
    if run := figures_of(find(results, "stage5_nonblocking", "stall"), what):
        stall = run.get("longest_stall_ms")
        if stall is None:
            check(False, f"{what}: the run reported no longest_stall_ms (no --debug, or no event loop)")
        else:
            check(stall < STALL_LIMIT_MS, f"{what}: {ms(stall)}, limit under {ms(STALL_LIMIT_MS)}")

    for stage in results.stages:
        what = f"{stage} idle CPU with 1,000 idle inputs"
        if run := figures_of(find(results, stage, "idle"), what):
            share = run.get("cpu_seconds") / run.get("seconds") if run.get("seconds") else 0
            check(share < IDLE_LIMIT, f"{what}: {percent(share)} of a core, limit under {percent(IDLE_LIMIT)}")
        latency, drain = f"{stage} line latency with 100 writers", f"{stage} merge ends after its last input is closed"
        run = find(results, stage, "latency")
        if figures_of(run, latency) is None:
            figures_of(run, drain)
            continue
        median, p99 = run.get("latency_median_ms") or 0, run.get("latency_p99_ms") or 0
        if not run.get("latency_lines"):
            check(False, f"{latency}: no lines measured")
        else:
            check(median < MEDIAN_LIMIT_MS and p99 < P99_LIMIT_MS, f"{latency}: median {ms(median)}, p99 {ms(p99)}, "
                  f"limits under {ms(MEDIAN_LIMIT_MS)} and {ms(P99_LIMIT_MS)}")
        if run.get("drain_ms") is None:
            check(False, f"{drain}: the run reported no drain_ms")
        else:
            check(run.get("drain_ms") < DRAIN_LIMIT_MS, f"{drain}: {ms(run.get('drain_ms'))}, "
                  f"limit under {ms(DRAIN_LIMIT_MS)}")

    what = "stage1_threads whole process, 5 × 4,000 prefilled"
    if run := figures_of(find(results, "stage1_threads", "small"), what):
        check(run.wall * 1000 < SMALL_RUN_LIMIT_MS, f"{what}: {ms(run.wall * 1000)}, "
              f"limit under {ms(SMALL_RUN_LIMIT_MS)}")

    for step, (what, limit) in BUILD_STEPS.items():
        status, seconds, message = results.builds.get(step, ("skipped", 0, "not measured"))
        if status != "ok":
            checks.append(("SKIP" if status == "skipped" else "MISS", f"{what}: {outcome(status, seconds, message)}"))
        else:
            check(seconds <= limit, f"{what}: {seconds:.1f} s, limit {limit:.1f} s")
    return checks


def why_missed(text):
    for parts, why in WHY:
        if all(part in text for part in parts):
            return f". Why: {why}"
    return ""


def table(first, columns, rows):
    lines = ["| " + " | ".join([first, *columns]) + " |", "|---" + "|---:" * len(columns) + "|"]
    return "\n".join(lines + ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]) + "\n"


def markdown(results, checks, picture):
    info = lambda key: results.info.get(key) or "unknown"  # noqa: E731
    out = [f"# Tail and merge: benchmark\n\n- Machine: {info('system')}, {info('cpu')}, {info('cores')} cores\n"
           f"- Date: {info('date')}\n- Command: `{info('command')}`"]
    if results.info.get("elapsed", "").replace(".", "", 1).isdigit():
        out.append(" (took {} min {} s)".format(*divmod(round(float(results.info["elapsed"])), 60)))
    out.append(f"\n- Binaries: {info('binaries')}\n\n")
    if picture:
        out.append(f"![Lines per second and peak threads against the number of input files]({picture})\n\n")
    verdicts = [verdict for verdict, _ in checks]
    out.append(f"## Targets\n\n{verdicts.count('PASS')} PASS, {verdicts.count('MISS')} MISS, "
               f"{verdicts.count('SKIP')} SKIP.\n\n")
    out += [f"- {verdict} {text}{why_missed(text) if verdict == 'MISS' else ''}\n" for verdict, text in checks]

    def figures(run, show):  # a table cell for a run
        return "–" if run is None else show(run) if run.status == "ok" else outcome(run.status, run.wall, run.message)

    every_shape = shapes(results, False)
    label = lambda f, n: shape(f, n) + (" *" if (f, n) in PYTHON_SHAPES else "")  # noqa: E731
    out.append("\n## Throughput, prefilled inputs\n\nLines merged per second (the merge's wall time, without "
               "writing the inputs); in brackets the share of `cat`'s rate on the same files.")
    if results.info.get("total_lines", "").isdigit():
        out.append(f" The sweep holds the total at {int(results.info['total_lines']):,} lines.")
    out.append(f" {shape(5, 20000)} and {shape(1000, 100)} are the shapes Python was measured on (marked *).\n\n")
    rows = []
    for files, lines in every_shape:
        cat = results.cats.get((files, lines), "–")
        share = lambda got: f" ({percent(got / cat)})" if isinstance(cat, float) else ""  # noqa: E731,B023
        rows.append([label(files, lines), rate(cat) if isinstance(cat, float) else cat] + [
            figures(find(results, stage, files=files, lines=lines),
                    lambda r: rate(r.get("lines_per_second")) + share(r.get("lines_per_second")))
            for stage in results.stages])
    out.append(table("files × lines each", ["cat", *results.stages], rows))

    out.append("\n## Threads and memory, prefilled inputs\n\nPeak threads of the whole process (the main thread "
               "included; no writer threads when prefilled), peak resident memory, and CPU time of the merge. The "
               "memory is the process's high-water mark (getrusage), taken right after the merge: it covers writing "
               "the inputs before the merge, not the confirm_merge check after it. Peak threads are sampled every "
               "2 ms, so threads that live shorter than that (stage 1 and 4's tails of tiny inputs) may be "
               "missed.\n\n")
    out.append(table("files × lines each", results.stages, [[label(files, lines)] + [
        figures(find(results, stage, files=files, lines=lines), lambda r: f"{r.get('peak_threads'):.0f} threads, "
                f"{r.get('peak_rss_mib'):.0f} MiB, {r.get('cpu_seconds'):.1f} s CPU") for stage in results.stages]
        for files, lines in every_shape]))

    out.append("\n## Live writers, idle inputs, slow writes\n\n")
    for kind, what in (("latency", "Latency (write to output, with concurrent writers), and how long the merge "
                        "went on after the last input was closed"),
                       ("idle", "Idle (following files nobody writes to, the default --interval: the whole "
                        "process's CPU time over a few seconds once it has started, 100% = one core)"),
                       ("small", "A whole small run (the process's wall time, start-up and confirm_merge included, "
                        "the mean of 20 runs timed by hyperfine)"),
                       ("stall", "Longest event-loop stall (every output write takes 100 ms)")):
        run = next((r for r in results.runs if r.kind == kind), None)
        if run:
            each = f"{run.lines:,} lines each" if run.lines else "no lines"
            out.append(f"- {what}: {run.files:,} files, {each}, `{run.args}`\n")

    def live(stage, suffix):  # latency median, p99, drain and idle CPU
        run = find(results, stage, "latency" + suffix)
        if run is None or run.status != "ok" or not run.get("latency_lines"):
            cells = [figures(run, lambda r: "no lines measured"), "–", "–"]
        else:
            drain = run.get("drain_ms")
            cells = [ms(run.get("latency_median_ms") or 0), ms(run.get("latency_p99_ms") or 0),
                     ms(drain) if drain is not None else "–"]
        idle = lambda r: f"{percent(r.get('cpu_seconds') / r.get('seconds') if r.get('seconds') else 0)} " \
                         f"({r.get('cpu_seconds'):.1f} s in {r.get('seconds'):.1f} s)"  # noqa: E731
        return cells + [figures(find(results, stage, "idle" + suffix), idle)]

    waits = ["latency median", "latency p99", "after the last line", "idle CPU"]
    out.append("\nA tail with nothing to read waits until inotify says its input changed (the default):\n\n")
    out.append(table("stage", waits + ["whole small run", "longest stall"], [[stage] + live(stage, "") + [
        figures(find(results, stage, "small"), lambda r: ms(r.wall * 1000)),
        figures(find(results, stage, "stall"), lambda r: ms(r.get("longest_stall_ms")) if r.get(
            "longest_stall_ms") is not None else "n/a (no event loop)")] for stage in results.stages]))
    if any(r.kind.endswith("-polling") for r in results.runs):
        out.append("\nThe same runs with inotify off (`TAIL_MERGE_NO_INOTIFY=1`): a tail with nothing to read looks "
                   "again every --interval, as every stage did before it waited for inotify:\n\n")
        out.append(table("stage", waits, [[stage] + live(stage, "-polling") for stage in results.stages]))

    out.append("\n## Build time\n\n" + (results.info["build_method"] + "\n\n" if "build_method" in results.info else ""))
    out.append(table("step", ["time", "target"], [
        [what, f"{results.builds[step][1]:.1f} s" if results.builds[step][0] == "ok" else outcome(*results.builds[step]),
         f"≤ {limit:.1f} s"] for step, (what, limit) in BUILD_STEPS.items() if step in results.builds]))
    if results.slowest:
        out.append("\nThe slowest steps of the clean build:\n\n")
        out += [f"- {seconds:.1f} s `{name}`\n" for seconds, name in results.slowest]

    out.append("\n## How it was run\n\nEvery stage ran as its own process, one after another")
    if "run_timeout" in results.info:
        out.append(f", each with a time limit of {results.info['run_timeout']} s")
    out.append(". The prefilled runs:\n\n")
    out += [f"    STAGE {run.args} --stats FILE\n\n" for run in results.runs if prefilled(run)][:1]
    if "cat_method" in results.info:
        out.append(f"`cat`: {results.info['cat_method']}\n")
    return "".join(out)


def plot(results):
    """Two log-log charts side by side: lines per second (with cat as the
    floor) and peak threads against the number of input files."""
    plt = toolkit.pyplot()
    figure = plt.figure(figsize=(10, 5.4), layout="constrained")
    rows = figure.add_gridspec(2, 2, height_ratios=[5, 1])  # the charts, then the key
    throughput, threads, key = figure.add_subplot(rows[0, 0]), figure.add_subplot(rows[0, 1]), \
        figure.add_subplot(rows[1, :])
    key.axis("off")
    sweep = shapes(results, True)
    total = results.info.get("total_lines", "")
    files = [f for f, _ in sweep] or [1, 10]
    figure.suptitle((f"Tail and merge, prefilled inputs: {int(total):,} lines in total" if total.isdigit() else
                     "Tail and merge, prefilled inputs: the same lines") + f" over {files[0]:,} to {files[-1]:,} "
                    "files", fontweight="bold", x=0.01, ha="left", fontsize=12)
    cats = [(f, results.cats[f, n]) for f, n in sweep if isinstance(results.cats.get((f, n)), float)]
    if cats:
        throughput.plot(*zip(*cats), "--", color="#555", lw=2, label="cat of the same files: the copy floor")
    styles = zip([toolkit.BLUE, toolkit.ORANGE, toolkit.GREEN, toolkit.PURPLE, toolkit.VERMILION, toolkit.SKY_BLUE],
                 "os^Dvo")
    failed = []  # (axes, colour, file counts): runs without a figure
    for stage, (colour, marker) in zip(results.stages, styles):
        runs = [find(results, stage, files=f, lines=n) for f, n in sweep]
        good = [r for r in runs if r and r.status == "ok"]
        if not any(runs):
            continue  # not in the sweep (the io_uring program runs only the reference shapes)
        for axes, stat in ((throughput, "lines_per_second"), (threads, "peak_threads")):
            axes.plot([r.files for r in good], [r.get(stat) for r in good], marker=marker, color=colour, label=stage,
                      markeredgecolor="white")
            failed.append((axes, colour, [r.files for r in runs if r and r.status != "ok"]))
    if pool := 2 * int(results.info["cores"]) if results.info.get("cores", "").isdigit() else 0:
        limit = pool + THREADS_ABOVE_POOL
        threads.axhline(limit, ls=":", color="#777")
        threads.annotate(f"pool size + 3 = {limit}", (1, limit), xycoords=("axes fraction", "data"),
                         ha="right", va="bottom", color="#555", xytext=(-4, 2), textcoords="offset points")
    for axes, title, label in ((throughput, "Lines merged per second", "lines per second"),
                               (threads, "Peak threads", "peak threads (whole process)")):
        axes.set(xscale="log", yscale="log", xlabel="input files (log scale)", ylabel=label)
        axes.set_title(title, loc="left", fontweight="bold")
        axes.grid(color="#e3e3e3")
        for axis in (axes.xaxis, axes.yaxis):  # 1, 10, 100, 1k, ... 1M
            axis.set_major_formatter(lambda v, _: f"{v / 1e6:g}M" if v >= 1e6 else f"{v / 1e3:g}k" if v >= 1e3 else
                                     f"{v:g}")
    for axes, colour, counts in failed:  # an x on the bottom edge marks each
        if counts:
            bottom = axes.get_ylim()[0]
            axes.plot(counts, [bottom] * len(counts), "x", color=colour, ms=9, mew=2.5, clip_on=False)
            axes.set_ylim(bottom=bottom)
    handles, labels = throughput.get_legend_handles_labels()
    handles.append(plt.Line2D([], [], ls="", marker="x", color="#333", mew=2.5))
    labels.append("on the bottom edge: the run failed or timed out")
    info = {key: results.info.get(key, "?") for key in ("system", "cpu", "cores", "date")}
    key.legend(handles, labels, loc="upper left", ncol=3, frameon=False, alignment="left",
               title="{system}, {cpu}, {cores} cores, {date}".format(**info))
    return figure


def main(arguments):
    directory, report, picture = arguments
    results = read_results(directory)
    link = os.path.relpath(os.path.abspath(picture), os.path.dirname(os.path.abspath(report)))
    toolkit.write_all({report: markdown(results, check_targets(results), link), picture: plot(results)})


if __name__ == "__main__":
    toolkit.run("bench_report", USAGE, lambda a: None if len(a) == 3 else "", main)
