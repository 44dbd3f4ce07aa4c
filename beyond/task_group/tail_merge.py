"""beyond/task_group in Python: stage 5 with its tails in an asyncio.TaskGroup.
The first tail that fails cancels the others, SIGINT and SIGTERM cancel them
all, and --idle-timeout bounds a wait; a cancelled tail reads what its input
holds before it ends.

The twin of tail_merge.cpp beside it, function for function. Run it as the
C++ executable runs: python3 beyond/task_group/tail_merge.py --prefill
"""
import asyncio
import concurrent.futures
import pathlib
import signal
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
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


def cancelled():
    """Whether this task was cancelled. A tail here catches each
    CancelledError where it comes, and acts on it where it would wait; the
    request stays counted in Task.cancelling(). (C++: a cancellation throws
    nothing there, and is recorded in the coroutine's cancellation_state.)"""
    return asyncio.current_task().cancelling() > 0


async def shield(awaitable):
    """C++'s asyncio::shield: awaits `awaitable` to its end even when this task
    is cancelled meanwhile, and returns its result. asyncio.shield alone would
    raise CancelledError at once and drop the result: the line a readline on
    the pool was reading, or a write on its way to the writer thread."""
    future = asyncio.ensure_future(awaitable)
    while not future.done():
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            pass  # counted in cancelling(): looked for by the tail
    return future.result()


async def tail_async(handle, interval, write, idle_timeout):
    loop = asyncio.get_running_loop()
    idle_deadline = None if idle_timeout is None else loop.time() + idle_timeout  # None: never
    idle_ended = False
    while not handle.closed():
        # Cancelled (another tail failed, or a signal): nothing new is waited
        # for, but what the input holds is read first. A tail that returned
        # here at once would lose it.
        if cancelled():
            handle.close()
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
                try:
                    await asyncio.sleep(0)
                except asyncio.CancelledError:
                    pass  # counted in cancelling()
            else:
                # Shielded: a readline already running on the pool finishes
                # anyway, and its line must reach the output.
                line = await shield(loop.run_in_executor(None, common.readline, handle))
        except common.NoNewData:
            if handle.closed():
                continue  # drained: the loop ends (C++: a closed input's wait returns at once)
            if cancelled():
                handle.close()  # cancelled while the readline ran: no wait
                continue
            # The wait, bounded by the idle deadline. (C++: a parallel group of
            # the wait and a timer.)
            try:
                async with asyncio.timeout_at(idle_deadline):
                    await asyncio.sleep(interval)
            except TimeoutError:
                idle_ended = True  # no new data for idle_timeout: read what is there, then end
                handle.close()
            except asyncio.CancelledError:
                pass  # counted in cancelling(): acted on at the top of the loop
        else:
            await shield(write(line))
            if idle_timeout is not None:
                idle_deadline = loop.time() + idle_timeout
    if idle_ended:
        common.note(f"{handle.path}: no new data for {idle_timeout:g} s; no longer following it")


# The body of the `async with`: every tail on this loop, every write awaited
# on the writer thread. (C++ has no async with: it passes this function to
# asyncio::async_with.)
async def merge_into(output, handles, interval, idle_timeout, started):
    # Waits for every tail; the first one that fails cancels the others. Then
    # raises every error together, an ExceptionGroup.
    async with asyncio.TaskGroup() as group:
        for handle in handles:
            group.create_task(tail_async(handle, interval, output.write, idle_timeout))
        # create_task only schedules a tail, and a task cancelled before its
        # first step never runs its code: it would drain nothing. The loop
        # runs what is ready in order, so after this every tail has started.
        # (C++: co_spawn on the caller's loop starts each tail at once.)
        await asyncio.sleep(0)
        started()


async def run_fully_async(handles, interval, output_path, idle_timeout):
    # SIGINT and SIGTERM cancel the group, and only the group: the writer's
    # start and stop must not be cut short. Taken here, before the first
    # await, so that a signal that comes while the writer starts is kept.
    # (C++: a signal_set, whose handler emits on the cancellation slot bound
    # to the group.) The shared main hears of it first (common.signalled).
    loop = asyncio.get_running_loop()
    signals = []
    merging = None
    tails_started = False

    def on_signal(number):
        common.signalled(number)
        signals.append(number)
        if tails_started:
            merging.cancel()

    def on_tails_started():  # a signal that came before is acted on now
        nonlocal tails_started
        tails_started = True
        if signals:
            merging.cancel()

    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, on_signal, number)
    try:
        # stop() runs after the tails, also when a tail raises.
        async with WriteThread(output_path) as output:
            merging = asyncio.create_task(merge_into(output, handles, interval, idle_timeout, on_tails_started))
            try:
                await merging
            except asyncio.CancelledError:
                if not signals:
                    raise
    finally:
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)


if __name__ == "__main__":
    sys.exit(common.stage_main(lambda handles, interval, output_path, idle_timeout: asyncio.run(
        run_fully_async(handles, interval, output_path, idle_timeout)), cancellable=True))
