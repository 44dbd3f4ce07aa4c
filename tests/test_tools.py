"""The Python tools of common/tools/: the benchmark (bench.py: its runs, its
report) and the trace picture (trace_picture.py), on small hand-made inputs;
the scripts under a stand-in for macOS's bash; the dev container's plan; the
twins' lines the READMEs show; the Korean pages' words; the pages' links.

ctest runs one entry per test method (support/ctest_main.py). The picture
tests need matplotlib; where it is missing they are not counted and not
registered, and CMake says so.
"""
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import unittest.mock
import xml.etree.ElementTree as ElementTree
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent / "common" / "tools"
sys.path.insert(0, str(TOOLS))
import bench  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))
import ctest_main  # noqa: E402
import trace_picture  # noqa: E402

HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def run_tool(name, *arguments):
    """The tool run as the scripts run it: its exit code and its stderr."""
    done = subprocess.run([sys.executable, str(TOOLS / name), *map(str, arguments)], capture_output=True, text=True)
    return done.returncode, done.stderr


class Results:
    """A bench's results.json as bench.py leaves it, built up run by run."""

    def __init__(self):
        self.temporary = tempfile.TemporaryDirectory()
        self.dir = Path(self.temporary.name)
        self.results = bench.Results(info={"system": "Linux 6.1 x86_64", "cpu": "Test CPU", "cores": "2",
                                           "date": "2024-01-01 12:00 UTC", "command": "./workshop bench",
                                           "total_lines": "10000"})

    def ok(self, kind, stage, files, lines, stats, wall=1.0):
        """A run that exited 0 and left stats (an object, or the file's text)."""
        path = self.dir / f"{kind}-{files}-{stage}.json"
        path.write_text(stats if isinstance(stats, str) else json.dumps(stats))
        run = bench.Run(kind, stage, files, lines, "ok", float(wall), "--prefill")
        bench.load_stats(run, path)
        self.results.add(run)

    def not_ok(self, kind, stage, files, lines, status, wall, message):
        self.results.add(bench.Run(kind, stage, files, lines, status, float(wall), "--prefill", message))

    def cat(self, files, lines, fastest):
        self.results.cats[files, lines] = files * lines / fastest

    def build(self, step, status, wall, message=""):
        self.results.builds[step] = (status, float(wall), message)

    def run(self, tool=False):
        """The report of the results, saved and read back: bench.py's own
        functions (the plot needs matplotlib), or with tool the whole of
        `bench.py --report`. Its exit code."""
        bench.save(self.results, self.dir / "results.json")
        self.md, self.svg, self.errors = self.dir / "report.md", self.dir / "plot.svg", ""
        if tool:
            code, self.errors = run_tool("bench.py", "--report", self.dir / "results.json", self.md, self.svg)
            return code
        results = bench.load(self.dir / "results.json")
        self.md.write_text(bench.markdown(results, bench.check_targets(results), "plot.svg"))
        return 0

    def report(self):
        return self.md.read_text()


def stats(stage, lines, lines_per_second, threads, rss, **extra):
    """A --stats object as stage_main.cpp writes it."""
    return {"stage": stage, "files": 1, "lines": lines, "prefill": True, "seconds": lines / lines_per_second,
            "lines_per_second": lines_per_second, "peak_threads": threads, "peak_rss_mib": rss, "cpu_seconds": 0.5,
            "latency_lines": 0, "latency_median_ms": 0, "latency_p99_ms": 0, "confirm_merge": True, **extra}


def idle(stage, cpu, seconds=10):
    return {"stage": stage, "lines": 0, "seconds": seconds, "lines_per_second": 0, "peak_threads": 5,
            "peak_rss_mib": 30, "cpu_seconds": cpu, "confirm_merge": True}


def filled():
    """A small bench over four stages: a sweep of 1 x 10,000 and 10,000 x 1,
    the two reference shapes, and one run of each other kind."""
    r = Results()
    for stage, rate in (("stage1_threads", 2e6), ("stage2_mixed", 1e5), ("stage3_coroutines", 3e6),
                        ("stage5_nonblocking", 5e4)):
        r.ok("sweep", stage, 1, 10000, stats(stage, 10000, rate, 2 if stage < "stage3" else 5, 10))
    r.cat(1, 10000, 0.001)
    r.ok("sweep", "stage1_threads", 10000, 1, stats("stage1_threads", 10000, 1e6, 300, 30))
    r.not_ok("sweep", "stage2_mixed", 10000, 1, "failed", 2.5, "stage2_mixed: error: thread: Resource temporarily "
             "unavailable")
    r.ok("sweep", "stage3_coroutines", 10000, 1, stats("stage3_coroutines", 10000, 2e6, 5, 40))
    r.ok("sweep", "stage5_nonblocking", 10000, 1, stats("stage5_nonblocking", 10000, 1e6, 9, 120))
    r.results.cats[10000, 1] = "failed: found 3 input files in /tmp/x, expected 10000"
    for stage, rate in (("stage1_threads", 1.5e6), ("stage2_mixed", 5e4), ("stage3_coroutines", 2e5)):
        r.ok("ref", stage, 5, 20000, stats(stage, 100000, rate, 6, 10))
    r.not_ok("ref", "stage5_nonblocking", 5, 20000, "timeout", 120, "no result within the limit of 120 s")
    r.cat(5, 20000, 0.01)
    for stage, rate, threads in (("stage1_threads", 5e5, 300), ("stage2_mixed", 1e5, 1001),
                                 ("stage3_coroutines", 3e5, 5), ("stage5_nonblocking", 1e5, 6)):
        r.ok("ref", stage, 1000, 100, stats(stage, 100000, rate, threads, 10))
    # The Python twins on the same shapes, and one round trip between threads.
    for stage, rate in (("stage1_threads", 5e4), ("stage2_mixed", 1e4), ("stage3_coroutines", 2e4)):
        r.ok("ref", stage + ".py", 5, 20000, stats(stage, 100000, rate, 6, 20))
    for stage, rate in (("stage1_threads", 2e4), ("stage2_mixed", 1e4), ("stage3_coroutines", 1e4),
                        ("stage5_nonblocking", 5e3)):
        r.ok("ref", stage + ".py", 1000, 100, stats(stage, 100000, rate, 6, 20))
    r.ok("small", "stage1_threads.py", 5, 4000, stats("stage1_threads", 20000, 1e5, 6, 10), wall=0.5)
    r.results.info["stage2_round_trip_us"] = "7.00"
    r.ok("latency", "stage1_threads", 100, 100, stats("stage1_threads", 10000, 1e4, 201, 10, latency_lines=10000,
                                                      latency_median_ms=5.24, latency_p99_ms=10.5, drain_ms=3))
    r.ok("idle", "stage1_threads", 1000, 0, idle("stage1_threads", 2.5))
    r.ok("stall", "stage1_threads", 2, 5, stats("stage1_threads", 10, 10, 3, 5))
    r.ok("stall", "stage3_coroutines", 2, 5, stats("stage3_coroutines", 10, 10, 5, 5, longest_stall_ms=996))
    r.ok("stall", "stage5_nonblocking", 2, 5, stats("stage5_nonblocking", 10, 10, 6, 5, longest_stall_ms=3))
    r.build("clean", "ok", "120.5")
    r.build("demo", "ok", "44.9")
    r.build("tsan1", "failed", "12.5", "ninja: build stopped: subcommand failed.")
    r.build("rebuild", "ok", "10")
    r.results.slowest.append((42.5, "tests/CMakeFiles/test_common.dir/test_asyncio.cpp.o"))
    return r


