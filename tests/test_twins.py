"""The Python twins of the stages (stageN/tail_merge.py) and of the task group
(beyond/task_group/tail_merge.py), run as a participant runs them: the six
confirm_merge scenarios every C++ stage passes (tests/merge_scenarios.cpp),
and follow mode's basics: appended lines, a rotated file, a file missing at
the start, and SIGINT draining what was written. The task group's twin also:
a failure that ends every tail, two errors at once, a signal that cancels
tails with lines still to read, and --idle-timeout.

A twin's merged output is checked twice: by the twin's own confirm_merge
(its summary line) and by the C++ one (confirm_merge_check, whose path
CONFIRM_MERGE_CHECK gives), so that one language's harness verifies the
other language's run. Bad input gets the C++ executable's own line
(STAGE_BUILD_DIR holds the executables).

ctest runs one entry per test method, as `ctest -L python` (support/ctest_main.py).
"""
import ctypes
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import unittest.mock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))
import ctest_main  # noqa: E402

STAGES = ("stage1_threads", "stage2_mixed", "stage3_coroutines", "stage4_bottom_up", "stage5_nonblocking")

# name: (files, lines, write_interval, prefill, interval), as tests/merge_harness.hpp has them.
SCENARIOS = {
    "book_default": (5, 10, 0.1, False, 0.1),
    "prefilled": (20, 2000, 0, True, 0.01),
    "many_files": (200, 5, 0.02, False, 0.01),
    "empty_inputs": (5, 0, 0.01, False, 0.01),
    "prefix_trap": (12, 20, 0.01, False, 0.01),
}


def eventually(condition, patience=20.0):
    """Looks at `condition` until it holds or `patience` seconds have passed;
    says which. (A wait on a condition, never a sleep that must be long enough.)"""
    deadline = time.monotonic() + patience
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def append(path, text):
    with open(path, "a") as file:
        file.write(text)


def lines(prefix, count):
    return "".join(f"{prefix}-{i:02d}\n" for i in range(count))


