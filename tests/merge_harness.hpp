// The confirm_merge harness: runs a stage's top-level function over a fixed
// set of scenarios and checks every result with confirm_merge. Every stage's
// test executable runs all of them (merge_scenarios.cpp), so every step of
// the migration is held to the same standard.
#pragma once

#include "common/instrument/debug.hpp"
#include "common/program/stage_main.hpp"

namespace tests {

struct Scenario {
  int files;
  int lines;
  double write_interval; // seconds; ignored when prefilled
  bool prefill;
  double interval; // the tails' poll interval, in seconds
};

// The book's own run: 5 files x 10 lines, concurrent writers, 0.1 s intervals.
inline constexpr Scenario book_default{5, 10, 0.1, false, 0.1};
// Bulk: every line is in the files before the merge starts.
inline constexpr Scenario prefilled{20, 2000, 0, true, 0.01};
// Bulk with a poll interval far longer than the merge takes: every input is
// closed before the merge starts, so no tail ever has to wait for one.
inline constexpr Scenario prefilled_long_interval{5, 200, 0, true, 60};
// More inputs than a small thread pool has threads.
inline constexpr Scenario many_files{200, 5, 0.02, false, 0.01};
// Writers that write nothing: the merge must still end, with an empty output.
inline constexpr Scenario empty_inputs{5, 0, 0.01, false, 0.01};
// 12 inputs: "dir/1" is a prefix of "dir/10" and "dir/11".
inline constexpr Scenario prefix_trap{12, 20, 0.01, false, 0.01};

// The stage's top-level call, defined by each stage's test file; the
// scenarios of merge_scenarios.cpp run it.
void stage_merge(const common::Handles& handles, common::Seconds interval, const std::filesystem::path& output_path);

// Runs `merge` on a fresh set-up of `scenario` and checks the result with
// confirm_merge, and that every written line arrived.
void check_merge(const Scenario& scenario, const common::MergeFunction& merge);

// Runs `merge` on a few prefilled lines into /dev/full, where the output's
// only write, its last flush at close, fails: checks that the merge fails with
// that error instead of returning as if every line were merged.
void check_last_flush_error(const common::MergeFunction& merge);

// The longest time an event loop was held (the --debug report) while `merge`
// merged a few prefilled lines, each output write taking 100 ms.
common::debug::Milliseconds longest_stall_with_slow_writes(const common::MergeFunction& merge);

} // namespace tests