def lines_starting(text, prefix):
    return [line for line in text.splitlines() if line.startswith(prefix)]


def section(report, heading):
    """The report's section under heading, up to the next one of its level."""
    start = report.index("\n" + heading)
    end = report.find("\n## ", start + 1)
    return report[start:end if end >= 0 else None]


class BenchReport(unittest.TestCase):
    def line(self, text, prefix):
        found = lines_starting(text, prefix)
        self.assertEqual(len(found), 1, f'lines starting with "{prefix}"')
        return found[0]

    def test_bench_report_one_row_per_prefilled_shape_with_share_of_cat(self):
        r = filled()
        self.assertEqual(r.run(), 0, r.errors)
        report = r.report()
        throughput = section(report, "## Throughput")
        # The sweep by file count, then the reference shapes, marked.
        self.assertEqual(self.line(throughput, "| 1 × 10,000 |"),
                         "| 1 × 10,000 | 10.0 M | 2.00 M (20%) | 100 k (1.0%) | 3.00 M (30%) | 50.0 k (0.5%) |")
        self.assertEqual(self.line(throughput, "| 1,000 × 100 * |"),
                         "| 1,000 × 100 * | – | 500 k | 100 k | 300 k | 100 k |")
        self.assertIn("| 10.0 M | 1.50 M (15%) | 50.0 k (0.5%) |", self.line(throughput, "| 5 × 20,000 * |"))
        self.assertEqual([row[:row.index(" | ", 2)] for row in lines_starting(throughput, "| ")],
                         ["| files × lines each", "| 1 × 10,000", "| 10,000 × 1", "| 5 × 20,000 *", "| 1,000 × 100 *"])
        self.assertIn("| 300 threads, 10 MiB, 0.5 s CPU | 1001 threads, 10 MiB, 0.5 s CPU |",
                      self.line(section(report, "## Threads"), "| 1,000 × 100 * |"))
        self.assertEqual(self.line(report, "| stage1_threads | 5.2"), "| stage1_threads | 5.2 ms | 10.5 ms | 3.0 ms "
                         "| 25% (2.5 s in 10.0 s) | – | n/a (no event loop) |")
        self.assertEqual(self.line(report, "| stage3_coroutines | –"),
                         "| stage3_coroutines | – | – | – | – | – | 996 ms |")
        self.assertIn("Linux 6.1 x86_64, Test CPU, 2 cores", report)
        self.assertIn("`./workshop bench`", report)
        self.assertIn("42.5 s `tests/CMakeFiles/test_common.dir/test_asyncio.cpp.o`", report)

    def test_bench_report_every_target_is_pass_miss_or_skip_and_a_miss_says_why(self):
        r = filled()
        self.assertEqual(r.run(), 0, r.errors)  # missed targets are the report's content, not an error
        report = r.report()
        # Each stage against its Python twin, measured in the same run.
        self.assertEqual(self.line(report, "- PASS stage1_threads, 5 × 20,000"), "- PASS stage1_threads, 5 × 20,000 "
                         "prefilled, against its Python twin: 1.50 M lines/s against 50.0 k, 30.0 × (target 20 ×)")
        self.assertEqual(self.line(report, "- MISS stage2_mixed, 5 × 20,000"), "- MISS stage2_mixed, 5 × 20,000 "
                         "prefilled, against its Python twin: 50.0 k lines/s against 10.0 k, 5.0 ×; a line costs a round "
                         "trip between threads, 7.0 µs here (common/tools/round_trip.cpp): at most 143 k lines/s for "
                         "each tail (target 20 ×). Why: every line is a round trip between its pool thread and the loop "
                         "(run_coroutine_threadsafe, then future.get()), two thread wake-ups per line; see "
                         "stage2_mixed/README.md")
        self.line(report, "- PASS stage3_coroutines, 1,000 × 100 prefilled, against its Python twin: 300 k lines/s "
                          "against 10.0 k, 30.0 ×")
        self.assertIn("timed out after 120.0 s", self.line(report, "- MISS stage5_nonblocking, 5 × 20,000"))
        self.assertEqual(self.line(report, "- SKIP stage1_threads, 5 × 4,000 prefilled, a whole run"),
                         "- SKIP stage1_threads, 5 × 4,000 prefilled, a whole run, against its Python twin: not run")
        twins = section(report, "## × Python")
        self.assertEqual(self.line(twins, "| stage1_threads |"), "| stage1_threads | 1.50 M / 50.0 k: 30.0 × "
                         "| 500 k / 20.0 k: 25.0 × | – |")
        self.assertIn("a round trip between threads for stage2_mixed, 7.0 µs", twins)
        cat = self.line(report, "- MISS stage1_threads at least 20% of cat")
        self.assertIn("1.50 M lines/s is 15% of cat's 10.0 M. Why: ", cat)
        # Stage 3 keeps to the pool at 10,000 files; stage 5 here does not.
        self.assertIn("limit 7 (pool of 4 + 3)", self.line(report, "- PASS stage3_coroutines at 10,000 files: peak 5"))
        self.assertIn("limit 7", self.line(report, "- MISS stage5_nonblocking at 10,000 files: peak 9 threads"))
        self.assertIn("120.0 MiB, limit under 100 MiB", self.line(report, "- MISS stage5_nonblocking at 10,000 "
                                                                          "files: peak RSS"))
        self.assertIn("3.0 ms", self.line(report, "- PASS stage5_nonblocking longest loop stall"))
        self.assertTrue(self.line(report, "- MISS clean build").startswith(
            "- MISS clean build of all targets: 120.5 s, limit 60.0 s. Why: "))
        self.assertIn("44.9 s, limit 45.0 s", self.line(report, "- PASS a fresh `./workshop demo`"))
        self.assertIn("ninja: build stopped: subcommand failed.", self.line(report, "- MISS `./workshop test tsan 1`"))
        self.assertIn("10.0 s, limit 10.0 s", self.line(report, "- PASS rebuild"))
        # The build-time table lists the steps in a fixed order, each with its limit.
        demo = report.index("| a fresh `./workshop demo` to its five summary lines | 44.9 s | ≤ 45.0 s |")
        self.assertLess(report.index("| clean build of all targets | 120.5 s | ≤ 60.0 s |"), demo)
        counts = [len(lines_starting(report, f"- {verdict} ")) for verdict in ("PASS", "MISS", "SKIP")]
        self.assertIn("{} PASS, {} MISS, {} SKIP.".format(*counts), report)
        self.assertEqual(counts[1], 11)

    def test_bench_report_waits_against_their_limits(self):
        """Idle CPU, line latency and the end after the last line."""
        r = filled()
        r.ok("latency", "stage3_coroutines", 100, 100, stats("stage3_coroutines", 10000, 1e4, 5, 10, latency_lines=1e4,
                                                             latency_median_ms=0.42, latency_p99_ms=3.1, drain_ms=1.2))
        r.ok("latency-polling", "stage3_coroutines", 100, 100, stats(
            "stage3_coroutines", 10000, 1e4, 5, 10, latency_lines=1e4, latency_median_ms=50.5, latency_p99_ms=99.1,
            drain_ms=97))
        r.ok("idle", "stage3_coroutines", 1000, 0, idle("stage3_coroutines", 0.015, 5))
        r.ok("small", "stage1_threads", 5, 4000, stats("stage1_threads", 20000, 1e6, 6, 5), "0.031")
        self.assertEqual(r.run(), 0, r.errors)
        report = r.report()
        for line in ("- MISS stage1_threads idle CPU with 1,000 idle inputs: 25% of a core, limit under 1.0%",
                     "- MISS stage1_threads line latency with 100 writers: median 5.2 ms, p99 10.5 ms, limits under "
                     "2.0 ms and 10.0 ms",
                     "- PASS stage1_threads merge ends after its last input is closed: 3.0 ms, limit under 10.0 ms",
                     "- PASS stage3_coroutines idle CPU with 1,000 idle inputs: 0.3% of a core, limit under 1.0%",
                     "- PASS stage3_coroutines line latency with 100 writers: median 0.4 ms, p99 3.1 ms, limits under "
                     "2.0 ms and 10.0 ms",
                     "- PASS stage1_threads whole process, 5 × 4,000 prefilled: 31.0 ms, limit under 40.0 ms",
                     "- SKIP stage2_mixed idle CPU with 1,000 idle inputs: not run"):
            self.assertEqual(self.line(report, line[:30]), line)
        # The small run against its Python twin's (500 ms).
        self.assertEqual(self.line(report, "- MISS stage1_threads, 5 × 4,000"), "- MISS stage1_threads, 5 × 4,000 "
                         "prefilled, a whole run, against its Python twin: 31.0 ms against 500 ms, 16.1 × "
                         "(target 20 ×)")
        # With inotify, then with it off: one row per stage in each table.
        live = section(report, "## Live writers")
        for row in ("| stage3_coroutines | 0.4 ms | 3.1 ms | 1.2 ms | 0.3% (0.0 s in 5.0 s) | – | 996 ms |",
                    "| stage1_threads | 5.2 ms | 10.5 ms | 3.0 ms | 25% (2.5 s in 10.0 s) | 31.0 ms | n/a (no event "
                    "loop) |",
                    "| stage3_coroutines | 50.5 ms | 99.1 ms | 97.0 ms | – |"):
            self.assertEqual(self.line(live, row[:30]), row)
        self.assertIn("with inotify off (`TAIL_MERGE_NO_INOTIFY=1`)", live)

    def test_bench_report_a_failed_run_is_shown_failed_never_as_a_figure(self):
        r = filled()
        # Exit 0 but confirm_merge false, and exit 0 without a stats file.
        r.ok("latency", "stage2_mixed", 100, 100, {"lines": 1, "seconds": 1, "lines_per_second": 1, "peak_threads": 1,
                                                   "peak_rss_mib": 1, "cpu_seconds": 1, "confirm_merge": False})
        missing = bench.Run("idle", "stage2_mixed", 1000, 0, "ok", 1.0, "--hold 10")
        bench.load_stats(missing, r.dir / "missing.json")
        r.results.add(missing)
        self.assertEqual(r.run(), 0, r.errors)
        report = r.report()
        self.assertEqual(self.line(section(report, "## Throughput"), "| 10,000 × 1 |"),
                         "| 10,000 × 1 | failed: found 3 input files in /tmp/x, expected 10000 | 1.00 M | failed: "
                         "stage2_mixed: error: thread: Resource temporarily unavailable | 2.00 M | 1.00 M |")
        self.assertIn("| timed out after 120.0 s", self.line(section(report, "## Throughput"), "| 5 × 20,000 * |"))
        stage2 = self.line(section(report, "## Live writers"), "| stage2_mixed |")
        self.assertIn("| failed: confirm_merge did not pass |", stage2)
        self.assertIn("| failed: ", stage2.split("did not pass")[1])
        self.assertIn("missing.json", stage2)
        # Stopping at once with a message is what stage 2 at 10,000 files may do.
        self.assertEqual(self.line(report, "- PASS stage2_mixed at 10,000 files"), "- PASS stage2_mixed at 10,000 "
                         "files completes or stops at once: stopped after 2.5 s: stage2_mixed: error: thread: "
                         "Resource temporarily unavailable")

    def test_bench_report_stage2_hanging_at_10000_files_is_a_miss(self):
        r = Results()
        r.not_ok("sweep", "stage2_mixed", 10000, 100, "timeout", 120, "no result within the limit of 120 s")
        self.assertEqual(r.run(), 0, r.errors)
        self.assertIn("hung, timed out after 120.0 s", self.line(r.report(), "- MISS stage2_mixed at 10,000 files"))
        # What was not measured is a SKIP, not a PASS.
        self.assertIn("not measured", self.line(r.report(), "- SKIP clean build"))
        self.assertEqual(lines_starting(r.report(), "- PASS "), [])

    def test_bench_report_unreadable_results_are_one_line_and_nothing_is_written(self):
        r = filled()
        bench.save(r.results, r.dir / "results.json")
        data = json.loads((r.dir / "results.json").read_text())
        del data["runs"][3]["files"]
        (r.dir / "results.json").write_text(json.dumps(data))
        r.md, r.svg = r.dir / "report.md", r.dir / "plot.svg"
        code, errors = run_tool("bench.py", "--report", r.dir / "results.json", r.md, r.svg)
        self.assertEqual(code, 1)
        self.assertRegex(errors, r"^bench: .*results.json: not the results of a bench \(TypeError: .*'files'.*\)\n$")
        self.assertFalse(r.md.exists() or r.svg.exists())
        (r.dir / "results.json").write_text("run\tsweep\tstage1_threads")
        self.assertIn("results.json: not the results of a bench (JSONDecodeError",
                      run_tool("bench.py", "--report", r.dir / "results.json", r.md, r.svg)[1])
        code, errors = run_tool("bench.py", "--report", r.dir / "none.json", "a.md", "b.svg")
        self.assertEqual((code, errors.strip()), (1, f"bench: {r.dir / 'none.json'}: No such file or directory"))
        self.assertEqual(run_tool("bench.py", "--report", "only-one")[0], 2)
        self.assertEqual(run_tool("bench.py", "--fast")[0], 2)

    def test_bench_runs_a_program_under_a_time_limit_and_says_why_it_failed(self):
        with tempfile.TemporaryDirectory() as scratch:
            out, err = Path(scratch, "out"), Path(scratch, "err")
            started = time.monotonic()
            self.assertIsNone(bench.execute(["sleep", "30"], 0.2, out, err))  # None: it did not end in time
            self.assertLess(time.monotonic() - started, 10)
            self.assertEqual(bench.execute(["sh", "-c", "echo merged; echo '  first' >&2; echo 'stage9: error:  "
                                            "disk full' >&2; echo >&2; exit 3"], 10, out, err), 3)
            self.assertEqual((out.read_text(), bench.failure(err, 3)), ("merged\n", "stage9: error: disk full"))
            self.assertEqual(bench.execute(["sh", "-c", "kill -KILL $$"], 10, out, err), -9)
            self.assertEqual(bench.failure(err, -9), "killed by SIGKILL")
            self.assertEqual(bench.failure(err, 2), "exit code 2, nothing on stderr")
            # A run that exits 0 with figures that do not hold is failed, with the reason.
            run = bench.Run("sweep", "stage1_threads", 1, 1, "ok", 1.0)
            bench.load_stats(run, out)
            self.assertEqual((run.status, run.stats), ("failed", {}))
            self.assertIn("Expecting value", run.message)  # "merged" is not JSON

    def test_bench_cancellation_times_each_run_to_the_exit_it_expects(self):
        """beyond/task_group's row: an input replaced by a directory must end the
        program with 1, SIGINT with 130; any other exit fails the row, with why."""
        fake = ("#!/bin/sh\nfor a; do [ \"$previous\" = --output ] && out=$a; previous=$a; done\n"
                "printf '1\\n2\\n3\\n4\\n5\\n' >\"$out\"\ntrap 'echo took SIGINT >&2; exit $ON_SIGINT' INT\n"
                "while [ ! -d \"$(dirname \"$out\")/in2\" ]; do sleep 0.005; done\nexit 1\n")
        with tempfile.TemporaryDirectory() as scratch:
            Path(scratch, "fake").write_text(fake)
            Path(scratch, "fake").chmod(0o755)
            for on_sigint, verdict in (("130", ("ok", "")), ("0", ("failed", "exit code 0, not 130: took SIGINT"))):
                b = bench.Bench(scratch, Path(scratch, "bench"), 100, 10)
                b.command = lambda program: [Path(scratch, "fake")]
                with unittest.mock.patch.dict(os.environ, ON_SIGINT=on_sigint):
                    b.cancellation("stage5_task_group", 60, repeats=2)
                failed, signalled = b.results.runs
                self.assertEqual((failed.kind, failed.status, signalled.kind), ("cancel-failure", "ok", "cancel-signal"))
                self.assertEqual((signalled.status, signalled.message), verdict)
                self.assertLess(failed.stats["max_ms"], 5000)

    def test_bench_report_numbers_as_people_read_them(self):
        self.assertEqual([bench.rate(v) for v in (980, 98200, 1.5e6, 10e6, 123e6)],
                         ["980", "98.2 k", "1.50 M", "10.0 M", "123 M"])
        self.assertEqual([bench.percent(v) for v in (0.15, 0.1, 0.005)], ["15%", "10%", "0.5%"])
        self.assertEqual([bench.ms(v) for v in (996, 100, 3)], ["996 ms", "100 ms", "3.0 ms"])
        self.assertEqual(bench.shape(10000, 1), "10,000 × 1")
        self.assertEqual(bench.cell("a|b\nc"), "a\\|b c")  # a cell must not break its table

    @unittest.skipUnless(HAVE_MATPLOTLIB, "needs matplotlib")
    def test_picture_bench_report_a_line_per_stage_cat_and_a_key(self):
        r = filled()
        self.assertEqual(r.run(tool=True), 0, r.errors)
        self.assertIn("![Lines per second and peak threads against the number of input files](plot.svg)", r.report())
        self_contained_svg(self, r.svg, ["stage1_threads", "stage5_nonblocking", "cat of the same files: the copy "
                                         "floor", "on the bottom edge: the run failed or timed out", "Test CPU"])
        figure = bench.plot(bench.load(r.dir / "results.json"))
        throughput, threads, _ = figure.axes
        lines = {line.get_label(): line for line in throughput.get_lines() if not line.get_label().startswith("_")}
        self.assertEqual(list(lines), ["cat of the same files: the copy floor", "stage1_threads", "stage2_mixed",
                                       "stage3_coroutines", "stage5_nonblocking"])
        # Only the sweep is drawn; cat failed at 10,000 files, so has one point.
        self.assertEqual(list(lines["stage1_threads"].get_xdata()), [1, 10000])
        self.assertEqual(list(lines["stage1_threads"].get_ydata()), [2e6, 1e6])
        self.assertEqual(list(lines["cat of the same files: the copy floor"].get_xdata()), [1])
        # Stage 2 failed at 10,000 files: no point there, an x on the bottom edge.
        self.assertEqual(list(lines["stage2_mixed"].get_xdata()), [1])
        crosses = [line for line in throughput.get_lines() if line.get_marker() == "x"]
        self.assertEqual([list(line.get_xdata()) for line in crosses], [[10000]])
        self.assertEqual(crosses[0].get_ydata()[0], throughput.get_ylim()[0])
        self.assertEqual((throughput.get_xscale(), throughput.get_yscale()), ("log", "log"))
        self.assertEqual([list(line.get_ydata()) for line in threads.get_lines() if line.get_label() ==
                          "stage1_threads"], [[2, 300]])
        self.assertIn("pool size + 3 = 7", [text.get_text() for text in threads.texts])


