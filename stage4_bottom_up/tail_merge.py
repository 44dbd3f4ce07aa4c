"""stage4_bottom_up in Python: the leaf is a coroutine, each old thread
drives its own loop.

The twin of tail_merge.cpp beside it, function for function. Run it as the
C++ executable runs: python3 stage4_bottom_up/tail_merge.py --prefill
"""
import asyncio
import pathlib
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import common  # noqa: E402  (the repository's common/, found through the line above)


# Adapts the old blocking write to the coroutine tail_async awaits. It runs
# on this tail's own loop, so blocking here stops only this one tail.
async def write_async(write, data):
    write(data)


async def tail_async(handle, interval, write):
    loop = asyncio.get_running_loop()
    while not handle.closed():
        # C++ has no else clause, and may not co_await inside a catch block,
        # so its stages catch NoNewData into an empty optional and act after
        # the try. Python awaits in the except clause.
        try:
            # A line already read into memory costs no system call: take it
            # here rather than pay a round trip to the pool for it. But give
            # the loop back first: a tail with lines in memory must not keep
            # the other tails from the loop.
            line = common.buffered_line(handle)
            if line is not None:
                await asyncio.sleep(0)
            else:
                line = await loop.run_in_executor(None, common.readline, handle)
        except common.NoNewData:
            # C++: asyncio::wait_for_data, which also wakes when the file changes.
            await asyncio.sleep(interval)
        else:
            await write(line)


def tail_file(handle, interval, write):
    # The old blocking function, now a wrapper: this thread drives an event
    # loop of its own until the coroutine is done. The loop is closed when
    # the thread's work ends, so it does not keep its descriptors. (Each loop
    # has its own default pool here, so each tail has a second thread for its
    # reads; the C++ loops share one pool.)
    loop = asyncio.new_event_loop()

    async def write_adapter(data):
        await write_async(write, data)

    try:
        loop.run_until_complete(tail_async(handle, interval, write_adapter))
    finally:
        loop.close()


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
