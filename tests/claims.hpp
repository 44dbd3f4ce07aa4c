// The claims a migration step makes beyond a correct merge, each measured by
// what a run does: the tails run at once, nothing blocks an event loop, the
// first error reaches the caller, the loop is fair. Every stage's tests
// check the claims of its step with these, and so does ./workshop check on
// a participant's copy: a step is right when its behaviour is, however the
// code is written.
#pragma once

#include "common/asyncio.hpp"
#include "common/input.hpp"
#include "common/instrument/debug.hpp"
#include "common/program/stage_main.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace tests {

// Ends the test program with `hint` (printed as "hint: ...", which the
// checker shows) if it is still alive after `limit`: a merge that never ends
// fails with a reason, instead of holding up the whole check.
class HangGuard {
public:
  HangGuard(std::chrono::seconds limit, std::string hint);
  ~HangGuard();
  HangGuard(const HangGuard&) = delete;
  HangGuard& operator=(const HangGuard&) = delete;

private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool ended_ = false;
  std::thread watch_;
};

// The tails run at once, and nothing blocks a loop: three followed inputs
// stay open, a line appended to the middle one must be merged while the
// other two stay idle, and no event loop may be held 150 ms meanwhile. The
// hints are the stage's: `blocked` names the held loop ("something blocked
// the loop's thread"), `why_blocked` follows the time it was held, and
// `start_all` says how this stage starts every tail before waiting for any.
// Then a hundred idle inputs, more than any fixed pool a tail might be
// given: a line appended to the last one must be merged too.
struct AtOnceHints {
  std::string blocked;
  std::string why_blocked;
  std::string start_all;
};
void check_tails_run_at_once(const common::MergeFunction& merge, const AtOnceHints& hints);

// The first error of a tail reaches the caller, and the other inputs' lines
// are kept: two prefilled inputs, and a third whose path names a directory
// by the time its tail reads it. `function` is the stage's top-level
// function, `how` how an error travels to it in this stage, `and_then` what
// must still happen after the other tails ended (may be empty).
void check_first_error_reaches_caller(const common::MergeFunction& merge, const std::string& function,
                                      const std::string& how, const std::string& and_then);

// Each tail reads on only once its write is done: one prefilled input of a
// few lines, and the first write held at its start (the window between a
// readline and its write, made to last) until the tail reads again or two
// seconds have passed. A tail that does not wait for its write has read on
// by then, every time, before the write began or while it was held (also
// one that gives up waiting after a second); one that waits has read only
// its first line. `hint` says how this stage waits for a write.
void check_each_write_awaited(const common::MergeFunction& merge, const std::string& hint);

// Three followed inputs, open and idle, polled every 50 ms (inotify off):
// over a second the merge keeps less than a quarter of a core busy. A tail
// that looks again at once instead of waiting its interval spins a core.
void check_idle_inputs_keep_no_core_busy(const common::MergeFunction& merge);

// One followed input holding a line, and a poll interval of 60 s: the line
// is merged at once (a tail looks before it waits); a line appended then is
// merged at once too, where inotify wakes a waiting tail; and closing the
// input ends the merge at once (a close wakes a waiting tail). A tail that
// sleeps its interval instead of waiting for data meets none of them.
void check_tail_wakes(const common::MergeFunction& merge);

// Two prefilled inputs, one removed from its path before the merge starts
// (as a rotated log is) and both closed: every line of both is merged. A
// tail follows its handle until it is closed, whatever its path shows.
void check_removed_input_is_drained(const common::MergeFunction& merge);

// A failed write ends its tail with the write's error: one followed input
// holding a line, the output /dev/full written line by line, and the input
// left open. The merge must end with the error within 5 s, while the input
// is still open; a tail that drops the error reads on until it is closed.
// `hint` says how this stage gets a write's error back.
void check_write_error_ends_merge(const common::MergeFunction& merge, const std::string& hint);

// The coroutine stages' tail_async awaits each write: handed a write that
// suspends a while (a slow output), it has written every line it read by the
// time it returns. On one loop a write not awaited still runs, later: it
// shows as lines not yet written when tail_async has returned.
using TailAsync =
    std::function<awaitable<void>(common::Handle, common::Seconds, std::function<awaitable<void>(std::string)>)>;
void check_tail_awaits_each_write(const TailAsync& tail_async);

// Merges prefilled inputs of short lines, so that every tail holds all its
// lines in memory at once, each write taking 2 ms. When the tails take turns
// line by line, one callback holds the loop for about one write and the
// output's lines come from one input at most a few in a row; when a tail
// goes through its whole buffer in one turn, 200 ms and 100 lines.
//
// longest_hold: the longest time one callback held the loop, under --debug's
// watch. longest_run: the most output lines in a row from one input, without
// the watch, whose executor queues every callback (a dispatch that runs
// inline on a plain loop, and gives no turn, shows only there).
common::debug::Milliseconds longest_hold(const common::MergeFunction& merge);
std::size_t longest_run(const common::MergeFunction& merge);

} // namespace tests
