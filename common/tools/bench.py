"""./workshop bench: times every program against cat and the targets (the
workshop's help lists the modes), and writes a Markdown report and a plot with
PASS, MISS or SKIP for each target and its reason. Missed targets do not change
the exit code: they are the report's content. Each run's stdout, stderr and
--stats stay in build/bench/<mode>/runs/, all figures in .../results.json.
"""
import dataclasses
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import toolkit
from toolkit import Failure

USAGE = "usage: ./workshop bench [--quick | --build-times | --report RESULTS.json OUT.md OUT.svg]\n"

# The programs: the five stages, and the two beyond stage 5 (beyond/NAME for
# stage5_NAME); "stage3_coroutines.py" is stage 3's Python twin.
STAGES = ["stage1_threads", "stage2_mixed", "stage3_coroutines", "stage4_bottom_up", "stage5_nonblocking"]
BEYOND = ("stage5_task_group", "stage5_io_uring")
TWIN = ".py"
# The targets. Every stage at least PYTHON_FACTOR times its own Python twin,
# measured in the same run: merging the two shapes the book's Python was
# measured on, and a whole small run.
PYTHON_SHAPES, PYTHON_SMALL, PYTHON_FACTOR = ((5, 20000), (1000, 100)), (5, 4000), 20
CAT_SHARE = 0.20  # stage 1 at least 20% of cat
MANY_FILES, THREADS_ABOVE_POOL, RSS_LIMIT_MIB = 10000, 3, 100  # stages 3 and 5: pool + main, writer, one spare
STOP_AT_ONCE_SECONDS = 15  # stage 2 failing at 10,000 files
STALL_LIMIT_MS = 20  # stage 5 with 100 ms writes
IDLE_LIMIT = 0.01  # CPU of one core, 1,000 idle files
MEDIAN_LIMIT_MS, P99_LIMIT_MS, DRAIN_LIMIT_MS = 2, 10, 10  # 100 writers; the end after the last input closed
SMALL_RUN_LIMIT_MS = 40  # stage 1's whole process, 5 x 4,000 prefilled
CANCEL_LIMIT_MS = 100  # beyond/task_group: from a failure or a signal to the exit
BUILD_STEPS = {  # step: (what, limit in seconds)
    "clean": ("clean build of all targets", 60),
    "demo": ("a fresh `./workshop demo` to its five summary lines", 45),
    "tsan1": ("`./workshop test tsan 1` from nothing", 90),
    "rebuild": ("rebuild after touching stage3_coroutines/tail_merge.cpp", 10),
}
# What a line costs these stages by their design (common/tools/round_trip.cpp):
# stage: (its figure, what it is, whom the ceiling it sets is for).
ROUND_TRIP = {"stage2_mixed": ("stage2_round_trip_us", "a round trip between threads", "for each tail"),
              "stage3_coroutines": ("stage3_turn_us", "a turn through the loop", "for all tails, on one loop"),
              "stage5_nonblocking": ("stage5_round_trip_us", "a round trip between threads", "for each tail")}