def self_contained_svg(test, path, texts):
    """A well-formed SVG that fetches and runs nothing, with these texts in it."""
    svg = ElementTree.parse(path).getroot()
    test.assertEqual(svg.tag, "{http://www.w3.org/2000/svg}svg")
    for element in svg.iter():
        test.assertNotIn(element.tag.split("}")[1], ("script", "image", "foreignObject"))
        test.assertFalse([key for key in element.attrib if key.endswith("href") and not
                          element.attrib[key].startswith("#")])
    written = [element.text for element in svg.iter("{http://www.w3.org/2000/svg}text")]
    for text in texts:
        test.assertTrue([w for w in written if w and text in w], f"{text} not in {written}")


def trace(process, threads, events):
    """A trace as trace.cpp writes it: names first, then the events."""
    named = [{"name": "thread_name", "ph": "M", "ts": 0, "pid": 1, "tid": tid, "args": {"name": name}}
             for tid, name in threads]
    head = [{"name": "process_name", "ph": "M", "ts": 0, "pid": 1, "tid": 0, "args": {"name": process}}]
    return json.dumps({"traceEvents": head + named + [dict(pid=1, **event) for event in events]})


def x(name, tid, ts, dur):
    return {"name": name, "ph": "X", "ts": ts, "dur": dur, "tid": tid}