class Twin(unittest.TestCase):
    stage = None  # each class below sets it: the program's name
    directory = None  # and where its tail_merge.py is
    stopped = 0  # the exit code of a follow run that SIGINT ends

    def run_twin(self, *arguments, timeout=50):
        return subprocess.run([sys.executable, str(ROOT / self.directory / "tail_merge.py"), *map(str, arguments)],
                              capture_output=True, text=True, timeout=timeout)

    def confirm_with_cpp(self, output, inputs):
        """The C++ confirm_merge's verdict on `output`: its count of lines."""
        check = subprocess.run([os.environ["CONFIRM_MERGE_CHECK"], str(output), *map(str, inputs)],
                               capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, f"the C++ confirm_merge: {check.stdout}{check.stderr}")
        return int(re.fullmatch(r"OK, (\d+) lines\n", check.stdout).group(1))

    def merge(self, scenario):
        files, count, write_interval, prefill, interval = SCENARIOS[scenario]
        with tempfile.TemporaryDirectory() as directory:
            inputs, output = Path(directory, "inputs"), Path(directory, "merged")
            done = self.run_twin("--files", files, "--lines", count, "--write-interval", write_interval,
                                 "--interval", interval, "--seed", 62, "--inputs-dir", inputs, "--output", output,
                                 *(["--prefill"] if prefill else []))
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertRegex(done.stdout, rf"^{self.stage}: {files} files, {files * count} lines merged in "
                                          rf"\d+\.\d\d s, peak \d+ threads, seed 62, confirm_merge OK\n$")
            paths = [inputs / str(i) for i in range(files)]
            self.assertEqual(self.confirm_with_cpp(output, paths), files * count)

    def last_flush_fails(self):
        """The C++ stages' sixth scenario: the output's last flush finds the
        disk full (here a file size limit below the output's size and above
        each input's), and the run fails with it instead of passing."""
        with tempfile.TemporaryDirectory() as directory:
            output = Path(directory, "merged")
            done = subprocess.run([sys.executable, str(ROOT / self.directory / "tail_merge.py"), "--files", "2",
                                   "--lines", "3", "--prefill", "--interval", "0.01", "--output", str(output),
                                   "--inputs-dir", str(Path(directory, "inputs"))],
                                  capture_output=True, text=True, timeout=50,
                                  preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200)))
            self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
            self.assertIn(f"{self.stage}: error: {output}: cannot write: File too large", done.stderr)
            self.assertFalse(output.exists())  # a failed run's output could pass for a good one

    def bad_input(self):
        """Bad input: the same one line as the C++ executable, and exit code 2."""
        cpp = Path(os.environ["STAGE_BUILD_DIR"], self.directory, self.stage)
        for arguments in (["--files", "x"], ["--bogus"], ["--interval", "abc"], ["--files"], ["--seed", "-1"],
                          ["--lines", "-2"], ["--interval", "0"], ["--follow"], ["--follow", "a"], ["--from-end"],
                          ["extra"], ["--inputs-dir", __file__], ["--output", "/nonexistent/x"],
                          *self.more_bad_input):
            python = self.run_twin(*arguments)
            native = subprocess.run([str(cpp), *arguments], capture_output=True, text=True, timeout=50)
            self.assertEqual((python.returncode, python.stderr), (2, native.stderr), arguments)
            self.assertEqual(native.returncode, 2, arguments)

    more_bad_input = ()  # a variant's own options, wrongly given

    def follow(self, directory, *paths, stderr=None, options=("--interval", "0.01")):
        """The twin following `paths` into directory/merged, as a participant
        starts it; its stderr into the file `stderr` if given, to be read while
        it runs."""
        err = open(stderr, "w") if stderr else subprocess.PIPE
        process = subprocess.Popen([sys.executable, str(ROOT / self.directory / "tail_merge.py"), "--follow",
                                    *options, "--output", str(Path(directory, "merged")),
                                    *map(str, paths)], stdout=subprocess.PIPE, stderr=err, text=True)
        if stderr:
            err.close()
        self.addCleanup(lambda: process.poll() is not None or process.kill())
        return process

    def interrupt(self, process):
        """SIGINT, then the exit code and both outputs."""
        process.send_signal(signal.SIGINT)
        return self.wait(process)

    def wait(self, process):
        """The exit code and both outputs; a twin that does not end fails the test."""
        out, err = process.communicate(timeout=30)
        return process.returncode, out, err

    def merged(self, directory):
        path = Path(directory, "merged")
        return path.read_text() if path.exists() else ""

    def check_appended_lines_are_merged(self):
        with tempfile.TemporaryDirectory() as directory:
            a, b = Path(directory, "a"), Path(directory, "b")
            append(a, lines(str(a), 3))
            append(b, "")
            process = self.follow(directory, a, b)
            self.assertTrue(eventually(lambda: self.merged(directory).count("\n") == 3), self.merged(directory))
            append(b, lines(str(b), 5))
            append(a, lines(str(a), 6)[len(lines(str(a), 3)):])
            self.assertTrue(eventually(lambda: self.merged(directory).count("\n") == 11), self.merged(directory))
            code, out, err = self.interrupt(process)
            self.assertEqual(code, self.stopped, err)
            self.assertRegex(out, rf"^{self.stage}: followed 2 files, 11 lines merged in ")
            self.assertEqual(self.confirm_with_cpp(Path(directory, "merged"), [a, b]), 11)

    def check_rotation_loses_nothing(self):
        with tempfile.TemporaryDirectory() as directory:
            log = Path(directory, "log")
            append(log, "old 1\nold 2\n")
            process = self.follow(directory, log)
            self.assertTrue(eventually(lambda: self.merged(directory) == "old 1\nold 2\n"), self.merged(directory))
            append(log, "old 3, then the file is renamed away\n")
            log.rename(Path(directory, "log.1"))
            append(Path(directory, "log.1"), "old 4, written to the renamed file\n")
            append(log, "new 1\nnew 2\n")
            expected = ("old 1\nold 2\nold 3, then the file is renamed away\nold 4, written to the renamed file\n"
                        "new 1\nnew 2\n")
            self.assertTrue(eventually(lambda: self.merged(directory) == expected), self.merged(directory))
            code, _, err = self.interrupt(process)
            self.assertEqual(code, self.stopped, err)
            self.assertIn("file replaced, following the new file from its start", err)
            self.assertEqual(self.merged(directory), expected)

    def check_file_missing_at_the_start_is_waited_for(self):
        with tempfile.TemporaryDirectory() as directory:
            late = Path(directory, "late")
            process = self.follow(directory, late)
            self.assertTrue(eventually(lambda: process.poll() is not None or Path(directory, "merged").exists()))
            append(late, "first\nsecond\n")
            self.assertTrue(eventually(lambda: self.merged(directory) == "first\nsecond\n"), self.merged(directory))
            code, _, err = self.interrupt(process)
            self.assertEqual(code, self.stopped, err)
            self.assertIn(f"{late}: created, following it from its start", err)

    def check_a_sigint_any_thread_takes_stops_the_run(self):
        # kill() lets the kernel hand the signal to any thread that does not
        # block it, and Python runs its handlers on the main thread only,
        # which may be asleep in a join() or a select() with nothing to wake
        # it. Here the SIGINT goes to the newest thread, never the main one,
        # as tgkill() sends it.
        with tempfile.TemporaryDirectory() as directory:
            log = Path(directory, "log")
            append(log, "first\n")
            process = self.follow(directory, log)
            self.assertTrue(eventually(lambda: self.merged(directory) == "first\n"), self.merged(directory))
            tasks = sorted(int(task) for task in os.listdir(f"/proc/{process.pid}/task"))
            self.assertGreater(len(tasks), 1, "the twin has a thread besides the main one")
            self.assertEqual(ctypes.CDLL(None, use_errno=True).tgkill(process.pid, tasks[-1], signal.SIGINT), 0)
            code, out, err = self.wait(process)
            self.assertEqual(code, self.stopped, err)
            self.assertIn("SIGINT: merging what was written, then stopping", err)
            self.assertRegex(out, rf"^{self.stage}: followed 1 files, 1 lines merged in ")

    def check_a_failing_input_is_reported_at_once_and_the_others_go_on(self):
        with tempfile.TemporaryDirectory() as directory:
            good, bad, errors = Path(directory, "good"), Path(directory, "bad"), Path(directory, "stderr")
            append(good, "good 1\n")
            append(bad, "bad 1\n")
            process = self.follow(directory, good, bad, stderr=errors)
            self.assertTrue(eventually(lambda: self.merged(directory).count("\n") == 2), self.merged(directory))
            bad.unlink()
            bad.mkdir()
            self.assertTrue(eventually(lambda: "cannot read: Is a directory; no longer following it" in
                                       errors.read_text()), errors.read_text())
            append(good, "good 2, after the other input failed\n")
            self.assertTrue(eventually(lambda: "good 2" in self.merged(directory)), self.merged(directory))
            code, _, _ = self.interrupt(process)
            self.assertEqual(code, 1, errors.read_text())
            self.assertIn(f"{self.stage}: error: {bad}: cannot read: Is a directory\n", errors.read_text())

    def check_sigint_drains_what_was_written(self):
        with tempfile.TemporaryDirectory() as directory:
            paths = [Path(directory, str(i)) for i in range(3)]
            for path in paths:
                append(path, lines(str(path), 2000))
            process = self.follow(directory, *paths)
            self.assertTrue(eventually(lambda: process.poll() is not None or Path(directory, "merged").exists()))
            code, out, err = self.interrupt(process)  # at once: most lines are not merged yet
            self.assertEqual(code, self.stopped, err)
            self.assertIn("SIGINT: merging what was written, then stopping", err)
            self.assertEqual(self.confirm_with_cpp(Path(directory, "merged"), paths), 6000)
            self.assertRegex(out, rf"^{self.stage}: followed 3 files, 6000 lines merged in ")


