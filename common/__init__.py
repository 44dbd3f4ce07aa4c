"""The shared pieces of the Python twins, the counterpart of common/'s C++.

Each stage's tail_merge.py imports this module as `common`, so that its
calls read as the C++ ones do: common.readline(handle), common.NoNewData,
common.wait_for_data(handle, interval). What is here:

- the input handle, readline() and NoNewData (common/input.hpp);
- the output file (common/output.hpp);
- the writer simulation (common/simulation.hpp);
- confirm_merge (common/confirm_merge.hpp);
- the command line and the summary line (common/program/), with the C++
  executables' options, messages and exit codes.

Standard library only. Lines are bytes, as the C++ strings are: an input may
hold any bytes, and they reach the output unchanged.
"""

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time

# --- The input side: a handle, readline() and NoNewData (common/input.hpp) ---

READ_CHUNK = 64 * 1024
MAX_LINE_LENGTH = 64 * 1024 * 1024


class NoNewData(Exception):
    """Raised by readline() when no complete new line is there yet."""

    def __str__(self):
        return "no new data"


def note(text):
    """A note on stderr, named after the program, as the C++ stages give it."""
    print(f"{PROGRAM_NAME}: {text}", file=sys.stderr, flush=True)


class Handle:
    """A file another thread keeps appending to.

    As in C++, close() only says "no more data is coming": the reader drains
    what is written, then closed() is true. (Python's file.close() would pull
    the file from under a reading thread.)
    """

    def __init__(self, path, from_end=False):
        self.path = str(path)
        self._fd = None  # None: not created yet, waited for as tail -F does
        self._offset = 0  # how far into the file we have read
        self._buffer = b""  # read, not yet handed out as lines
        self._close_requested = False
        self._drained = False
        self._woken = threading.Condition()
        self._wakes = 0
        self._said_missing = False
        directory = os.path.dirname(self.path) or "."
        try:
            self._fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            if not os.path.isdir(directory):
                raise RuntimeError(f"{self.path}: cannot open for reading: No such file or directory") from None
        except OSError as error:
            raise RuntimeError(f"{self.path}: cannot open for reading: {os.strerror(error.errno)}") from None
        if self._fd is not None and os.path.isdir(self.path):
            os.close(self._fd)
            self._fd = None
            raise RuntimeError(f"{self.path}: cannot read: Is a directory")
        if self._fd is not None and from_end:
            self._offset = os.fstat(self._fd).st_size

    def close(self):
        """Any thread: no more data will be appended. Wakes a waiting tail."""
        self._close_requested = True
        self.wake()

    def closed(self):
        """True once close() was called and readline() delivered every byte."""
        return self._drained

    def wake(self):
        with self._woken:
            self._wakes += 1
            self._woken.notify_all()

    def __del__(self):
        if self._fd is not None:
            os.close(self._fd)


def open_input(path, from_end=False):
    return Handle(path, from_end)


def buffered_line(handle):
    """The next complete line if it is already in memory, else None.

    No system call: a coroutine may call it on its loop.
    """
    newline = handle._buffer.find(b"\n")
    if newline < 0:
        return None
    line, handle._buffer = handle._buffer[: newline + 1], handle._buffer[newline + 1 :]
    return line


