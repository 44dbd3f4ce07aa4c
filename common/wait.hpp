// Waiting for new data: the counterpart of Python's time.sleep(interval).
#pragma once

#include <chrono>

namespace common {

// Intervals are given in seconds, as on the command line and in the book.
using Seconds = std::chrono::duration<double>;

// Blocks the calling thread. Only for thread-based code: a coroutine that
// called this would stop its whole event loop (see asyncio::sleep instead).
void sleep(Seconds interval);

} // namespace common
