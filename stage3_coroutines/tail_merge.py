"""stage3_coroutines in Python: the tail loop is a coroutine; only the
blocking read runs on the pool.

The twin of tail_merge.cpp beside it, function for function. Run it as the
C++ executable runs: python3 stage3_coroutines/tail_merge.py --prefill
"""
import asyncio
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import common  # noqa: E402  (the repository's common/, found through the line above)


# Runs on the loop's thread, the only thread that ever writes the output.
async def write_async(output, data):
    output.write(data)


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


async def run_tasks(handles, interval, output_path):
    output = common.OutputFile(output_path)

    # Every tail runs on this loop, so every write does too: no lock needed.
    async def write(data):
        await write_async(output, data)

    tasks = []
    for handle in handles:
        tasks.append(tail_async(handle, interval, write))

    # Waits for every tail, then raises the first error: what stage 1's
    # threads had to keep by hand.
    await common.gather(tasks)
    output.close()


if __name__ == "__main__":
    sys.exit(common.stage_main(lambda handles, interval, output_path: asyncio.run(
        run_tasks(handles, interval, output_path))))
