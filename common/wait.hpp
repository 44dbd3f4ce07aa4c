// Waiting for new data: the counterpart of Python's time.sleep(interval) in
// the book's tail loop, woken early when there is something to read.
#pragma once

#include <chrono>
#include <memory>

namespace common {

// Intervals are given in seconds, as on the command line and in the book.
using Seconds = std::chrono::duration<double>;

class InputHandle;

// Where the book sleeps `interval` after NoNewData: blocks the calling thread
// until the input has changed since readline() last looked (new data, the
// file replaced or truncated; the inotify watcher says so), or was closed. A
// new line is read at once, and a tail with nothing new costs no CPU. Where
// inotify does not watch the file, the wait lasts at most `interval`: the
// book's polling; where it does, at most a minute (InputHandle::longest_wait).
// Only for thread-based code: a coroutine that called this would stop its
// whole event loop (see asyncio::wait_for_data instead).
void wait_for_data(const std::shared_ptr<InputHandle>& handle, Seconds interval);

} // namespace common
