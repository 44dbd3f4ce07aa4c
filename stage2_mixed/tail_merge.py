"""stage2_mixed in Python: the top level is a coroutine; the old blocking
tails run on a thread pool; every write hops back to the loop.

The twin of tail_merge.cpp beside it, function for function. Run it as the
C++ executable runs: python3 stage2_mixed/tail_merge.py --prefill
"""
import asyncio
import concurrent.futures
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import common  # noqa: E402  (the repository's common/, found through the line above)


# Runs on the loop's thread, the only thread that ever writes the output.
async def write_async(output, data):
    output.write(data)


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


async def run_tasks_mixed(handles, interval, output_path):
    loop = asyncio.get_running_loop()
    output = common.OutputFile(output_path)

    # Called by the tails on their pool threads. Instead of a lock, each write
    # is handed to the loop and the pool thread waits until the loop has done it.
    # (Python's run_coroutine_threadsafe returns a concurrent.futures.Future,
    # waited for with .result(); the C++ asyncio::run_coroutine_threadsafe of
    # common/asyncio.hpp returns a std::future, waited for with .get().)
    def write(data):
        asyncio.run_coroutine_threadsafe(write_async(output, data), loop).result()

    # tail_file blocks its thread until its input is drained, so every tail
    # needs a thread of its own. The default pool (a few threads per core)
    # would leave the other tails queued behind running ones, and their
    # lines unmerged.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(handles))
    tasks = []
    for handle in handles:
        tasks.append(loop.run_in_executor(pool, tail_file, handle, interval, write))

    # Waits for every tail, then raises the first error: what stage 1's
    # threads had to keep by hand.
    await common.gather(tasks)
    pool.shutdown()  # its threads are idle: every tail has ended
    output.close()


if __name__ == "__main__":
    sys.exit(common.stage_main(lambda handles, interval, output_path: asyncio.run(
        run_tasks_mixed(handles, interval, output_path))))