# Two stages. alpha's thread names are not in tid order, and tid 9 has events
# but no name, so it gets no lane. beta is half as long; loop-1 has two
# coroutines suspended at once, pool-1 a readline inside a run_in_executor.
ALPHA = trace("stage_alpha", [(1000, "tail-1"), (1, "main"), (2, "tail-0")], [
    x("merge", 1, 0, 1000), x("readline", 2, 10, 10), x("waiting for data", 2, 20, 480), x("write", 2, 500, 5),
    {"name": "line merged", "ph": "i", "s": "t", "ts": 505, "tid": 2}, x("readline", 1000, 30, 10),
    x("readline", 9, 30, 10)])
BETA = trace("stage_beta", [(1, "main"), (2, "loop-1"), (3, "writer"), (4, "pool-1"), (5, "pool-2")], [
    x("merge", 1, 0, 500)] + [{"name": "waiting for data", "ph": ph, "cat": "wait", "id": id_, "ts": ts, "tid": 2}
                              for ph, id_, ts in (("b", 1, 5), ("b", 2, 6), ("e", 1, 300), ("e", 2, 400),
                                                  ("b", 3, 450), ("e", 3, 480))] + [
    x("run_in_executor", 4, 10, 200), x("readline", 4, 20, 100), x("write", 3, 450, 2),
    {"name": "line merged", "ph": "i", "s": "t", "ts": 452, "tid": 3}])


