// The main() every stage shares: parse the command line, start the writers,
// run the stage's merge, check the result, print one summary line. A stage's
// main.cpp only says which function does the merging.
#pragma once

#include "common/input.hpp"
#include "common/wait.hpp"

#include <filesystem>
#include <functional>
#include <iostream>

namespace common {

// The shape of every stage's top-level call, the book's
// run_threads(handles, interval, output_path).
using MergeFunction =
    std::function<void(const Handles& handles, Seconds interval, const std::filesystem::path& output_path)>;

// Returns the process exit code: 0 only when confirm_merge passed; 1 when the
// run failed or the merge is wrong; 2 for a bad command line. Every error is
// one line on `err`, naming the option or path and the reason; an output the
// failed run left behind is removed.
int stage_main(int argc, const char* const argv[], const MergeFunction& merge, std::ostream& out = std::cout,
               std::ostream& err = std::cerr);

} // namespace common
