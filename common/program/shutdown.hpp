// A run ends early on SIGINT, SIGTERM or SIGHUP (unless SIGHUP is ignored, as
// under nohup): follow mode closes every input ("no more data is coming"), a
// simulated run stops its writers, and the tails drain what was written.
//
// Who receives the signal depends on the stage, as it would in a real
// program. SIGINT and SIGTERM are blocked in every thread (a thread inherits
// its creator's mask, and enable() runs before any thread is started), and
// then:
//   - in the thread stages (1 and 4), a dedicated thread waits for them with
//     sigwait();
//   - in the coroutine stages (2, 3 and 5), the event loop of the main
//     thread takes over when it starts (a loop watcher, see
//     probe/probe.hpp): it stops that thread and receives the signals
//     with asio::signal_set.
#pragma once

#include <functional>
#include <string_view>

namespace common::shutdown {

// Call on the main thread before any other thread starts. `stop` runs once,
// on the first signal, on whichever thread received it.
//
// With `until_loop` false (a merge that takes SIGINT and SIGTERM itself,
// beyond/task_group) no thread waits for them: they stay blocked, and a
// signal that comes early waits, pending, until the main thread's loop takes
// over. The merge's own signal_set exists by then and gets it too.
void enable(std::function<void(int signal)> stop, bool until_loop = true);
// "SIGINT", "SIGTERM", "SIGHUP".
std::string_view signal_name(int signal);
// Stops waiting for signals and unblocks them again.
void disable();

} // namespace common::shutdown