def one_thread(*events):
    return trace("one", [(1, "main")], list(events))


class TracePicture(unittest.TestCase):
    def test_trace_one_chart_per_trace_one_lane_per_named_thread_in_tid_order(self):
        alpha, beta = trace_picture.read_trace(ALPHA), trace_picture.read_trace(BETA)
        self.assertEqual((alpha.name, beta.name), ("stage_alpha", "stage_beta"))
        self.assertEqual([lane.thread for lane in alpha.lanes.values()], ["main", "tail-0", "tail-1"])
        self.assertEqual([lane.thread for lane in beta.lanes.values()], ["main", "loop-1", "writer", "pool-1",
                                                                         "pool-2"])
        self.assertEqual((alpha.end, beta.end), (1000, 500))

    def test_trace_nested_events_get_depths_and_suspended_coroutines_bands(self):
        beta = trace_picture.read_trace(BETA)
        self.assertEqual(beta.lanes[4].busy, [(10, 210, "run_in_executor", 0), (20, 120, "readline", 1)])
        # Two at once: two bands; a third after both ended takes the first again.
        self.assertEqual(beta.lanes[2].suspended, [(5, 300, 0), (6, 400, 1), (450, 480, 0)])
        self.assertEqual(beta.lanes[2].busy, [])  # a suspended coroutine does not hold its thread
        alpha = trace_picture.read_trace(ALPHA)
        # One after another, none inside the other, even where one ends as the next begins.
        self.assertEqual(alpha.lanes[2].busy, [(10, 20, "readline", 0), (20, 500, "waiting for data", 0),
                                               (500, 505, "write", 0)])
        self.assertEqual(alpha.lanes[2].instants, [505])

    def test_trace_thousands_of_tiny_events_become_a_few_marks(self):
        # 20,000 readlines of 1 us, one every 50 us: a second of trace, 20 per 1.5/1000 of it.
        main = trace_picture.read_trace(one_thread(*(x("readline", 1, i * 50, 1) for i in range(20000)))).lanes[1]
        self.assertEqual(trace_picture.marks(main.busy, 1e6), [(0, 999950 + 1500)])  # the last one widened
        # Marks apart stay apart, each at least 1.5/1000 of the time axis wide.
        self.assertEqual(trace_picture.marks([(0, 1, "r"), (500, 501, "r")], 1000), [(0, 1.5), (500, 1.5)])

    def test_trace_malformed_input_names_the_trace_file_and_the_problem(self):
        def error_of(text):
            try:
                trace_picture.read_trace(text)
            except ValueError as error:
                return str(error)
            return "no error"

        self.assertTrue(error_of("{").startswith("not valid JSON: "))
        self.assertTrue(error_of("[]").startswith("the top level is not a JSON object"))
        self.assertEqual(error_of('{"events":[]}'), 'no "traceEvents" array at the top level')
        self.assertEqual(error_of('{"traceEvents":[42]}'), "traceEvents[0] is not an object")
        self.assertEqual(error_of(one_thread({"name": "readline", "ph": "X", "dur": 1, "tid": 1})),
                         'traceEvents[2] (readline) has no "ts"')
        self.assertEqual(error_of(one_thread({"name": "readline", "ph": "X", "ts": "soon", "dur": 1, "tid": 1})),
                         'traceEvents[2] (readline): "ts" is not a number')
        self.assertEqual(error_of(one_thread({"name": "w", "ph": "e", "id": 7, "ts": 1, "tid": 1})),
                         "traceEvents[2] (w) ends async id 7, which did not begin on that thread")
        self.assertEqual(error_of(one_thread({"name": "w", "ph": "b", "id": 7, "ts": 1, "tid": 1})),
                         'async span "w" id 7 on tid 1 begins but never ends')
        self.assertEqual(error_of(one_thread(*({"name": "w", "ph": "b", "id": 7, "ts": 1, "tid": 1},) * 2)),
                         "traceEvents[3] (w) begins async id 7 again before it ended")
        self.assertEqual(error_of('{"traceEvents":[{"name":"thread_name","ph":"M","tid":1,"args":{}}]}'),
                         'traceEvents[0] (thread_name): "args" has no "name" string')
        # The tool names the file, exits 1 and writes nothing; wrong arguments exit 2.
        with tempfile.TemporaryDirectory() as directory:
            good, bad, out = Path(directory, "a.json"), Path(directory, "b.json"), Path(directory, "out.svg")
            good.write_text(ALPHA)
            bad.write_text("nonsense")
            self.assertEqual(run_tool("trace_picture.py", out, good, bad), (1, f"trace_picture: {bad}: not valid "
                                      "JSON: Expecting value: line 1 column 1 (char 0)\n"))
            self.assertFalse(out.exists())
            self.assertEqual(run_tool("trace_picture.py", good, bad)[0], 2)  # the output first, never a trace
            self.assertEqual(run_tool("trace_picture.py", out)[0], 2)

    def picture(self, *texts):
        """The tool run on these traces: the picture's SVG file."""
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        paths = [Path(directory.name, f"{i}.json") for i in range(len(texts))]
        for path, text in zip(paths, texts):
            path.write_text(text)
        out = Path(directory.name, "stages.svg")
        self.assertEqual(run_tool("trace_picture.py", out, *paths), (0, ""))
        return out

    @unittest.skipUnless(HAVE_MATPLOTLIB, "needs matplotlib")
    def test_picture_trace_every_trace_on_one_time_scale_with_one_key(self):
        self_contained_svg(self, self.picture(ALPHA, BETA), ["stage_alpha", "stage_beta", "readline", "line merged",
                                                             "waiting for data (suspended coroutine)", "0 ms", "1 ms"])
        figure = trace_picture.draw([trace_picture.read_trace(text) for text in (ALPHA, BETA)])
        charts = figure.axes[1:]
        self.assertEqual([ax.get_xlim() for ax in charts], [(0, 1000), (0, 1000)])  # beta lasts half as long
        self.assertEqual([label.get_text() for label in charts[1].get_yticklabels()],
                         ["main", "loop-1", "writer", "pool-1", "pool-2"])

    @unittest.skipUnless(HAVE_MATPLOTLIB, "needs matplotlib")
    def test_picture_trace_names_as_written_and_a_trace_without_events(self):
        odd = trace("x<y & \"z\"", [(1, "<'a' & b>")], [])
        self_contained_svg(self, self.picture(odd, '{"traceEvents":[]}'), ["x<y & \"z\"", "<'a' & b>", "trace 2"])


