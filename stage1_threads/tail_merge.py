"""stage1_threads in Python: one thread per input, a lock around the output.

The twin of tail_merge.cpp beside it, function for function. Run it as the
C++ executable runs: python3 stage1_threads/tail_merge.py --prefill
"""
import pathlib
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import common  # noqa: E402  (the repository's common/, found through the line above)


def tail_file(handle, interval, write):
    while not handle.closed():
        # C++ has no else clause, so its stages catch NoNewData into an empty
        # optional and act after the try.
        try:
            line = common.readline(handle)
        except common.NoNewData:
            common.wait_for_data(handle, interval)
        else:
            write(line)


def run_threads(handles, interval, output_path):
    output = common.OutputFile(output_path)
    # Every tail thread calls write(); the lock makes them take turns.
    lock = threading.Lock()

    def write(data):
        with lock:
            output.write(data)

    # A thread cannot raise to the one that joins it: each keeps its error.
    # And a thread the system refuses must not leave the others running:
    # start_thread stops and joins them first.
    threads = []
    errors = [None] * len(handles)

    def tail(i):
        try:
            tail_file(handles[i], interval, write)
        except Exception as error:
            errors[i] = error

    for i in range(len(handles)):
        common.start_thread(threads, handles, lambda i=i: tail(i))

    for thread in threads:
        thread.join()
    for error in errors:
        if error:
            raise error
    output.close()


if __name__ == "__main__":
    sys.exit(common.stage_main(run_threads))
