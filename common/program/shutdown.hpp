// Follow mode ends on SIGINT or SIGTERM: every input is closed ("no more data
// is coming"), the tails drain what was written, and the run ends normally.
//
// Who receives the signal depends on the stage, as it would in a real
// program. SIGINT and SIGTERM are blocked in every thread (a thread inherits
// its creator's mask, and enable() runs before any thread is started), and
// then:
//   - in the thread stages (1 and 4), a dedicated thread waits for them with
//     sigwait();
//   - in the coroutine stages (2, 3 and 5), asyncio::run_until_complete on
//     the main thread takes over: it stops that thread and receives the
//     signals on the event loop with asio::signal_set (see asyncio.cpp).
#pragma once

#include <functional>
#include <string_view>

namespace common::shutdown {

// Call on the main thread before any other thread starts. `stop` runs once,
// on the first signal, on whichever thread received it.
void enable(std::function<void(std::string_view signal_name)> stop);
// Stops waiting for signals and unblocks them again.
void disable();
bool enabled() noexcept;

// For the main event loop: end the signal-waiting thread, so that the loop
// is the one to receive SIGINT and SIGTERM. Returns false if signals are not
// handled here (not follow mode, or not the main thread).
bool hand_over_to_loop();
// The loop received `signal`.
void request(int signal);

} // namespace common::shutdown