class TaskGroupTwin(Twin):
    """beyond/task_group's twin: a failure cancels the other tails, SIGINT and
    SIGTERM cancel them all (exit 128 + the signal), --idle-timeout ends a tail."""
    stopped = 128 + signal.SIGINT
    more_bad_input = (["--idle-timeout", "0"], ["--idle-timeout", "soon"])
    check_a_failing_input_is_reported_at_once_and_the_others_go_on = None  # they are cancelled instead

    def inputs(self, directory, count, lines_each):
        paths = [Path(directory, f"in{i}") for i in range(count)]
        for path in paths:
            append(path, lines(str(path), lines_each))
        return paths

    def check_a_failing_input_ends_every_tail_at_once_and_every_line_is_kept(self):
        with tempfile.TemporaryDirectory() as directory:
            paths, errors = self.inputs(directory, 5, 20), Path(directory, "stderr")
            process = self.follow(directory, *paths, stderr=errors, options=("--interval", "0.05"))
            self.assertTrue(eventually(lambda: self.merged(directory).count("\n") == 100), self.merged(directory))
            paths[2].unlink()
            paths[2].mkdir()
            self.assertTrue(eventually(lambda: process.poll() is not None), errors.read_text())
            self.assertEqual(process.returncode, 1, errors.read_text())
            said = errors.read_text()
            self.assertEqual(said.count(f"{self.stage}: error: "), 1, said)
            self.assertIn(f"{self.stage}: error: {paths[2]}: cannot read: Is a directory\n", said)
            self.assertEqual(sorted(self.merged(directory).splitlines()),
                             sorted("".join(lines(str(path), 20) for path in paths).splitlines()))

    def check_two_inputs_that_fail_at_once_are_both_reported(self):
        with tempfile.TemporaryDirectory() as directory:
            paths, errors = self.inputs(directory, 4, 10), Path(directory, "stderr")
            process = self.follow(directory, *paths, stderr=errors, options=("--interval", "0.05"))
            self.assertTrue(eventually(lambda: self.merged(directory).count("\n") == 40), self.merged(directory))
            process.send_signal(signal.SIGSTOP)  # both replaced while it is stopped: it finds both failed
            for path in (paths[1], paths[3]):
                path.unlink()
                path.mkdir()
            process.send_signal(signal.SIGCONT)
            self.assertEqual(process.wait(timeout=30), 1, errors.read_text())
            said = errors.read_text()
            self.assertEqual(said.count(f"{self.stage}: error: "), 2, said)
            for path in (paths[1], paths[3]):
                self.assertIn(f"{self.stage}: error: {path}: cannot read: Is a directory\n", said)

    def check_sigint_and_sigterm_cancel_tails_that_still_have_lines_to_read(self):
        for number in (signal.SIGINT, signal.SIGTERM):
            with tempfile.TemporaryDirectory() as directory:
                paths = self.inputs(directory, 3, 3000)
                process = self.follow(directory, *paths, options=("--interval", "60"))
                self.assertTrue(eventually(lambda: process.poll() is not None or
                                           Path(directory, "merged").exists()))
                process.send_signal(number)  # the tails are reading their 3,000 lines
                out, err = process.communicate(timeout=30)
                self.assertEqual(process.returncode, 128 + number, err)
                self.assertIn(f"{signal.Signals(number).name}: merging what was written, then stopping", err)
                self.assertEqual(self.confirm_with_cpp(Path(directory, "merged"), paths), 9000)

    def check_idle_timeout_ends_a_tail_whose_input_gets_no_new_data_and_the_others_go_on(self):
        with tempfile.TemporaryDirectory() as directory:
            a, b, errors = Path(directory, "a"), Path(directory, "b"), Path(directory, "stderr")
            append(a, "a-0\n")
            append(b, "")
            process = self.follow(directory, a, b, stderr=errors, options=("--interval", "0.01",
                                                                            "--idle-timeout", "0.3"))
            written = 0

            def write_b():  # b gets a line every 10 ms: its tail never waits 0.3 s
                nonlocal written
                append(b, f"b-{written}\n")
                written += 1
                time.sleep(0.01)
                return False

            idle_note = f"{self.stage}: {a}: no new data for 0.3 s; no longer following it\n"
            self.assertTrue(eventually(lambda: write_b() or idle_note in errors.read_text()), errors.read_text())
            append(a, "a-late\n")  # after its tail ended: not merged
            before = written
            self.assertTrue(eventually(lambda: write_b() or f"b-{before + 2}\n" in self.merged(directory)))
            self.assertEqual(process.wait(timeout=30), 0, errors.read_text())  # b's tail ends 0.3 s later
            merged = self.merged(directory).splitlines()
            self.assertEqual([line for line in merged if line.startswith("a-")], ["a-0"])
            self.assertEqual([line for line in merged if line.startswith("b-")], [f"b-{i}" for i in range(written)])

    def check_the_trap_a_cancellation_while_the_readline_runs_is_looked_for_before_the_wait(self):
        """In this process: tail_async on a file of one line, with --interval
        60 s, cancelled from inside the readline that finds no new data (as
        the C++ test does from the probe). The tail must look for the
        cancellation before it waits, and end at once."""
        import asyncio
        import importlib.util
        spec = importlib.util.spec_from_file_location("task_group_twin", ROOT / self.directory / "tail_merge.py")
        twin = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(twin)
        common = twin.common
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory, "in")
            append(path, "1\n")
            handle = common.open_input(str(path))
            written = []

            async def write(line):
                written.append(line)

            async def main():
                loop = asyncio.get_running_loop()
                tail = asyncio.create_task(twin.tail_async(handle, 60, write, None))
                readline = common.readline

                def readline_then_cancelled(handle):
                    try:
                        return readline(handle)
                    except common.NoNewData:
                        # On the pool thread: the cancellation comes, and reaches the
                        # tail (a round trip through its loop), before this readline ends.
                        loop.call_soon_threadsafe(tail.cancel)
                        asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop).result()
                        raise

                common.readline = readline_then_cancelled
                try:
                    await asyncio.wait_for(tail, 10)  # not the 60 s of a wait
                finally:
                    common.readline = readline

            started = time.monotonic()
            asyncio.run(main())
            self.assertLess(time.monotonic() - started, 10, "the tail waited out its interval")
            self.assertEqual(written, [b"1\n"])

    def check_a_simulated_run_stopped_by_sigint_keeps_every_line_written(self):
        with tempfile.TemporaryDirectory() as directory:
            inputs, output = Path(directory, "inputs"), Path(directory, "merged")
            process = subprocess.Popen([sys.executable, str(ROOT / self.directory / "tail_merge.py"), "--files", "3",
                                        "--lines", "100000", "--write-interval", "0.001", "--interval", "0.01",
                                        "--inputs-dir", str(inputs), "--output", str(output)],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertTrue(eventually(lambda: output.exists() and output.stat().st_size > 0))
            out, err = self.interrupt(process)[1:]
            self.assertEqual(process.returncode, 130, err)
            self.assertIn(", confirm_merge OK\n", out)
            self.confirm_with_cpp(output, [inputs / str(i) for i in range(3)])


class Common(unittest.TestCase):
    """common/__init__.py's own contract, which every twin relies on."""

    def test_common_readline_a_close_during_its_read_keeps_the_lines_written_before_the_close(self):
        """The writer appends its last line and closes while readline reads:
        readline looked at the close flag before it read, so this call ends
        with NoNewData, not drained, and the next reads the last line."""
        sys.path.insert(0, str(ROOT))
        import common
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory, "in")
            append(path, "first\n")
            handle = common.open_input(str(path))
            self.assertEqual(common.readline(handle), b"first\n")
            pread = os.pread

            def pread_then_last_line_and_close(fd, size, offset):
                data = pread(fd, size, offset)
                if not data and not handle._close_requested:  # after this read, before readline looks again
                    append(path, "last\n")
                    handle.close()
                return data

            with unittest.mock.patch.object(common.os, "pread", pread_then_last_line_and_close):
                with self.assertRaises(common.NoNewData):
                    common.readline(handle)
            self.assertFalse(handle.closed())
            self.assertEqual(common.readline(handle), b"last\n")
            with self.assertRaises(common.NoNewData):
                common.readline(handle)
            self.assertTrue(handle.closed())


def twin_case(directory, program=None, base=Twin):
    """The test class of one twin: every scenario and follow check, each a
    test method named after the program (ctest's entries are named by method)."""
    stage = program or directory
    methods = {"stage": stage, "directory": directory}
    for scenario in SCENARIOS:
        methods[f"test_{stage}_confirm_merge_{scenario}"] = lambda self, scenario=scenario: self.merge(scenario)
    methods[f"test_{stage}_confirm_merge_a_full_disk_at_the_last_flush_fails_the_run"] = Twin.last_flush_fails
    methods[f"test_{stage}_bad_input_gets_the_cpp_executables_one_line_and_exit_code_2"] = Twin.bad_input
    for name in [name for name in dir(base) if name.startswith("check_") and getattr(base, name) is not None]:
        methods[f"test_{stage}_follow_{name[len('check_'):]}"] = lambda self, name=name: getattr(self, name)()
    return type(f"Twin_{stage}", (base,), methods)


CASES = tuple(twin_case(stage) for stage in STAGES) + (
    twin_case("beyond/task_group", "stage5_task_group", TaskGroupTwin), Common)

if __name__ == "__main__":
    sys.exit(ctest_main.main("test_twins.py", CASES))
