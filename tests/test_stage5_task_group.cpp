// Beyond the book: stage 5 with its tails in a task group (beyond/task_group/):
// the first tail that fails cancels the others, each cancelled tail drains
// what its input holds, and every error is reported.
#include "beyond/task_group/tail_merge.hpp"
#include "merge_harness.hpp"

#include <doctest/doctest.h>

// The program's top-level call, which the shared confirm_merge scenarios
// (merge_scenarios.cpp) and the tests below run.
void tests::stage_merge(const common::Handles& handles, common::Seconds interval,
                        const std::filesystem::path& output_path) {
  asyncio::run(tail_merge::run_fully_async(handles, interval, output_path, std::nullopt));
}
