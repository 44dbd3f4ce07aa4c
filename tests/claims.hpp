// The claims a migration step makes beyond a correct merge, each measured by
// what a run does: the tails run at once, nothing blocks an event loop, the
// first error reaches the caller, the loop is fair. Every stage's tests
// check the claims of its step with these, and so does ./workshop check on
// a participant's copy: a step is right when its behaviour is, however the
// code is written.
#pragma once

#include "common/instrument/debug.hpp"
#include "common/program/stage_main.hpp"

#include <chrono>
#include <condition_variable>
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

// Follows three inputs that stay open, and appends one line to the middle
// one while the other two stay idle.
struct IdleRun {
  bool merged;                               // the line reached the output while the others stayed open
  common::debug::Milliseconds longest_stall; // the longest time an event loop was held (0: no loop)
};
IdleRun merge_while_others_idle(const common::MergeFunction& merge);

// Merges two prefilled inputs and a third whose path names a directory by the
// time its tail reads it, so that readline fails there.
struct FailedRun {
  std::string error;     // what the merge threw; empty if it returned
  std::string bad_input; // the failing input's path
  bool others_kept;      // every line of the other two inputs is in the output
};
FailedRun merge_with_one_failing(const common::MergeFunction& merge);

// Merges prefilled inputs of short lines, so that every tail holds all its
// lines in memory at once, each write taking 2 ms; returns the longest time
// one callback held the loop: a write's time when the tails take turns.
common::debug::Milliseconds longest_turn(const common::MergeFunction& merge);

} // namespace tests