ROOT = TOOLS.parent.parent


def avoided_terms(glossary):
    """The words docs/glossary.ko.md says not to use (its table's third
    column, each in backticks), each with the word to use instead."""
    avoided = {}
    for row in glossary.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) == 3 and "`" in cells[2]:
            for word in cells[2].split("`")[1::2]:
                avoided[word] = cells[1]
    return avoided


class Toolkit(unittest.TestCase):
    def test_toolkit_copy_tracked_gives_a_changed_file_a_new_time_and_keeps_an_unchanged_ones(self):
        import toolkit
        with tempfile.TemporaryDirectory() as repo, tempfile.TemporaryDirectory() as copy:
            subprocess.run(["git", "init", "-q", repo], check=True)
            for name in ("same", "changed"):
                Path(repo, name).write_text("one\n")
            subprocess.run(["git", "-C", repo, "add", "same", "changed"], check=True)
            here = os.getcwd()
            os.chdir(repo)
            try:
                toolkit.copy_tracked(copy)
                an_hour_ago = time.time() - 3600
                for name in ("same", "changed"):
                    os.utime(Path(copy, name), (an_hour_ago, an_hour_ago))
                # Changed in the tree, with a time older than the copy's (as
                # after an edit followed by a build there).
                Path(repo, "changed").write_text("two\n")
                os.utime(Path(repo, "changed"), (an_hour_ago - 60, an_hour_ago - 60))
                before = time.time() - 1
                toolkit.copy_tracked(copy)
            finally:
                os.chdir(here)
            self.assertEqual(Path(copy, "changed").read_text(), "two\n")
            self.assertGreaterEqual(Path(copy, "changed").stat().st_mtime, before)
            self.assertEqual(int(Path(copy, "same").stat().st_mtime), int(an_hour_ago))


