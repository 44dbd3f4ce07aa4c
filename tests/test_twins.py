"""The Python twins of the stages (stageN/tail_merge.py), run as a participant
runs them: the six confirm_merge scenarios every C++ stage passes
(tests/merge_scenarios.cpp), and follow mode's basics: appended lines, a
rotated file, a file missing at the start, and SIGINT draining what was
written.

A twin's merged output is checked twice: by the twin's own confirm_merge
(its summary line) and by the C++ one (confirm_merge_check, whose path
CONFIRM_MERGE_CHECK gives), so that one language's harness verifies the
other language's run. Bad input gets the C++ executable's own line
(STAGE_BUILD_DIR holds the executables).

ctest runs one entry per test method, as `ctest -L python` (support/ctest_main.py).
"""
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import unittest
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
    stage = None  # each stage's class below sets it

    def run_twin(self, *arguments, timeout=50):
        return subprocess.run([sys.executable, str(ROOT / self.stage / "tail_merge.py"), *map(str, arguments)],
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
            done = subprocess.run([sys.executable, str(ROOT / self.stage / "tail_merge.py"), "--files", "2",
                                   "--lines", "3", "--prefill", "--interval", "0.01", "--output", str(output),
                                   "--inputs-dir", str(Path(directory, "inputs"))],
                                  capture_output=True, text=True, timeout=50,
                                  preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200)))
            self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
            self.assertIn(f"{self.stage}: error: {output}: cannot write: File too large", done.stderr)
            self.assertFalse(output.exists())  # a failed run's output could pass for a good one

    def bad_input(self):
        """Bad input: the same one line as the C++ executable, and exit code 2."""
        cpp = Path(os.environ["STAGE_BUILD_DIR"], self.stage, self.stage)
        for arguments in (["--files", "x"], ["--bogus"], ["--interval", "abc"], ["--files"], ["--seed", "-1"],
                          ["--lines", "-2"], ["--interval", "0"], ["--follow"], ["--follow", "a"], ["--from-end"],
                          ["extra"], ["--inputs-dir", __file__], ["--output", "/nonexistent/x"]):
            python = self.run_twin(*arguments)
            native = subprocess.run([str(cpp), *arguments], capture_output=True, text=True, timeout=50)
            self.assertEqual((python.returncode, python.stderr), (2, native.stderr), arguments)
            self.assertEqual(native.returncode, 2, arguments)

    def follow(self, directory, *paths, stderr=None):
        """The twin following `paths` into directory/merged, as a participant
        starts it; its stderr into the file `stderr` if given, to be read while
        it runs."""
        err = open(stderr, "w") if stderr else subprocess.PIPE
        process = subprocess.Popen([sys.executable, str(ROOT / self.stage / "tail_merge.py"), "--follow",
                                    "--interval", "0.01", "--output", str(Path(directory, "merged")),
                                    *map(str, paths)], stdout=subprocess.PIPE, stderr=err, text=True)
        if stderr:
            err.close()
        self.addCleanup(lambda: process.poll() is not None or process.kill())
        return process

    def interrupt(self, process):
        """SIGINT, then the exit code and both outputs."""
        process.send_signal(signal.SIGINT)
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
            self.assertEqual(code, 0, err)
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
            self.assertEqual(code, 0, err)
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
            self.assertEqual(code, 0, err)
            self.assertIn(f"{late}: created, following it from its start", err)

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
            self.assertEqual(code, 0, err)
            self.assertIn("SIGINT: merging what was written, then stopping", err)
            self.assertEqual(self.confirm_with_cpp(Path(directory, "merged"), paths), 6000)
            self.assertRegex(out, rf"^{self.stage}: followed 3 files, 6000 lines merged in ")


def twin_case(stage):
    """The test class of one twin: every scenario and follow check, each a
    test method named after the stage (ctest's entries are named by method)."""
    methods = {"stage": stage}
    for scenario in SCENARIOS:
        methods[f"test_{stage}_confirm_merge_{scenario}"] = lambda self, scenario=scenario: self.merge(scenario)
    methods[f"test_{stage}_confirm_merge_a_full_disk_at_the_last_flush_fails_the_run"] = Twin.last_flush_fails
    methods[f"test_{stage}_bad_input_gets_the_cpp_executables_one_line_and_exit_code_2"] = Twin.bad_input
    for name in [name for name in dir(Twin) if name.startswith("check_")]:
        methods[f"test_{stage}_follow_{name[len('check_'):]}"] = lambda self, name=name: getattr(self, name)()
    return type(f"Twin_{stage}", (Twin,), methods)


CASES = tuple(twin_case(stage) for stage in STAGES)

if __name__ == "__main__":
    sys.exit(ctest_main.main("test_twins.py", CASES))
