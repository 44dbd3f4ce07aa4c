// The main() every stage shares: parse the command line, start the writers,
// run the stage's merge, check the result, print one summary line. A stage's
// main.cpp only says which function does the merging.
#pragma once

#include "common/input.hpp"
#include "common/wait.hpp"

#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>

namespace common {

// The shape of every stage's top-level call, the book's
// run_threads(handles, interval, output_path).
using MergeFunction =
    std::function<void(const Handles& handles, Seconds interval, const std::filesystem::path& output_path)>;

// The shape of a merge whose tails can be cancelled (beyond/task_group's
// run_fully_async): it takes --idle-timeout (nothing when not given), and
// SIGINT and SIGTERM itself, through a signal_set on its loop. The shared
// main then closes no input on those signals; in a simulated run it stops
// the writers and waits for them first, so that the cancelled tails find
// every line written. The exit code is 128 + the signal in follow mode too.
using CancellableMerge =
    std::function<void(const Handles& handles, Seconds interval, const std::filesystem::path& output_path,
                       std::optional<Seconds> idle_timeout)>;

// Returns the process exit code: 0 only when confirm_merge passed; 1 when the
// run failed or the merge is wrong; 2 for a bad command line. Every error is
// one line on `err`, naming the option or path and the reason (a task group's
// errors one line each); an output the failed run left behind is removed.
int stage_main(int argc, const char* const argv[], const MergeFunction& merge, std::ostream& out = std::cout,
               std::ostream& err = std::cerr);
int stage_main(int argc, const char* const argv[], const CancellableMerge& merge, std::ostream& out = std::cout,
               std::ostream& err = std::cerr);

} // namespace common
