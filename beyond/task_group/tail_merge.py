"""stage5_nonblocking in Python: no blocking call left on the loop; a writer
thread with its own loop owns the output.

The twin of tail_merge.cpp beside it, function for function. Run it as the
C++ executable runs: python3 stage5_nonblocking/tail_merge.py --prefill
"""
import asyncio
import concurrent.futures
import pathlib
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import common  # noqa: E402  (the repository's common/, found through the line above)


class WriteThread:
    """A thread with its own event loop that owns the output: the tails'
    loop hands it every write and never waits for the disk itself."""

    def __init__(self, output_path):
        self.output_path = output_path
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.run, name="writer")
        self.output = None
        self.opened = concurrent.futures.Future()  # run() passes start() the open's error

    def run(self):
        try:
            self.output = common.OutputFile(self.output_path)
        except Exception as error:
            self.loop.close()
            self.opened.set_exception(error)
            return
        self.opened.set_result(None)
        self.loop.run_forever()  # until real_stop() stops it
        self.loop.close()

    async def start(self):
        # Starting a thread and waiting for it to open the file are blocking
        # calls, so they go to the pool, not on the caller's loop.
        def start_and_wait():
            self.thread.start()
            self.opened.result()  # raises the error of opening the output

        await asyncio.get_running_loop().run_in_executor(None, start_and_wait)

    async def real_write(self, data):
        self.output.write(data)

    async def write(self, data):
        # real_write runs on the writer's loop; wrap_future lets this
        # coroutine await it on its own loop, with its exception if any. (C++
        # does both in one call: co_spawn(loop_, ..., use_awaitable).)
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.real_write(data), self.loop))

    async def real_stop(self):
        # The writer's loop ends after this coroutine, once its result is on
        # its way back (a stop() right here would end it before that).
        self.loop.call_soon(self.loop.stop)
        self.output.close()  # the last flush: a full disk shows up here at the latest

    async def stop(self):
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.real_stop(), self.loop))
        await asyncio.get_running_loop().run_in_executor(None, self.thread.join)

    async def __aenter__(self):
        await self.start()
        return self

    async def __aexit__(self, *exception):
        await self.stop()


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


# The body of the `async with`: every tail on this loop, every write awaited
# on the writer thread. (C++ has no async with: it passes this function to
# asyncio::async_with.)
async def merge_into(output, handles, interval):
    tasks = []
    for handle in handles:
        tasks.append(tail_async(handle, interval, output.write))

    # Waits for every tail, then raises the first error: what stage 1's
    # threads had to keep by hand.
    await common.gather(tasks)


async def run_fully_async(handles, interval, output_path):
    # stop() runs after the tails, also when a tail raises.
    async with WriteThread(output_path) as output:
        await merge_into(output, handles, interval)


if __name__ == "__main__":
    sys.exit(common.stage_main(lambda handles, interval, output_path: asyncio.run(
        run_fully_async(handles, interval, output_path))))