class Scripts(unittest.TestCase):
    """macOS runs the scripts with bash 3.2 and BSD's tools: they use nothing
    newer, and nothing only GNU's tools have. tests/support/old_bash/run
    comes as close to that as Debian allows (CI runs the checker's own tests
    and the soak under it too)."""
    SCRIPTS = ("workshop", "common/tools/practice.sh", "tests/soak/soak.sh", "common/tools/workshop_lib.sh",
               ".ci/run", "tests/support/old_bash/run")
    # bash 4's builtins, expansions and operators; GNU-only tools and options.
    NEWER = re.compile(r"\b(mapfile|readarray|coproc|declare -[aA]*A|local -[aA]*A|declare -g|local -n|wait -n|"
                       r"shuf|realpath|readlink -f|stat -c|sed -i|date -d|xargs -r)\b|\btimeout(?!=)\b|\[\[ -v |"
                       r"\$\{\w+(,,|\^\^|@[QEPAa])|;;&|\|&|&>>")

    def old_bash(self, *command, **options):
        return subprocess.run([str(ROOT / "tests/support/old_bash/run"), *command], cwd=ROOT, capture_output=True,
                              text=True, **options)

    def test_scripts_use_nothing_newer_than_bash_3_2_and_no_gnu_only_tool(self):
        for script in self.SCRIPTS:
            for number, line in enumerate((ROOT / script).read_text().splitlines(), 1):
                code = re.sub(r"(^|\s)#.*", "", line)  # comments may name them
                with self.subTest(script=script, line=number):
                    self.assertIsNone(self.NEWER.search(code), f"{script}:{number}: {line.strip()}")

    def test_scripts_old_bash_refuses_what_macos_lacks(self):
        self.assertNotEqual(self.old_bash("bash", "-c", "mapfile -t lines </dev/null").returncode, 0)
        self.assertNotEqual(self.old_bash("bash", "-c", "timeout 1 true").returncode, 0)
        self.assertIn("BSD stat", self.old_bash("stat", "-c", "%Y", "workshop").stderr)
        self.assertEqual(self.old_bash("bash", "-c", "echo $BASH_COMPAT").stdout, "3.2\n")

    def test_scripts_practice_mode_runs_under_old_bash(self):
        with tempfile.TemporaryDirectory() as practice:
            environment = {**os.environ, "PRACTICE_DIR": practice, "LANG": "C.UTF-8", "LC_ALL": ""}
            for command in (["./workshop", "help"], ["./workshop", "exercise", "3"], ["./workshop", "diff", "--mine", "3"],
                            ["./workshop", "lang", "ko"], ["./workshop", "lang"], ["./workshop", "reset", "3"]):
                with self.subTest(command=" ".join(command)):
                    done = self.old_bash(*command, env=environment)
                    self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
            self.assertTrue(Path(practice, "stage3_coroutines", "tail_merge.cpp").is_file())
            self.assertTrue(Path(practice, "stage3_coroutines", "tail_merge.cpp.previous").is_file())

    def test_scripts_limited_exits_as_timeout_does(self):
        """workshop_lib.sh's limited, which stands in for GNU's timeout(1)."""
        def limited(*command):
            script = 'source common/tools/workshop_lib.sh && limited "$@"'
            return self.old_bash("bash", "-c", script, "limited", *command).returncode
        self.assertEqual(limited("5", "sh", "-c", "exit 3"), 3)
        self.assertEqual(limited("5", "sh", "-c", "kill -SEGV $$"), 128 + 11)
        began = time.monotonic()
        self.assertEqual(limited("0.3", "sleep", "30"), 124)
        self.assertLess(time.monotonic() - began, 10)

    def test_scripts_diff_mine_shows_nothing_for_the_reference_under_its_todo_list(self):
        with tempfile.TemporaryDirectory() as practice:
            environment = {**os.environ, "PRACTICE_DIR": practice, "LANG": "C.UTF-8", "LC_ALL": ""}
            self.assertEqual(self.old_bash("./workshop", "exercise", "3", env=environment).returncode, 0)
            copy = Path(practice, "stage3_coroutines", "tail_merge.cpp")
            todo = (ROOT / "tests/practice/en/stage3_coroutines.todo").read_text()
            reference = (ROOT / "stage3_coroutines/tail_merge.cpp").read_text()
            copy.write_text(todo + "\n" + reference)
            done = self.old_bash("./workshop", "diff", "--mine", "3", env=environment)
            self.assertEqual((done.returncode, done.stdout), (0, ""), done.stderr)
            copy.write_text(todo + "\n" + reference.replace("co_await", "co_await  ", 1))
            lines = self.old_bash("./workshop", "diff", "--mine", "3", env=environment).stdout.splitlines()
            self.assertEqual(len([line for line in lines if line.startswith("+") and not line.startswith("+++")]), 1)


class DevContainer(unittest.TestCase):
    """The dev container's Dockerfile is what ./workshop container-check runs
    (container_check.py reads it): these keep the two from drifting apart
    without the quarter of an hour the check itself takes."""

    def setUp(self):
        sys.path.insert(0, str(Path(__file__).resolve().parent / "container"))
        import container_check
        self.check = container_check

    def test_devcontainer_dockerfile_is_steps_container_check_runs(self):
        devcontainer = json.loads((ROOT / ".devcontainer/devcontainer.json").read_text())
        dockerfile = ROOT / ".devcontainer" / devcontainer["build"]["dockerfile"]
        suite, steps = self.check.plan(dockerfile)
        self.assertEqual(suite, "bookworm")
        context = (ROOT / ".devcontainer" / devcontainer["build"]["context"]).resolve()
        for number, word, argument in steps:
            if word == "COPY":
                for source in argument.split()[:-1]:
                    self.assertTrue((context / source).is_file(), f"line {number}: {source}")
        runs = " ".join(argument for _, word, argument in steps if word == "RUN")
        self.assertIn("workshop setup", runs)  # the packages, by the script everyone else installs them with
        self.assertEqual([argument for _, word, argument in steps if word == "USER"], [devcontainer["remoteUser"]])
        self.assertEqual(devcontainer["updateContentCommand"], "./workshop build")  # built once, also in prebuilds
        self.assertEqual(self.check.readme_commands(ROOT / "README.md"), ["./workshop demo", "./workshop test"])

    def test_devcontainer_check_refuses_what_it_would_not_run_as_docker_does(self):
        with tempfile.TemporaryDirectory() as directory:
            dockerfile = Path(directory, "Dockerfile")
            for text, reason in (("FROM ubuntu:24.04\n", "does not start FROM"),
                                 ("FROM debian:bookworm\nENV A=1\n", "line 2: ENV is not a step"),
                                 ("FROM debian:bookworm\n# a comment\nRUN true && \\\n  true\nWORKDIR /x\n",
                                  "line 5: WORKDIR"),
                                 ("FROM debian:bookworm\nCOPY --chown=1 a /b\n", "no options"),
                                 ("FROM debian:bookworm\nSHELL \\\n  [\"/bin/bash\"]\n", "line 2: SHELL"),
                                 ("FROM debian:bookworm\nRUN true \\\n", "ends inside a continued line")):
                dockerfile.write_text(text)
                with self.subTest(text=text), self.assertRaises(self.check.toolkit.Failure) as failure:
                    self.check.plan(dockerfile)
                self.assertIn(reason, str(failure.exception))