def _read_more(handle):
    """Reads what the file holds beyond what was read; True if it brought bytes."""
    if handle._fd is None:
        try:
            handle._fd = os.open(handle.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            if not handle._said_missing:
                handle._said_missing = True
                note(f"{handle.path}: does not exist yet; following it once it is created")
            return False
        note(f"{handle.path}: created, following it from its start")
    try:
        data = os.pread(handle._fd, READ_CHUNK, handle._offset)
    except OSError as error:
        _give_up(f"{handle.path}: cannot read: {os.strerror(error.errno)}")
    handle._offset += len(data)
    handle._buffer += data
    return len(data) > 0


def readline(handle):
    """The next complete line, with its newline; raises NoNewData if none yet.

    A partial line waits for its newline. Once the handle is closed and
    drained, a last line without newline comes with one added, so nothing is
    lost. A truncated file is read again from its start; a file replaced at
    its path (rotation) is read to its end, then the new one from its start.
    """
    # Looked at before reading: a close that comes after this look is seen
    # by the next call, which reads again first.
    closing = handle._close_requested
    while True:
        line = buffered_line(handle)
        if line is not None:
            return line
        if len(handle._buffer) >= MAX_LINE_LENGTH:
            _give_up(f"{handle.path}: a line longer than {MAX_LINE_LENGTH} bytes at offset "
                     f"{handle._offset - len(handle._buffer)}")
        if _read_more(handle):
            continue
        if handle._fd is not None:
            status = os.fstat(handle._fd)
            if status.st_size < handle._offset:
                note(f"{handle.path}: file truncated, reading it again from the start")
                handle._offset, handle._buffer = 0, b""
                continue
            try:
                at_path = os.stat(handle.path)
            except FileNotFoundError:
                at_path = None
            if at_path is not None and (at_path.st_ino, at_path.st_dev) != (status.st_ino, status.st_dev):
                if os.path.isdir(handle.path):
                    _give_up(f"{handle.path}: cannot read: Is a directory")
                if os.fstat(handle._fd).st_size > handle._offset:
                    continue  # the old file grew before it was replaced
                if handle._buffer:
                    return _take_unfinished_line(handle)
                note(f"{handle.path}: file replaced, following the new file from its start")
                os.close(handle._fd)
                handle._fd = os.open(handle.path, os.O_RDONLY | os.O_CLOEXEC)
                handle._offset = 0
                continue
        if closing and handle._buffer:
            return _take_unfinished_line(handle)
        if closing:
            handle._drained = True
        raise NoNewData()


def _give_up(text):
    """An input that can no longer be read: said on stderr at once, while the
    other inputs go on being merged, then raised, which ends this tail."""
    note(f"{text}; no longer following it")
    raise RuntimeError(text)


def _take_unfinished_line(handle):
    line, handle._buffer = handle._buffer + b"\n", b""
    return line


def wait_for_data(handle, interval):
    """Blocks this thread for `interval` seconds, or until the handle is closed.

    (The C++ waits also wake when the file changes, through inotify; the
    twins look again every `interval`.)
    """
    with handle._woken:
        seen = handle._wakes
        handle._woken.wait_for(lambda: handle._wakes != seen or handle._close_requested, interval)


# --- Threads and tasks (common/threads.hpp, common/asyncio.hpp) ---


def start_thread(threads, handles, target):
    """Starts `target` on a new thread and adds it to `threads`. If the system
    refuses the thread, the threads already started are stopped (their inputs
    closed, so they drain and end) and joined before the error goes up."""
    thread = threading.Thread(target=target)
    try:
        thread.start()
    except RuntimeError as error:
        for handle in handles:
            handle.close()
        for started in threads:
            started.join()
        raise RuntimeError(f"cannot start a thread for {len(threads) + 1} of {len(handles)} inputs: {error}") from None
    threads.append(thread)


async def gather(tasks):
    """Waits for every task, then raises the first error, as C++'s
    asyncio::gather does. (asyncio.gather alone raises at the first error
    while the other tasks still run: their lines would be merged after the
    caller has closed the output, or lost.)"""
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


# --- The output side (common/output.hpp) ---

_line_buffered = False  # follow mode: every line reaches the file at once


class OutputFile:
    """The merged output: buffered, and every error names the path."""

    def __init__(self, path):
        self.path = str(path)
        try:
            self._file = open(self.path, "wb")
        except OSError as error:
            raise RuntimeError(f"{self.path}: cannot open for writing: {os.strerror(error.errno)}") from None

    def write(self, data):
        try:
            self._file.write(data)
            if _line_buffered:
                self._file.flush()
        except OSError as error:
            raise RuntimeError(f"{self.path}: cannot write: {os.strerror(error.errno)}") from None

    def close(self):
        """The last flush: a full disk shows up here at the latest."""
        try:
            self._file.close()
        except OSError as error:
            raise RuntimeError(f"{self.path}: cannot write: {os.strerror(error.errno)}") from None


# --- The writer simulation (common/simulation.hpp) ---


def write_random_data(path, write_count, interval, seed, stop):
    """Appends write_count lines "PATH-NN-xxxxxxxxxx" to path, each after a
    random sleep below `interval` seconds; ends early when `stop` is set."""
    chooser = random.Random(seed)
    pending = []
    with open(path, "ab", buffering=0) as file:
        for i in range(write_count):
            if interval > 0 and stop.wait(chooser.random() * interval):
                return
            letters = "".join(chooser.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))
            line = f"{path}-{i:02d}-{letters}\n".encode()
            if interval > 0:
                file.write(line)  # at once: a reader may be waiting for it
            else:
                pending.append(line)
        file.write(b"".join(pending))


