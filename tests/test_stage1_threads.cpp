// stage1_threads: one thread per input, a mutex around the output.
#include "merge_harness.hpp"
#include "stage1_threads/tail_merge.hpp"
#include "thread_record.hpp"

#include <doctest/doctest.h>

// The stage's top-level call, which the shared confirm_merge scenarios
// (merge_scenarios.cpp) and the tests below run.
void tests::stage_merge(const common::Handles& handles, common::Seconds interval,
                        const std::filesystem::path& output_path) {
  tail_merge::run_threads(handles, interval, output_path);
}

TEST_CASE("each input is tailed and written by a thread of its own") {
  tests::ThreadRecord record;
  tests::check_merge(tests::prefilled, tests::stage_merge);
  // Prefilled, every input has lines, and each tail thread writes the lines
  // it read: as many writing threads as inputs, none of them the caller.
  const auto writers = record.threads(common::probe::Event::write);
  CHECK(writers.size() == static_cast<std::size_t>(tests::prefilled.files));
  CHECK(writers.count(std::this_thread::get_id()) == 0);
}