class Twins(unittest.TestCase):
    def test_twins_each_stage_has_the_book_functions_in_both_languages_on_one_row(self):
        sys.path.insert(0, str(TOOLS))
        import twins
        book = {"stage1_threads": ["tail_file", "run_threads"],
                "stage2_mixed": ["write_async", "tail_file", "run_tasks_mixed"],
                "stage3_coroutines": ["write_async", "tail_async", "run_tasks"],
                "stage4_bottom_up": ["write_async", "tail_async", "tail_file", "run_threads"],
                "stage5_nonblocking": ["WriteThread", "WriteThread.start", "WriteThread.write", "WriteThread.stop",
                                       "tail_async", "run_fully_async"]}
        root = TOOLS.parents[1]
        previous = os.getcwd()
        os.chdir(root)
        try:
            for stage, names in book.items():
                both = [name for name, python, cpp in twins.rows(stage) if python and cpp]
                self.assertEqual([name for name in both if name in names], names, stage)
                self.assertIn("main", both)
                for name, python, cpp in twins.rows(stage):  # each row holds that function, in both
                    short = name.split(".")[-1]
                    if python and cpp and name != "main":
                        self.assertRegex("\n".join(python), rf"(def|class) {short}\b")
                        self.assertIn(name.split(".")[0] if short == "__init__" else short, "\n".join(cpp))
        finally:
            os.chdir(previous)
        done = subprocess.run([sys.executable, str(TOOLS / "diff.py"), "--python", "3"], capture_output=True,
                              text=True, env={**os.environ, "COLUMNS": "250"})
        self.assertEqual(done.returncode, 0, done.stderr)
        row = next(line for line in done.stdout.splitlines() if line.startswith("async def tail_async("))
        self.assertIn("| awaitable<void> tail_async(", row)


    def test_twins_the_lines_the_readmes_show_for_each_step_are_in_the_code(self):
        root = TOOLS.parents[1]
        collapse = lambda text: " ".join(text.split())  # noqa: E731
        code = {stage: {language: collapse((root / stage / f"tail_merge.{language}").read_text())
                        for language in ("py", "cpp")} for stage in book_stages()}
        row = re.compile(r"^\| (?:(\d) \| )?`([^`]+)` \| `([^`]+)` \|$")
        shown = 0
        for page in ("README.md", "README.ko.md", "docs/stages.ko.md", *(f"{s}/README.md" for s in book_stages())):
            stage = None
            for line in (root / page).read_text().splitlines():
                found = re.search(r"\((stage\d_\w+)\)$", line) if line.startswith("## ") else None
                stage = found.group(1) if found else stage
                match = row.match(line)
                if not match:
                    continue
                where = book_stages()[int(match.group(1)) - 1] if match.group(1) else \
                    (stage if page.startswith("docs/") else page.split("/")[0])
                for language, snippet in (("py", match.group(2)), ("cpp", match.group(3))):
                    for part in filter(None, (collapse(piece) for piece in snippet.split("..."))):
                        self.assertIn(part, code[where][language], f"{page}: {snippet}")
                shown += 1
        self.assertGreaterEqual(shown, 50)  # every table was read


def book_stages():
    return ["stage1_threads", "stage2_mixed", "stage3_coroutines", "stage4_bottom_up", "stage5_nonblocking"]


class KoreanDocs(unittest.TestCase):
    def test_korean_files_use_the_glossary_terms(self):
        avoided = avoided_terms((ROOT / "docs" / "glossary.ko.md").read_text())
        self.assertIn("메인 스레드", avoided)  # the table was read
        files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.ko.md",
                                "tests/practice/ko/"],
                               cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
        self.assertGreaterEqual(len(files), 20)
        self.assertIn("tests/practice/ko/claim_hints", files)
        found = []
        for name in files:
            if name == "docs/glossary.ko.md":
                continue
            for number, line in enumerate((ROOT / name).read_text().splitlines(), 1):
                found += [f"{name}:{number}: '{word}' (docs/glossary.ko.md: {use})" for word, use in avoided.items()
                          if word in line]
        self.assertEqual(found, [], "words the glossary says not to use:\n" + "\n".join(found))

    def test_korean_diff_heads_each_step_in_the_language_practice_mode_speaks(self):
        def first_line(*arguments, **environment):
            with tempfile.TemporaryDirectory() as practice:
                env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "PRACTICE_DIR": practice,
                       **environment}
                if "lang" in environment:
                    Path(practice, ".lang").write_text(environment["lang"] + "\n")
                done = subprocess.run([sys.executable, str(TOOLS / "diff.py"), *arguments], capture_output=True,
                                      text=True, env=env, check=True)
            return done.stdout.splitlines()[0]

        korean = {}
        for line in (TOOLS.parents[1] / "tests/practice/ko/steps").read_text().splitlines():
            if line and not line.startswith("#"):
                key, text = line.split("\t", 1)
                korean[key] = text
        self.assertEqual(first_line("3", "4", LANG="ko_KR.UTF-8"), korean["stage3_coroutines stage4_bottom_up"])
        self.assertEqual(first_line("1", "2", lang="ko"), korean["stage1_threads stage2_mixed"])
        self.assertEqual(first_line("2", "4", lang="ko"), "stage2_mixed → stage4_bottom_up")
        self.assertTrue(first_line("1", "2").startswith("Top-down, first step"))

    def test_korean_glossary_check_finds_an_avoided_word(self):
        avoided = avoided_terms("| main thread | 주 스레드 | `메인 스레드` |\n| x | y | |\n")
        self.assertEqual(avoided, {"메인 스레드": "주 스레드"})


class Pages(unittest.TestCase):
    """The READMEs fit a screen or two, and what they and docs/ link to is there."""
    LINK = re.compile(r"\]\(([^)\s]+)\)")

    @staticmethod
    def anchor(heading):
        """GitHub's name for a heading: lower case, no punctuation, a dash per space."""
        return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")

    def broken_links(self, page):
        broken = []
        text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)  # code is not linked
        for target in self.LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, fragment = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}: no such file")
            elif fragment and linked.suffix == ".md":
                headings = re.findall(r"^#+ (.*)$", linked.read_text(), flags=re.M)
                if fragment not in map(self.anchor, headings):
                    broken.append(f"{page.relative_to(ROOT)}: {target}: no such heading")
        return broken

    def test_pages_each_readme_is_under_150_lines(self):
        for name in ("README.md", "README.ko.md"):
            with self.subTest(page=name):
                self.assertLess(len((ROOT / name).read_text().splitlines()), 150)

    def test_pages_every_link_of_the_readmes_and_docs_leads_somewhere(self):
        pages = [ROOT / "README.md", ROOT / "README.ko.md", *sorted((ROOT / "docs").glob("*.md")),
                 *(ROOT / stage / "README.md" for stage in book_stages())]
        broken = [line for page in pages for line in self.broken_links(page)]
        self.assertEqual(broken, [])
        self.assertEqual(self.anchor("## 1단계: 스레드와 뮤텍스 (stage1_threads)"[3:]),
                         "1단계-스레드와-뮤텍스-stage1_threads")


CASES = (BenchReport, TracePicture, Toolkit, Scripts, DevContainer, Twins, KoreanDocs, Pages)


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.exit(ctest_main.main("test_tools.py", CASES,
                             lambda name: HAVE_MATPLOTLIB or not name.startswith("test_picture")))