class Setup:
    """The inputs of a simulated run, their handles and their writer threads."""

    def __init__(self, files, lines, write_interval, seed, prefill, output=None, inputs_dir=None, hold=0.0):
        self._remove = inputs_dir is None
        if inputs_dir is None:
            self.directory = tempfile.mkdtemp(prefix="tail-merge-")
        else:
            self.directory = str(inputs_dir)
            os.makedirs(self.directory, exist_ok=True)
        self.output_path = str(output) if output else os.path.join(self.directory, "merged")
        self.input_paths = [os.path.join(self.directory, str(i)) for i in range(files)]
        for path in self.input_paths:
            open(path, "wb").close()
        self.handles = [open_input(path) for path in self.input_paths]
        self._stop = threading.Event()
        self._errors = []
        self._writers = []
        for i, (path, handle) in enumerate(zip(self.input_paths, self.handles)):
            file_seed = f"{seed}-{i}"  # a distinct, reproducible stream per input
            if prefill:
                write_random_data(path, lines, 0, file_seed, self._stop)
                handle.close()
                continue
            writer = threading.Thread(target=self._write, args=(path, handle, lines, write_interval, file_seed, hold),
                                      name=f"sim-{i}")
            writer.start()
            self._writers.append(writer)

    def _write(self, path, handle, lines, interval, seed, hold):
        try:
            write_random_data(path, lines, interval, seed, self._stop)
            self._stop.wait(hold)
        except Exception as error:  # kept for join_writers, as a C++ thread keeps its exception
            self._errors.append(error)
        finally:
            handle.close()  # whatever happened, this file gets no more data

    def stop_writers(self):
        """Any thread: the writers stop before their next line."""
        self._stop.set()

    def join_writers(self):
        for writer in self._writers:
            writer.join()
        if self._errors:
            raise self._errors[0]

    def stop_writers_and_wait(self):
        """As stop_writers, and returns once every writer has closed its input:
        for a merge the same signal cancels (beyond/task_group)."""
        self.stop_writers()
        for writer in self._writers:
            writer.join()

    def remove(self):
        self.stop_writers_and_wait()
        if self._remove:
            shutil.rmtree(self.directory, ignore_errors=True)


# --- confirm_merge (common/confirm_merge.hpp) ---


class MergeCheck:
    def __init__(self, ok, lines, message=""):
        self.ok, self.lines, self.message = ok, lines, message


def _lines(path):
    with open(path, "rb") as file:
        for line in file:
            yield line if line.endswith(b"\n") else line + b"\n"  # as readline() delivers a last line


def confirm_merge(input_paths, output_path):
    """The output holds exactly the inputs' lines, each input's in its order.

    An output line belongs to the input whose exact path, followed by '-',
    starts it: the longest such path, so that "dir/1" does not claim the
    lines of "dir/10" (the book's check tests for the path alone).
    """
    index = {os.fsencode(path): i for i, path in enumerate(input_paths)}
    found = [[] for _ in input_paths]
    count = 0
    for line in _lines(output_path):
        count += 1
        owner = None
        dash = line.find(b"-")
        while dash >= 0:
            owner = index.get(line[:dash], owner)
            dash = line.find(b"-", dash + 1)
        if owner is None:
            return MergeCheck(False, count, f"output line {count} came from no input: {line[:80]!r}")
        found[owner].append(line)
    for path, got in zip(input_paths, found):
        expected = list(_lines(path))
        if expected != got:
            k = next((k for k, (a, b) in enumerate(zip(expected, got)) if a != b), min(len(expected), len(got)))
            want = repr(expected[k][:80]) if k < len(expected) else "nothing"
            have = repr(got[k][:80]) if k < len(got) else "nothing"
            return MergeCheck(False, count, f"input {path}: expected {len(expected)} lines, found {len(got)}; "
                                            f"first difference at line {k + 1}: expected {want}, found {have}")
    return MergeCheck(True, count)