# Why a target is missed, for those this project knows it may miss on a small
# machine: (what the target's text holds, why).
TRIP = "every line awaits its write on the writer thread, a round trip between threads per line"
WHY = [
    (("stage2_mixed", "prefilled"), "every line is a round trip between its pool thread and the loop "
     "(run_coroutine_threadsafe, then future.get()), two thread wake-ups per line; see stage2_mixed/README.md"),
    (("stage5_nonblocking", "prefilled"), TRIP),
    (("stage5_task_group", "Python twin"), f"as stage 5, {TRIP}; and both languages add a shielded coroutine for "
     "each read and write"),
    (("of cat",), "each line costs a std::string, a std::function call and a mutex shared by every tail thread; see "
     "stage1_threads/README.md"),
    (("RSS",), "each of the 10,000 handles buffers what it read and has not merged yet, and each tail's coroutine "
     "frame and pending write live until its input is drained"),
    (("stage3_coroutines", "Python twin"), "the loop is not what bounds it (a turn costs far less than a line); each "
     "line costs a copy out of the buffer, a coroutine frame for its write and the turn, and the twin's line takes "
     "the same steps in CPython, whose asyncio.sleep(0) is a bare yield, so the ratio stays small; see "
     "stage3_coroutines/README.md"),
    (("1,000 × 100", "Python twin"), "a thread per input: starting and joining 1,000 threads takes the same system "
     "calls in both languages, and with 100 lines each they are much of the run"),
] + [((step,), "every file with coroutines spends seconds generating their code, and there are two cores")
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
    stats_file: str = ""  # where the run left its --stats

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

    def add(self, run):
        self.runs.append(run)
        if run.stage not in self.stages and not run.stage.endswith(TWIN):  # the twins are compared, not listed
            self.stages.append(run.stage)
        return run


def save(results, path):
    data = dataclasses.asdict(results)
    data["cats"] = [[files, lines, cat] for (files, lines), cat in results.cats.items()]
    toolkit.write_all({path: json.dumps(data, indent=1) + "\n"})


def load(path):
    try:
        data = json.loads(toolkit.read_text(path))
        return Results(data["info"], [Run(**run) for run in data["runs"]], {(f, n): cat for f, n, cat in data["cats"]},
                       {step: tuple(b) for step, b in data["builds"].items()}, [tuple(s) for s in data["slowest"]],
                       data["stages"])
    except (ValueError, LookupError, TypeError) as error:
        raise Failure(path, f"not the results of a bench ({type(error).__name__}: {error})") from None


def load_stats(run, path):
    """A run that exited 0 but left no usable figures is reported as failed,
    with the reason, rather than stopping the whole report."""
    try:
        run.stats = json.loads(toolkit.read_text(path))
    except (Failure, ValueError) as error:
        run.stats, run.message = None, str(error)
    if not isinstance(run.stats, dict):
        run.status, run.stats, run.message = "failed", {}, run.message or f"no --stats file {path}"
        return
    missing = [key for key in ("lines", "seconds", "lines_per_second", "peak_threads", "peak_rss_mib", "cpu_seconds")
               if run.get(key) is None]
    if missing:
        run.status, run.message = "failed", f'{path}: no number "{missing[0]}"'
    elif run.stats.get("confirm_merge") is not True:
        run.status, run.message = "failed", "confirm_merge did not pass" + (f": {run.message}" if run.message else "")


# Running the programs.
SEED = 62  # every stage merges the same lines
INTERVAL = 0.01  # the throughput runs' tails look often where inotify is off
NO_INOTIFY = "TAIL_MERGE_NO_INOTIFY"  # a kind ending in -polling runs with it set


def execute(command, limit, out, err=None, cwd=None, env=None):
    """Runs command with its output in the file out (and err, else out too): its
    exit code (minus the signal's number if one ended it), or None if it had not
    ended within limit seconds (then it is killed)."""
    with open(out, "w") as stdout, open(err or os.devnull, "w") as stderr:
        process = subprocess.Popen(list(map(str, command)), stdout=stdout, stderr=stderr if err else stdout, cwd=cwd,
                                   env=env)
        return wait_or_kill(process, limit)


def wait_or_kill(process, limit):
    """The process's exit code, or None once limit seconds have passed and it is killed."""
    try:
        return process.wait(max(limit, 0))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


def failure(err, code):
    """Why a process failed, in one line: the last line of its stderr, or how it ended."""
    try:
        lines = [" ".join(line.split()) for line in Path(err).read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    if lines:
        return lines[-1][:300]
    return f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}, nothing on stderr"


def proc_status(pid):
    """/proc/PID/status as {name: its first word}; {} once the process is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {name: value.split()[0] for name, _, value in (line.partition(":") for line in lines) if value.split()}


def cpu_seconds(pid):
    """The CPU time (user and system) the process has used, from /proc/PID/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime and stime


def directory_of(program):
    """Where a program's sources are: a stage's directory, or beyond/NAME for stage5_NAME."""
    return f"beyond/{program.removeprefix('stage5_')}" if program in BEYOND else program


def polling(kind):
    """The environment of a run of this kind: inotify off for a kind ending in -polling."""
    return dict(os.environ, **{NO_INOTIFY: "1"}) if kind.endswith("-polling") else None


class Bench:
    """Runs programs one after another within a time budget, and writes down
    in self.results what happened, and why when it went wrong."""

    def __init__(self, binaries, directory, budget, timeout):
        self.binaries, self.dir, self.budget, self.timeout = Path(binaries), Path(directory), budget, timeout
        self.start, self.results = time.monotonic(), Results()
        shutil.rmtree(self.dir, ignore_errors=True)
        (self.dir / "runs").mkdir(parents=True)

    def left(self):
        return self.budget - (time.monotonic() - self.start)

    def progress(self, text):
        print("==> [{}:{:02d}] {}".format(*divmod(int(time.monotonic() - self.start), 60), text), file=sys.stderr,
              flush=True)

    def binary(self, program):
        return self.binaries / directory_of(program) / program

    def command(self, program):
        """How to start a program: a stage's executable, or its Python twin."""
        if program.endswith(TWIN):
            return [toolkit.tools_python(), str(Path(directory_of(program.removesuffix(TWIN)), "tail_merge.py")
                                                .resolve())]
        return [self.binary(program)]

    def begin(self, run, needed, what):
        """The name of the run's files, and its progress line; None, with the
        run recorded as skipped, if fewer than needed seconds are left."""
        if self.left() <= needed:
            run.message = f"the bench's time budget of {self.budget} s was used up"
            self.results.add(run)
            return None
        self.progress(what)
        return self.dir / "runs" / f"{run.kind}-{run.files}x{run.lines}-{run.stage}"

    def finish(self, run, code, limit, err):
        """The run's outcome from its exit code; its figures from its --stats file."""
        if code is None:
            run.status, run.message = "timeout", f"no result within the limit of {limit:.0f} s"
        elif code != 0:
            run.status, run.message = "failed", failure(err, code)
        else:
            run.status = "ok"
            if not run.stats:
                load_stats(run, run.stats_file)
        if run.status != "ok":
            print(f"    {run.status} after {run.wall:.1f} s: {run.message}", file=sys.stderr)
        return self.results.add(run)

    def run(self, kind, stage, files, lines, *options, inputs=None, interval=INTERVAL):
        """One run of a program, under the time limit. With inputs, the inputs
        are written to that directory (--inputs-dir) and stay."""
        arguments = ["--files", files, "--lines", lines, "--seed", SEED, "--interval", interval, *options]
        run = Run(kind, stage, files, lines, "skipped", 0, (f"{NO_INOTIFY}=1 STAGE " if polling(kind) else "") +
                  " ".join(map(str, arguments)) + (" --inputs-dir DIR" if inputs else ""))
        if not (name := self.begin(run, 0, f"{kind}: {stage}, {files} files x {lines} lines")):
            return run
        run.stats_file, limit, start = f"{name}.json", min(self.left(), self.timeout), time.monotonic()
        code = execute([*self.command(stage), *arguments, *(["--inputs-dir", inputs] if inputs else []), "--stats",
                        run.stats_file], limit, f"{name}.out", f"{name}.err", env=polling(kind))
        run.wall = time.monotonic() - start
        return self.finish(run, code, limit, f"{name}.err")

    def small(self, stage, files, lines, runs=20, warmup=3):
        """A whole small prefilled run, start-up and confirm_merge included,
        timed by hyperfine: the mean of `runs` runs after `warmup` warm-ups."""
        arguments = f"--files {files} --lines {lines} --seed {SEED} --prefill"
        run = Run("small", stage, files, lines, "skipped", 0,
                  f"{arguments} (hyperfine -N --warmup {warmup} --runs {runs}, the mean)")
        if not (name := self.begin(run, 10, f"small: {stage}, {files} files x {lines} lines, timed by hyperfine")):
            return run
        run.stats_file, limit = f"{name}.json", self.left()
        code = execute(["hyperfine", "-N", "--warmup", warmup, "--runs", runs, "--export-json",
                        f"{name}.hyperfine.json", f"{' '.join(map(str, self.command(stage)))} {arguments} --stats "
                        f"{run.stats_file}"], limit, f"{name}.out", f"{name}.err")
        if code == 0:
            run.wall = json.loads(Path(f"{name}.hyperfine.json").read_text())["results"][0]["mean"]
        return self.finish(run, code, limit, f"{name}.err")

    def follow(self, run, inputs, merged, err, env=None, options=()):
        """The program following inputs into merged, once it has started: SIGINT
        is taken (caught, or blocked for the thread that waits for it)."""
        process = subprocess.Popen([*self.command(run.stage), "--follow", *inputs, "--output", merged,
                                    *map(str, options)], stdout=subprocess.DEVNULL, stderr=err, env=env)
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline and not any(
                int(proc_status(process.pid).get(mask, "0"), 16) & 2 for mask in ("SigCgt", "SigBlk")):
            time.sleep(0.01)
        return process

    def idle(self, kind, stage, files, seconds):
        """The program following `files` empty files that nobody writes to (at
        the default --interval), once it has started: the CPU time the whole
        process used in `seconds`. Start-up is left out: 1,000 tail threads take
        a while to start on a small machine, and idle is what comes after. It
        passes when it then ends on SIGINT with exit code 0 (130 for the task
        group, whose tails SIGINT cancels) and an empty output."""
        run = Run(kind, stage, files, 0, "skipped", 0,
                  (f"{NO_INOTIFY}=1 STAGE " if polling(kind) else "") + "--follow FILE... --output FILE")
        if not (name := self.begin(run, seconds + 10, f"{kind}: {stage} following {files} idle files")):
            return run
        with tempfile.TemporaryDirectory(prefix="tail-merge-") as scratch, open(f"{name}.err", "w") as err:
            inputs, merged = [Path(scratch, str(i)) for i in range(files)], Path(scratch, "merged")
            for path in inputs:
                path.touch()
            start, process = time.monotonic(), self.follow(run, inputs, merged, err, polling(kind))
            time.sleep(2)  # for the tails to start
            before, at = cpu_seconds(process.pid), time.monotonic()
            time.sleep(seconds)
            cpu, held, status = cpu_seconds(process.pid) - before, time.monotonic() - at, proc_status(process.pid)
            process.send_signal(signal.SIGINT)
            code = wait_or_kill(process, self.timeout)
            if stage == "stage5_task_group" and code == 128 + signal.SIGINT:
                code = 0  # cancelled by SIGINT, as it should
            run.wall = time.monotonic() - start
            run.stats = {"lines": 0, "seconds": held, "lines_per_second": 0,
                         "peak_threads": int(status.get("Threads", 0)),
                         "peak_rss_mib": int(status.get("VmHWM", 0)) / 1024,
                         "cpu_seconds": cpu,
                         "confirm_merge": not merged.exists() or merged.stat().st_size == 0}
        if code == 0 and not run.stats["confirm_merge"]:
            Path(f"{name}.err").write_text("confirm_merge did not pass: lines in the output of idle inputs\n")
            code = 1
        return self.finish(run, code, self.timeout, f"{name}.err")

    def cancellation(self, program, interval, repeats=10):
        """beyond/task_group: how long after an input fails, or after SIGINT,
        the process has ended, following 5 files nobody writes to; the median
        and the longest of `repeats` runs, as a Run of kind cancel-failure or
        cancel-signal (stats: median_ms, max_ms)."""
        for kind, expected in (("cancel-failure", 1), ("cancel-signal", 128 + signal.SIGINT)):
            run = Run(kind, program, 5, 1, "skipped", 0, f"--follow 5 FILES --interval {interval}")
            if not (name := self.begin(run, 30, f"{kind}: {program}, {repeats} runs")):
                continue
            took, code = [], expected
            while code == expected and len(took) < repeats:  # the first run that fails says why
                with tempfile.TemporaryDirectory() as scratch, open(f"{name}.err", "w") as err:
                    inputs, merged = [Path(scratch, f"in{i}") for i in range(5)], Path(scratch, "merged")
                    for path in inputs:
                        path.write_text(f"{path}\n")
                    process = self.follow(run, inputs, merged, err, options=["--interval", interval])
                    deadline = time.monotonic() + 30
                    while (not merged.exists() or merged.read_text().count("\n") < 5) and time.monotonic() < deadline:
                        time.sleep(0.005)
                    start = time.monotonic()
                    if kind == "cancel-failure":
                        inputs[2].unlink()
                        inputs[2].mkdir()
                    else:
                        process.send_signal(signal.SIGINT)
                    code = wait_or_kill(process, 30)
                    took.append((time.monotonic() - start) * 1000)
            run.wall, run.stats = sum(took) / 1000, {"median_ms": statistics.median(took), "max_ms": max(took)}
            if code not in (expected, None):
                Path(f"{name}.err").write_text(f"exit code {code}, not {expected}: {failure(f'{name}.err', code)}\n")
            self.finish(run, 0 if code == expected else None if code is None else 1, 30, f"{name}.err")

    def round_trip(self):
        """One round trip between two threads, as stages 2 and 5 make one per
        line (common/tools/round_trip.cpp), into the results' info."""
        self.progress("one round trip between two threads (round_trip)")
        out = self.dir / "runs" / "round_trip.json"
        if execute([self.binaries / "common" / "round_trip"], 60, out, f"{out}.err") == 0:
            self.results.info.update({key: f"{value:.2f}" for key, value in json.loads(out.read_text()).items()})

    def cat(self, directory, files, lines):
        """cat of the inputs into one file beside them, the floor any merge of
        the same files has: its rate in the fastest of five runs after a warm-up,
        timed by hyperfine (which takes off its shell's start-up); else why not."""
        found = len(list(Path(directory).glob("[0-9]*")))
        if found != files:
            return f"failed: found {found} input files in {directory}, expected {files}"
        self.progress(f"cat: {files} files x {lines} lines")
        name = self.dir / "runs" / f"cat-{files}x{lines}"
        code = execute(["hyperfine", "--runs", 5, "--warmup", 1, "--style", "none", "--export-json", f"{name}.json",
                        f"cat {directory}/[0-9]* > {directory}/cat.out"], self.timeout, os.devnull, f"{name}.err")
        if code != 0:
            return f"failed: {failure(f'{name}.err', code if code else 1)}"
        return files * lines / json.loads(Path(f"{name}.json").read_text())["results"][0]["min"]

    def shape(self, kind, files, lines, programs):
        """Each program on the same prefilled inputs, each in a new directory;
        the first good run's inputs are timed with cat."""
        cat = "skipped: no program produced the inputs"
        for stage in programs:
            with tempfile.TemporaryDirectory(prefix="tail-merge-") as inputs:
                if self.run(kind, stage, files, lines, "--prefill", inputs=inputs).status == "ok" and \
                        isinstance(cat, str) and cat.startswith("skipped"):
                    cat = self.cat(inputs, files, lines)
        self.results.cats[files, lines] = cat

    def build(self, step, command, cwd=None):
        """Times one build command within the time left; whether it succeeded."""
        if self.left() <= 10:
            self.results.builds[step] = ("skipped", 0, f"the time budget of {self.budget} s was used up")
            return False
        self.progress(f"build time: {step}: {' '.join(map(str, command))}" + (f" in {cwd}" if cwd else ""))
        log, start = self.dir / f"{step}.log", time.monotonic()
        code = execute(command, self.left(), log, cwd=cwd)
        first = [line for line in log.read_text(errors="replace").splitlines() if "rror" in line or "FAILED" in line]
        self.results.builds[step] = ("ok" if code == 0 else "failed" if code else "timeout", time.monotonic() - start,
                                     "" if code == 0 else " ".join((first or [""])[0].split())[:300])
        return code == 0


def build_times(directory):
    """What a participant waits for: from a copy of the project's tracked
    files with no build directory (the packages installed), `./workshop demo`,
    then `./workshop test tsan 1` in it; then a clean build of every target in
    a new directory, and a rebuild after touching one stage's source."""
    bench, fresh, scratch = Bench("build/default", directory, 1800, 1800), Path("build/bench-fresh"), "build/bench-build"
    bench.results.info["build_method"] = (
        f"Timed by `./workshop bench --build-times` on {time.strftime('%Y-%m-%d %H:%M %Z')}, alone on the machine, on "
        f"its {os.cpu_count()} cores with Ninja. The first two from a copy of the project's tracked files with no build "
        "directory (`./workshop demo`, then `./workshop test tsan 1` in it, each timed to its exit). The clean build: "
        f"`cmake --preset default -B {scratch}` in a new directory, then `cmake --build {scratch}` timed; the rebuild "
        f"is `cmake --build {scratch}` after `touch stage3_coroutines/tail_merge.cpp`.")
    shutil.rmtree(fresh, ignore_errors=True)
    toolkit.copy_tracked(fresh)
    bench.build("demo", ["./workshop", "demo"], cwd=fresh)
    bench.build("tsan1", ["./workshop", "test", "tsan", "1"], cwd=fresh)
    shutil.rmtree(fresh)
    shutil.rmtree(scratch, ignore_errors=True)
    if not bench.build("clean", ["cmake", "--preset", "default", "-B", scratch]):
        pass  # the configure step's failure stands for the clean build's
    elif bench.build("clean", ["cmake", "--build", scratch]):
        steps = [line.split("\t") for line in Path(scratch, ".ninja_log").read_text().splitlines()[1:]]
        bench.results.slowest = sorted(((int(s[1]) - int(s[0])) / 1000, s[3]) for s in steps)[::-1][:10]
        Path("stage3_coroutines/tail_merge.cpp").touch()
        bench.build("rebuild", ["cmake", "--build", scratch])
    bench.results.builds.setdefault("rebuild", ("skipped", 0, "the clean build did not finish"))
    for step, (status, wall, message) in bench.results.builds.items():
        print(f"{step}: {status}, {wall:.1f} s {message}")
    save(bench.results, Path(directory) / "results.json")
    toolkit.say(f"wrote {directory}/results.json; the next ./workshop bench reports it")


def system_info(binaries):
    cpu = [line.split(":", 1)[1].strip() for line in toolkit.read_text("/proc/cpuinfo").splitlines()
           if line.startswith("model name")]
    cache = dict(line.split("=", 1) for line in toolkit.read_text(binaries / "CMakeCache.txt").splitlines()
                 if "=" in line and not line.startswith(("#", "//")))
    compiler = subprocess.run([cache.get("CMAKE_CXX_COMPILER:FILEPATH", "c++"), "--version"], capture_output=True,
                              text=True).stdout.partition("\n")[0]
    uname = platform.uname()
    return {"system": f"{uname.system} {uname.release} {uname.machine}", "cpu": (cpu or ["unknown"])[0],
            "cores": str(os.cpu_count()), "date": time.strftime("%Y-%m-%d %H:%M %Z"),
            "binaries": f"{binaries} ({cache.get('CMAKE_BUILD_TYPE:STRING', '?')}, {compiler})"}


def bench(quick):
    binaries = Path(os.environ.get("BENCH_BUILD_DIR", "build/default"))
    if "BENCH_BUILD_DIR" not in os.environ:
        subprocess.run(["./workshop", "build"], check=True)
    else:
        if not (binaries / "CMakeCache.txt").exists():
            subprocess.run(["cmake", "--preset", "default", "-B", binaries], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", binaries], check=True)
    if quick:
        total, counts, hold, out, bench = 100000, (1, 10, 100, 1000), 1, Path("build/bench/quick"), \
            Bench(binaries, "build/bench/quick", 200, 20)
    else:
        total, counts, hold, out, bench = 1000000, (1, 10, 100, 1000, 10000), 5, Path("docs/bench"), \
            Bench(binaries, "build/bench/full", 900, 120)
    programs = STAGES + [program for program in BEYOND if bench.binary(program).exists()]  # io_uring: where liburing is
    twins = STAGES + ["stage5_task_group"]  # the task group has a Python twin too
    bench.results.info.update(system_info(binaries), command="./workshop bench" + " --quick" * quick,
                              total_lines=str(total), run_timeout=str(bench.timeout), cat_method=(
        "`hyperfine --runs 5 --warmup 1 'cat DIR/[0-9]* > DIR/cat.out'` on the inputs of the shape's first good run; "
        "the fastest of the five (hyperfine takes off the time its shell needs to start)."))
    for files in counts:
        bench.shape("sweep", files, total // files, STAGES)
    # The shapes the book's Python was measured on: every program, and every twin.
    for files, lines in PYTHON_SHAPES:
        if files * lines != total or files not in counts:
            bench.shape("ref", files, lines, programs)
        for stage in twins:
            bench.run("ref", stage + TWIN, files, lines, "--prefill")
    bench.round_trip()
    if "stage5_task_group" in programs:  # from a failure, or SIGINT, to the exit: woken by inotify
        bench.cancellation("stage5_task_group", 60)
    # Live writers at the default --interval: with inotify, and with it off
    # (polling, as before the tails waited for inotify).
    for kind in ("latency", "latency-polling"):
        for stage in programs:
            bench.run(kind, stage, 100, 50, "--write-interval", 0.05, interval=0.1)
    for kind in ("idle",) if quick else ("idle", "idle-polling"):
        for stage in programs:
            bench.idle(kind, stage, 1000, hold)
    for stage in programs:
        bench.small(stage, *PYTHON_SMALL)
    for stage in twins:
        bench.small(stage + TWIN, *PYTHON_SMALL, runs=5, warmup=1)
    for stage in programs:
        bench.run("stall", stage, 2, 5, "--prefill", "--slow-write", 100, "--debug")
    times = Path("build/bench/build-times/results.json")
    if not quick and times.exists():  # timed alone by ./workshop bench --build-times
        timed = load(times)
        bench.results.builds, bench.results.slowest = timed.builds, timed.slowest
        bench.results.info["build_method"] = timed.info["build_method"]
    for step in BUILD_STEPS:
        bench.results.builds.setdefault(step, ("skipped", 0, "not in --quick" if quick else
                                               "not timed: ./workshop bench --build-times times them"))
    bench.results.info["elapsed"] = str(round(time.monotonic() - bench.start))
    save(bench.results, bench.dir / "results.json")
    report(bench.results, f"{out}.md", f"{out}.svg")
    print(toolkit.read_text(f"{out}.md"))
    toolkit.say(f"wrote {out}.md and {out}.svg in {bench.results.info['elapsed']} s; every run's figures, stdout and "
                f"stderr are in {bench.dir}/runs")


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
    """What a run or a build that produced no figures shows instead of them."""
    if status == "timeout":
        return f"timed out after {wall:.1f} s" + (f" ({message})" if message else "")
    return status + (f": {message}" if message else "")


def cell(text):  # table cells must not break the table
    return text.replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def find(results, stage, kind=None, files=None, lines=None):
    """The first run of stage of that kind (else a prefilled one), of that shape."""
    return next((run for run in results.runs if run.stage == stage and (
        run.kind == kind if kind else run.kind in ("sweep", "ref")) and files in (None, run.files) and lines in (
        None, run.lines)), None)


def shapes(results, sweep_only):
    """The prefilled shapes: the sweep's by file count, then the others."""
    sweep = sorted({(r.files, r.lines) for r in results.runs if r.kind == "sweep"})
    return sweep + ([] if sweep_only else sorted({(r.files, r.lines) for r in results.runs if r.kind == "ref"} -
                                                 set(sweep)))


def has_twin(results, stage):
    return any(run.stage == stage + TWIN for run in results.runs)


def twin_ratio(results, stage, files, lines):
    """The stage against its Python twin on a shape (PYTHON_SMALL: the whole
    run's time): (the run, the twin's run, how many times faster, the text), or
    the first of the two runs that has no figures, and None."""
    kind = "small" if (files, lines) == PYTHON_SMALL else None
    run, twin = find(results, stage, kind, files, lines), find(results, stage + TWIN, kind, files, lines)
    for one in (run, twin):
        if one is None or one.status != "ok":
            return one, None
    if kind:
        return run, (twin.wall / run.wall, f"{ms(run.wall * 1000)} against {ms(twin.wall * 1000)}")
    cpp, python = run.get("lines_per_second"), twin.get("lines_per_second")
    return run, (cpp / python, f"{rate(cpp)} lines/s against {rate(python)}")


# The targets: a list of (verdict, text).
def check_targets(results):
    checks = []

    def check(passed, text):
        checks.append(("PASS" if passed else "MISS", text))

    def measured(what, run, not_run="not run"):
        """The run if it has figures; else a SKIP (not run, skipped) or a MISS."""
        if run is not None and run.status == "ok":
            return run
        checks.append(("SKIP" if run is None or run.status == "skipped" else "MISS",
                       f"{what}: " + (outcome(run.status, run.wall, run.message) if run else not_run)))
        return None

    def under(what, run, figure, limit, show=ms, unit=""):
        """A figure of the run (the name of a --stats figure, or a function of the run) under its limit."""
        if run := measured(what, run):
            value = figure(run) if callable(figure) else run.get(figure)
            if value is None:
                check(False, f"{what}: the run reported no {figure}")
            else:
                check(value < limit, f"{what}: {show(value)}{unit}, limit under {show(limit)}")

    for stage in results.stages:  # each against its Python twin, measured in the same run
        for files, lines in (*PYTHON_SHAPES, PYTHON_SMALL) if has_twin(results, stage) else ():
            whole = ", a whole run" if (files, lines) == PYTHON_SMALL else ""
            what = f"{stage}, {shape(files, lines)} prefilled{whole}, against its Python twin"
            run, ratio = twin_ratio(results, stage, files, lines)
            if ratio is None:
                measured(what if run is None or run.stage == stage else f"{what} (the twin's run)", run)
                continue
            text = f"{ratio[1]}, {ratio[0]:.1f} ×"
            key, cost, whom = ROUND_TRIP.get(stage, ("", "", ""))
            if ratio[0] < PYTHON_FACTOR and not whole and (floor := results.info.get(key)):
                text += (f"; a line costs {cost}, {float(floor):.1f} µs here (common/tools/round_trip.cpp): at most "
                         f"{rate(1e6 / float(floor))} lines/s {whom}")
            check(ratio[0] >= PYTHON_FACTOR, f"{what}: {text} (target {PYTHON_FACTOR} ×)")

    what = f"stage1_threads at least 20% of cat, {shape(5, 20000)} prefilled"
    run, cat = find(results, "stage1_threads", files=5, lines=20000), results.cats.get((5, 20000))
    if (run := measured(what, run, "stage 1 not run")) and not isinstance(cat, float):
        checks.append(("SKIP", f"{what}: no cat figure" + (f" ({cat})" if cat else "")))
    elif run:
        got = run.get("lines_per_second")
        check(got >= CAT_SHARE * cat, f"{what}: {rate(got)} lines/s is {percent(got / cat)} of cat's {rate(cat)}")

    pool = 2 * int(results.info["cores"]) if results.info.get("cores", "").isdigit() else 0
    for stage in ("stage3_coroutines", "stage5_nonblocking"):
        what = f"{stage} at {MANY_FILES:,} files"
        if run := measured(what, find(results, stage, files=MANY_FILES), f"no {MANY_FILES:,}-file run"):
            threads, rss = run.get("peak_threads"), run.get("peak_rss_mib")
            if pool:
                check(threads <= pool + THREADS_ABOVE_POOL, f"{what}: peak {threads:.0f} threads, limit "
                      f"{pool + THREADS_ABOVE_POOL} (pool of {pool} + 3)")
            else:
                checks.append(("SKIP", f"{what}: peak {threads:.0f} threads, but the core count is unknown"))
            check(rss < RSS_LIMIT_MIB, f"{what}: peak RSS {rss:.1f} MiB, limit under {RSS_LIMIT_MIB} MiB")

    what = f"stage2_mixed at {MANY_FILES:,} files completes or stops at once"
    run = find(results, "stage2_mixed", files=MANY_FILES)
    if run is None or run.status == "skipped":
        measured(what, run, f"no {MANY_FILES:,}-file run")
    elif run.status != "failed" or not run.message:
        check(run.status == "ok", f"{what}: " + {"ok": f"completed in {run.wall:.1f} s", "timeout": "hung, " + outcome(
            run.status, run.wall, run.message)}.get(run.status, "failed without a message"))
    else:
        slow = f"only after {run.wall:.1f} s (limit {STOP_AT_ONCE_SECONDS:.1f} s)" if run.wall > STOP_AT_ONCE_SECONDS \
            else f"after {run.wall:.1f} s"
        check(run.wall <= STOP_AT_ONCE_SECONDS, f"{what}: stopped {slow}: {run.message}")

    under("stage5_nonblocking longest loop stall with 100 ms writes", find(results, "stage5_nonblocking", "stall"),
          "longest_stall_ms", STALL_LIMIT_MS)
    for stage in results.stages:
        under(f"{stage} idle CPU with 1,000 idle inputs", find(results, stage, "idle"),
              lambda r: r.get("cpu_seconds") / r.get("seconds") if r.get("seconds") else 0, IDLE_LIMIT, percent,
              " of a core")
        latency, drain = f"{stage} line latency with 100 writers", f"{stage} merge ends after its last input is closed"
        if (run := measured(latency, find(results, stage, "latency"))) is None:
            measured(drain, find(results, stage, "latency"))
            continue
        median, p99 = run.get("latency_median_ms") or 0, run.get("latency_p99_ms") or 0
        check(run.get("latency_lines") and median < MEDIAN_LIMIT_MS and p99 < P99_LIMIT_MS, f"{latency}: " + (
            f"median {ms(median)}, p99 {ms(p99)}, limits under {ms(MEDIAN_LIMIT_MS)} and {ms(P99_LIMIT_MS)}"
            if run.get("latency_lines") else "no lines measured"))
        under(drain, run, "drain_ms", DRAIN_LIMIT_MS)

    for kind, what in (("cancel-failure", "an input's failure"), ("cancel-signal", "SIGINT")):
        under(f"stage5_task_group: from {what} to the exit, 5 followed inputs (the longest of the runs)",
              find(results, "stage5_task_group", kind), "max_ms", CANCEL_LIMIT_MS)
    under("stage1_threads whole process, 5 × 4,000 prefilled", find(results, "stage1_threads", "small"),
          lambda r: r.wall * 1000, SMALL_RUN_LIMIT_MS)

    for step, (what, limit) in BUILD_STEPS.items():
        status, seconds, message = results.builds.get(step, ("skipped", 0, "not measured"))
        if status != "ok":
            checks.append(("SKIP" if status == "skipped" else "MISS", f"{what}: {outcome(status, seconds, message)}"))
        else:
            check(seconds <= limit, f"{what}: {seconds:.1f} s, limit {limit:.1f} s")
    return checks


def why_missed(text):
    return next((f". Why: {why}" for parts, why in WHY if all(part in text for part in parts)), "")


def table(first, columns, rows):
    lines = ["| " + " | ".join([first, *columns]) + " |", "|---" + "|---:" * len(columns) + "|"]
    return "\n".join(lines + ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]) + "\n"


def figures(run, show):
    """A table cell for a run: its figures as show makes them, or why it has none."""
    return "–" if run is None else show(run) if run.status == "ok" else outcome(run.status, run.wall, run.message)


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

    label = lambda f, n: shape(f, n) + (" *" if (f, n) in PYTHON_SHAPES else "")  # noqa: E731
    out.append("\n## Throughput, prefilled inputs\n\nLines merged per second (the merge's wall time, without "
               "writing the inputs); in brackets the share of `cat`'s rate on the same files.")
    if results.info.get("total_lines", "").isdigit():
        out.append(f" The sweep holds the total at {int(results.info['total_lines']):,} lines.")
    out.append(f" {shape(5, 20000)} and {shape(1000, 100)} are the shapes the book's Python was measured on "
               "(marked *), on which the Python twins run too (see × Python).\n\n")
    rows = []
    for files, lines in shapes(results, False):
        cat = results.cats.get((files, lines), "–")
        share = lambda got: f" ({percent(got / cat)})" if isinstance(cat, float) else ""  # noqa: E731,B023
        rows.append([label(files, lines), rate(cat) if isinstance(cat, float) else cat] + [figures(
            find(results, stage, files=files, lines=lines),
            lambda r: rate(r.get("lines_per_second")) + share(r.get("lines_per_second"))) for stage in results.stages])
    out.append(table("files × lines each", ["cat", *results.stages], rows))

    if twins := [stage for stage in results.stages if has_twin(results, stage)]:
        floors = [f"{cost} for {stage}, {float(results.info[key]):.1f} µs" for stage, (key, cost, _) in
                  ROUND_TRIP.items() if key in results.info]
        out.append("\n## × Python\n\nEach stage against its own Python twin (`stageN/tail_merge.py`), in the same "
                   "run: lines merged per second on the book's two shapes, and the wall time of a whole small run "
                   f"({shape(*PYTHON_SMALL)} prefilled, start-up and confirm_merge included; the twin's is the mean "
                   "of 5 runs)." + (" What a line costs by design, measured here (common/tools/round_trip.cpp): " +
                                    "; ".join(floors) + "." if floors else "") + "\n\n")

        def against(stage, files, lines):
            run, ratio = twin_ratio(results, stage, files, lines)
            if ratio is None:
                return "–" if run is None else ("Python: " if run.stage != stage else "") + figures(run, str)
            return f"{ratio[1].replace(' lines/s', '').replace(' against ', ' / ')}: {ratio[0]:.1f} ×"

        out.append(table("C++ / Python", [f"{shape(*PYTHON_SHAPES[0])}, lines/s", f"{shape(*PYTHON_SHAPES[1])}, "
                                          f"lines/s", f"{shape(*PYTHON_SMALL)}, a whole run"],
                         [[stage] + [against(stage, f, n) for f, n in (*PYTHON_SHAPES, PYTHON_SMALL)]
                          for stage in twins]))

    if find(results, "stage5_task_group", "cancel-failure"):
        out.append("\n## beyond/task_group: from a failure or a signal to the exit\n\nFollowing 5 files nobody "
                   "writes to, with --interval 60 (inotify wakes it): the time from replacing one by a directory (the "
                   "first tail fails and the group cancels the others), or from SIGINT (the signal_set cancels the "
                   "group), until the process has ended, the summary line and the check of the output included; the "
                   "median and the longest of the runs: " + "; ".join(
                       f"{what} {figures(find(results, 'stage5_task_group', kind), lambda r: ms(r.get('median_ms')))}"
                       f", longest {figures(find(results, 'stage5_task_group', kind), lambda r: ms(r.get('max_ms')))}"
                       for kind, what in (("cancel-failure", "an input fails:"), ("cancel-signal", "SIGINT:"))) + ".")
        five, group = (find(results, stage, files=5, lines=20000) for stage in ("stage5_nonblocking",
                                                                                  "stage5_task_group"))
        if five and group and five.status == group.status == "ok":
            out.append(f" Throughput against stage 5 ({shape(5, 20000)} prefilled): "
                       f"{rate(group.get('lines_per_second'))} against {rate(five.get('lines_per_second'))} lines/s "
                       f"({percent(group.get('lines_per_second') / five.get('lines_per_second'))}).")
        out.append("\n")

    out.append("\n## Threads and memory, prefilled inputs\n\nPeak threads of the whole process (the main thread "
               "included; no writer threads when prefilled), peak resident memory, and CPU time of the merge. The "
               "memory is the process's high-water mark (getrusage), taken right after the merge: it covers writing "
               "the inputs before the merge, not the confirm_merge check after it. Peak threads are sampled every "
               "2 ms, so threads that live shorter than that (stage 1 and 4's tails of tiny inputs) may be "
               "missed.\n\n")
    out.append(table("files × lines each", results.stages, [[label(files, lines)] + [
        figures(find(results, stage, files=files, lines=lines), lambda r: f"{r.get('peak_threads'):.0f} threads, "
                f"{r.get('peak_rss_mib'):.0f} MiB, {r.get('cpu_seconds'):.1f} s CPU") for stage in results.stages]
        for files, lines in shapes(results, False)]))

    out.append("\n## Live writers, idle inputs, slow writes\n\n")
    for kind, what in (("latency", "Latency (write to output, with concurrent writers), and how long the merge "
                        "went on after the last input was closed"),
                       ("idle", "Idle (following files nobody writes to, the default --interval: the whole "
                        "process's CPU time over a few seconds once it has started, 100% = one core)"),
                       ("small", "A whole small run (the process's wall time, start-up and confirm_merge included, "
                        "the mean of 20 runs timed by hyperfine)"),
                       ("stall", "Longest event-loop stall (every output write takes 100 ms)")):
        if run := next((r for r in results.runs if r.kind == kind), None):
            out.append(f"- {what}: {run.files:,} files, {f'{run.lines:,} lines each' if run.lines else 'no lines'}, "
                       f"`{run.args}`\n")

    def live(stage, suffix):  # latency median, p99, drain and idle CPU
        run = find(results, stage, "latency" + suffix)
        cells = [figures(run, lambda r: "no lines measured"), "–", "–"]
        if run and run.status == "ok" and run.get("latency_lines"):
            cells = [ms(run.get("latency_median_ms") or 0), ms(run.get("latency_p99_ms") or 0),
                     ms(run.get("drain_ms")) if run.get("drain_ms") is not None else "–"]
        return cells + [figures(find(results, stage, "idle" + suffix), lambda r: "{} ({:.1f} s in {:.1f} s)".format(
            percent(r.get("cpu_seconds") / r.get("seconds") if r.get("seconds") else 0), r.get("cpu_seconds"),
            r.get("seconds")))]

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
    out += [f"    STAGE {run.args} --stats FILE\n\n" for run in results.runs if run.kind in ("sweep", "ref")][:1]
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
            continue  # not in the sweep (the programs beyond stage 5 run only the reference shapes)
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


def report(results, markdown_path, picture_path):
    link = os.path.relpath(os.path.abspath(picture_path), os.path.dirname(os.path.abspath(markdown_path)))
    toolkit.write_all({markdown_path: markdown(results, check_targets(results), link), picture_path: plot(results)})


def main(arguments):
    if arguments[:1] == ["--report"]:
        report(load(arguments[1]), arguments[2], arguments[3])
        return
    os.chdir(Path(__file__).resolve().parents[2])
    if arguments == ["--build-times"]:
        build_times("build/bench/build-times")
    elif not Path("/proc/self/stat").exists():  # the idle runs' CPU time, threads and signals
        raise toolkit.Failure("/proc", "not here: the benchmark measures processes through /proc, which only Linux has "
                                       "(the report of a Linux run: ./workshop bench --report)")
    else:
        bench(quick=arguments == ["--quick"])


if __name__ == "__main__":
    toolkit.run("bench", USAGE, lambda a: None if a in ([], ["--quick"], ["--build-times"]) or (
        len(a) == 4 and a[0] == "--report") else "", main)
