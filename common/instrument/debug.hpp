// The slow-callback report, the counterpart of asyncio's debug mode
// (asyncio.run(main(), debug=True)), and the slow disk used to provoke it.
//
// Set once by the shared main() from --debug, --slow-threshold and
// --slow-write, before any thread of a run starts; read by the event loops
// (asyncio::run_until_complete) and the output file.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace common::debug {

using Milliseconds = std::chrono::milliseconds;

struct Settings {
  bool report = false;         // --debug: watch every event loop and report stalls
  Milliseconds threshold{100}; // --slow-threshold: a stall at least this long is reported
  Milliseconds slow_write{0};  // --slow-write: the output's open, every write and its close take this long
  std::string stage = "stage"; // names the reports
  // For the tests: a thread that opened, wrote or closed the output takes
  // this long to end, so that a loop that joins it is held, and reported.
  Milliseconds slow_thread_end{0};
  // For the tests: every readline takes this long, so that a loop that waits
  // for one (a future's .get()) is held, and reported.
  Milliseconds slow_read{0};
};

void configure(Settings settings);
const Settings& settings();

// Called by a loop's watcher: the loop named `loop` could not run anything
// else for `held`. Reports it on stderr if it reaches the threshold.
void record_stall(std::string_view loop, std::chrono::steady_clock::duration held);

// The longest stall recorded since configure(); nothing if no loop was
// watched (a thread-only stage, or --debug is off).
std::optional<Milliseconds> longest_stall();
// How long the watched loops were held in all since configure(), summed
// over the loops: a loop that polls by sleeping is held most of the time.
Milliseconds total_held();
// As longest_stall(), and counts again from nothing: one phase of a run at a time.
std::optional<Milliseconds> take_longest_stall();

} // namespace common::debug