# --- The command line, the summary line and the exit codes (common/program/) ---

PROGRAM_NAME = "stage"


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, saying what is wrong in the words of the C++ executables'
    Boost.Program_options, on one line, with exit code 2."""

    WORDS = ((r"argument (\S+): invalid \w+ value: '(.*)'", "the argument ('{1}') for option '{0}' is invalid"),
             (r"argument (\S+): expected one argument", "the required argument for option '{0}' is missing"),
             (r"unrecognized arguments: (\S+).*", "unrecognised option '{0}'"))

    def error(self, message):
        for pattern, words in self.WORDS:
            found = re.fullmatch(pattern, message)
            if found:
                raise UsageError(words.format(*found.groups()))
        raise UsageError(message)


def parse_command_line(argv, idle_timeout=False):
    parser = _Parser(prog=PROGRAM_NAME, description="Tail every input and merge its new lines into one output file")
    parser.add_argument("--files", type=int, default=5, help="number of input files (default 5)")
    parser.add_argument("--lines", type=int, default=10, help="lines each writer appends (default 10)")
    parser.add_argument("--interval", type=float, default=0.1,
                        help="seconds a tail waits when there is no new data (default 0.1)")
    parser.add_argument("--write-interval", type=float, default=0.1,
                        help="a writer sleeps a random time below this many seconds before each line (default 0.1)")
    parser.add_argument("--seed", help="random seed from 0 to 2^64-1, to repeat a run (default: random)")
    parser.add_argument("--prefill", action="store_true", help="write every line before the merge starts")
    parser.add_argument("--output", help="merged output file (default: 'merged' in a temporary directory)")
    parser.add_argument("--inputs-dir", help="write the input files into this new or empty directory and keep them")
    parser.add_argument("--stats", help="write the run's figures to this file as JSON (used by ./workshop bench)")
    parser.add_argument("--follow", action="store_true", help="merge the FILEs given after the options")
    parser.add_argument("--from-end", action="store_true", help="follow only what is appended from now on")
    if idle_timeout:
        parser.add_argument("--idle-timeout", type=float,
                            help="a tail whose input gets no new data for this many seconds ends (default: never)")
    parser.add_argument("input", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)

    def require(ok, option, reason, value):
        if not ok:
            raise UsageError(f"{option}: {reason} (got {value:g})" if isinstance(value, float) else
                             f"{option}: {reason} (got {value})")

    require(options.files >= 1, "--files", "must be at least 1", options.files)
    require(options.lines >= 0, "--lines", "must not be negative", options.lines)
    require(0.001 <= options.interval <= 60, "--interval", "must be between 0.001 and 60 seconds", options.interval)
    require(0 <= options.write_interval <= 60, "--write-interval", "must be between 0 and 60 seconds",
            options.write_interval)
    if getattr(options, "idle_timeout", None) is not None:
        require(0.001 <= options.idle_timeout <= 86400, "--idle-timeout", "must be between 0.001 and 86400 seconds",
                options.idle_timeout)
    if options.seed is None:
        options.seed = random.getrandbits(64)
    elif not options.seed.isdigit() or int(options.seed) >= 2**64:
        raise UsageError(f"--seed: must be a whole number from 0 to 18446744073709551615 (got {options.seed})")
    else:
        options.seed = int(options.seed)
    if options.input and not options.follow:
        raise UsageError(f"input files are only taken with --follow (got {options.input[0]})")
    if options.follow and not options.input:
        raise UsageError("--follow: no input files given")
    if options.follow and not options.output:
        raise UsageError("--follow: --output is required")
    if options.from_end and not options.follow:
        raise UsageError("--from-end: only with --follow")
    if options.output:
        if os.path.isdir(options.output):
            raise UsageError(f"--output {options.output}: is a directory")
        parent = os.path.dirname(options.output) or "."
        if not os.path.isdir(parent):
            raise UsageError(f"--output {options.output}: directory {parent} does not exist")
        if os.path.exists(options.output) and not os.path.isfile(options.output) and not options.follow:
            raise UsageError(f"--output {options.output}: not a regular file (what is written there could not be "
                             "checked or read back)")
        if options.follow and os.path.isfile(options.output):
            raise UsageError(f"--output {options.output}: already exists (add --append to add to it)")
    if options.inputs_dir and os.path.exists(options.inputs_dir) and (
            not os.path.isdir(options.inputs_dir) or os.listdir(options.inputs_dir)):
        raise UsageError(f"--inputs-dir {options.inputs_dir}: must be a new or empty directory")
    return options


class _Stopper:
    """SIGINT and SIGTERM end a run without losing a line: `stop` is called
    (the writers stop, or the followed inputs are closed) and the run drains."""

    def __init__(self, say):
        global _stopper
        self.signal = 0
        self.stop = lambda: None
        self.stop_on_loop = lambda: None  # for a merge that takes the signals: see signalled
        self._say = say
        # The kernel hands a signal to any thread that does not block it, and
        # Python runs a handler only on the main thread, between two of its
        # bytecodes: a main thread asleep in join() or in the loop's select()
        # would run it late, or never. So the handler does nothing, and the
        # stopper thread reads the signal's number from the wakeup descriptor,
        # to which Python writes it at once, whichever thread the kernel chose.
        # (C++: a thread that waits for the blocked signals, or a signal_set.)
        self._caught_signals, self._wakeup = os.pipe()
        os.set_blocking(self._wakeup, False)
        threading.Thread(target=self._stop_when_caught, name="stopper", daemon=True).start()
        self.take_back()
        _stopper = self

    def take_back(self):
        """The signals are this stopper's again (after a merge's own handlers)."""
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda number, frame: None)
        signal.set_wakeup_fd(self._wakeup)

    def _stop_when_caught(self):
        while True:
            number = os.read(self._caught_signals, 1)[0]
            if self.signal == 0:
                self.signal = number
                self._say(signal.Signals(number).name)
                self.stop()

    def caught_on_loop(self, number):
        if self.signal == 0:
            self.signal = number
            self._say(signal.Signals(number).name)
            self.stop_on_loop()  # a loop's callback, not a signal handler: done before the merge goes on


_stopper = None  # the run's, once it has one


def signalled(number):
    """What a merge that takes SIGINT and SIGTERM itself (beyond/task_group)
    calls first, from its loop's signal handler: the shared main says so, and
    a simulation's writers stop and close their inputs, so that the tails the
    merge then cancels find every line written. (C++: the shared main's own
    signal_set on the same loop.)"""
    if _stopper is not None:
        _stopper.caught_on_loop(number)


def _say_error(error):
    """One line per error: a task group's each on its own."""
    for one in error.exceptions if isinstance(error, ExceptionGroup) else [error]:
        if isinstance(one, ExceptionGroup):
            _say_error(one)
        else:
            note(f"error: {one}")


