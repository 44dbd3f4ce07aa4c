// stage3_coroutines: the tail loop is a coroutine; only the blocking
// readline runs on the pool.
#include "merge_harness.hpp"
#include "stage3_coroutines/tail_merge.hpp"
#include "thread_record.hpp"

#include <doctest/doctest.h>

// The stage's top-level call, which the shared confirm_merge scenarios
// (merge_scenarios.cpp) and the tests below run.
void tests::stage_merge(const common::Handles& handles, common::Seconds interval,
                        const std::filesystem::path& output_path) {
  asyncio::run(tail_merge::run_tasks(handles, interval, output_path));
}

TEST_CASE("no readline runs on the loop's thread, and every write does") {
  tests::ThreadRecord record;
  tests::check_merge(tests::prefilled, tests::stage_merge);
  // asyncio::run runs the loop on the calling thread: this one.
  const auto loop = std::this_thread::get_id();
  const auto readers = record.threads(common::probe::Event::readline);
  // A "hint: " message is what ./workshop check shows when the check fails.
  CHECK_FALSE(readers.empty());
  CHECK_MESSAGE(readers.count(loop) == 0,
                "hint: a readline ran on the loop's thread: hand the call itself to the pool with run_in_executor; "
                "co_await post(pool) does not move you there (the coroutine resumes on its loop)");
  CHECK_MESSAGE(record.threads(common::probe::Event::write) == std::set{loop},
                "hint: an output write ran off the loop's thread: the tails run on the loop, so they await "
                "write_async there, and nothing else writes");
  // Lines already in memory are taken on the loop, without a trip to the pool.
  const auto buffered = record.threads(common::probe::Event::buffered_line);
  CHECK_MESSAGE((buffered.empty() || buffered == std::set{loop}),
                "hint: buffered_line ran off the loop: it makes no system call, so it belongs on the loop");
  // The waiting between polls is a timer on the loop, not a sleeping thread.
  CHECK_MESSAGE(record.threads(common::probe::Event::wait) == std::set{loop},
                "hint: the wait between polls ran off the loop: co_await asyncio::sleep(interval), a timer");
}

TEST_CASE("with 100 ms writes, the loop is held for each write: what stage 5 fixes") {
  // The margin is wide on purpose: the machine may be busy.
  CHECK_MESSAGE(tests::longest_stall_with_slow_writes(tests::stage_merge).count() >= 80,
                "hint: the loop was not held by the slow writes: in stage 3 the loop's thread does every write itself");
}