def _count_lines(path, start=0):
    try:
        with open(path, "rb") as file:
            file.seek(start)
            return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(READ_CHUNK), b""))
    except OSError:
        return 0


def _follow(options, merge, cancellable):
    handles = []
    seen = {}
    for path in options.input:
        try:
            handles.append(open_input(path, options.from_end))
        except RuntimeError as error:
            raise UsageError(str(error)) from None
        real = os.path.realpath(path)
        if real in seen:
            raise UsageError(f"{path}: the same file as {seen[real]}, given twice")
        seen[real] = path
    if os.path.realpath(options.output) in seen:
        raise UsageError(f"--output {options.output}: is one of the inputs ({seen[os.path.realpath(options.output)]})")
    stopper = _Stopper(lambda name: note(f"{name}: merging what was written, then stopping"))

    def close_all():
        for handle in handles:
            handle.close()

    # A merge that takes the signals cancels its own tails; a signal that
    # comes before it has taken them closes the inputs, as for every stage.
    stopper.stop = close_all
    start = time.monotonic()
    try:
        if cancellable:
            merge(handles, options.interval, options.output, options.idle_timeout)
            stopper.take_back()
        else:
            merge(handles, options.interval, options.output)
    except Exception as error:
        _say_error(error)
        # Nothing merged is ever removed: what the output holds is right up to the error.
        if os.path.isfile(options.output):
            note(f"{options.output} is kept, with the {_count_lines(options.output)} lines merged")
        return 1
    print(f"{PROGRAM_NAME}: followed {len(handles)} files, {_count_lines(options.output)} lines merged in "
          f"{time.monotonic() - start:.2f} s, peak {_peak_threads} threads", flush=True)
    # A merge cancelled by the signal says so in its exit code, as Python's KeyboardInterrupt does.
    return 128 + stopper.signal if cancellable and stopper.signal else 0


_peak_threads = 1


def _count_thread(frame, event, arg):
    """threading.setprofile's hook, called as each thread starts: counts it."""
    global _peak_threads
    _peak_threads = max(_peak_threads, threading.active_count())
    sys.setprofile(None)


def stage_main(merge, argv=None, cancellable=False):
    """The twin's main: parses the C++ executables' options, runs `merge`
    (handles, interval, output_path) on simulated writers or on followed
    files, prints the summary line and returns the exit code. A `cancellable`
    merge (beyond/task_group) also takes --idle-timeout (None when not
    given), and SIGINT and SIGTERM itself (see signalled)."""
    global PROGRAM_NAME
    directory = os.path.dirname(os.path.abspath(sys.argv[0]))
    PROGRAM_NAME = os.path.basename(directory)
    if os.path.basename(os.path.dirname(directory)) == "beyond":
        PROGRAM_NAME = "stage5_" + PROGRAM_NAME  # as the C++ executable beside it is named
    argv = sys.argv[1:] if argv is None else argv
    threading.setprofile(_count_thread)
    try:
        options = parse_command_line(argv, idle_timeout=cancellable)
        if options.follow:
            global _line_buffered
            _line_buffered = True
            return _follow(options, merge, cancellable)
    except UsageError as error:
        print(f"{PROGRAM_NAME}: {error}", file=sys.stderr)
        return 2

    setup = None
    try:
        setup = Setup(options.files, options.lines, options.write_interval, options.seed, options.prefill,
                      options.output, options.inputs_dir)
        stopper = _Stopper(lambda name: note(f"{name}: stopping the writers, merging what they wrote, then stopping"))
        stopper.stop = setup.stop_writers
        # Before the same signal cancels the tails, the writers have ended.
        stopper.stop_on_loop = setup.stop_writers_and_wait
        start, cpu_before = time.monotonic(), time.process_time()
        if cancellable:
            merge(setup.handles, options.interval, setup.output_path, options.idle_timeout)
            stopper.take_back()
        else:
            merge(setup.handles, options.interval, setup.output_path)
        elapsed, cpu = time.monotonic() - start, time.process_time() - cpu_before
        peak = _peak_threads
        rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before confirm_merge reads every file
        setup.join_writers()
        check = confirm_merge(setup.input_paths, setup.output_path)
        print(f"{PROGRAM_NAME}: {options.files} files, {check.lines} lines merged in {elapsed:.2f} s, "
              f"peak {peak} threads, seed {options.seed}, confirm_merge {'OK' if check.ok else 'FAILED'}", flush=True)
        if options.stats:
            with open(options.stats, "w") as stats:
                json.dump({"stage": PROGRAM_NAME, "language": "Python", "files": options.files, "lines": check.lines,
                           "prefill": options.prefill, "seconds": elapsed, "lines_per_second": check.lines / elapsed,
                           "peak_threads": peak, "peak_rss_mib": rss_mib, "cpu_seconds": cpu,
                           "confirm_merge": check.ok}, stats)
        if not check.ok:
            print(f"{PROGRAM_NAME}: confirm_merge: {check.message}", file=sys.stderr)
            return 1
        return 128 + stopper.signal if stopper.signal else 0
    except Exception as error:
        _say_error(error)
        # A simulated run's output is only worth its confirm_merge: a failed
        # run's could pass for a good one.
        if options.output and setup is not None and os.path.isfile(setup.output_path):
            os.remove(setup.output_path)
            print(f"{PROGRAM_NAME}: removed {setup.output_path}, the output of a failed run", file=sys.stderr)
        return 1
    finally:
        if setup is not None:
            setup.remove()

