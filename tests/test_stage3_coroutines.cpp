// stage3_coroutines: the tail loop is a coroutine; only the blocking
// readline runs on the pool.
#include "claims.hpp"
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
  CHECK_MESSAGE(!record.threads(common::probe::Event::close).empty(),
                "hint: the output was never closed: its last lines wait in its buffer, and a failed last write "
                "would go unseen. run_tasks closes it once every tail has ended");
  CHECK_MESSAGE((tests::only(record.threads(common::probe::Event::open), loop) &&
                 tests::only(record.threads(common::probe::Event::close), loop)),
                "hint: the output was opened or closed off the loop's thread: the loop owns it, so run_tasks "
                "opens it and closes it there");
  // Lines already in memory are taken on the loop, without a trip to the pool.
  const auto buffered = record.threads(common::probe::Event::buffered_line);
  CHECK_MESSAGE((buffered.empty() || buffered == std::set{loop}),
                "hint: buffered_line ran off the loop: it makes no system call, so it belongs on the loop");
  // The waiting between polls is a timer on the loop, not a sleeping thread.
  CHECK_MESSAGE(record.threads(common::probe::Event::wait) == std::set{loop},
                "hint: the wait between polls ran on a pool thread: in this step it is a timer on the loop, which "
                "suspends the tail and leaves the loop free (stage3_coroutines/README.md, What changed from stage 2)");
}

TEST_CASE("the tails run at once, and nothing blocks the loop: a line appended to one input is merged while the "
          "others stay open and idle") {
  tests::check_tails_run_at_once(
      tests::stage_merge,
      {"something blocked the loop's thread",
       "a tail that blocks its thread (common::wait_for_data, a sleep, a future's .get()) stops every tail on the "
       "loop. A coroutine waits by suspending: the awaitable wait of common/asyncio.hpp (stage3_coroutines/README.md, "
       "What changed from stage 2)",
       "Start every tail before awaiting any of them, the book's asyncio.gather (stage3_coroutines/README.md, What "
       "changed from stage 2)"});
}

TEST_CASE("the first error of a tail reaches the caller, and the other inputs' lines are kept") {
  tests::check_first_error_reaches_caller(tests::stage_merge, "run_tasks",
                                          "gather rethrows the first error once every tail has ended",
                                          ", and the output be closed");
}

TEST_CASE("the loop is fair: tails with lines in memory take turns") {
  const auto hold = tests::longest_hold(tests::stage_merge);
  CHECK_MESSAGE(hold.count() < 50,
                "hint: one tail kept the loop for "
                    << hold.count()
                    << " ms while the other tails had lines ready "
                       "too: a line taken from memory (buffered_line) costs no await, so the tail never gave the loop "
                       "back. Give the loop back once per line, as the book's asyncio.sleep(0) does "
                       "(stage3_coroutines/README.md, What changed from stage 2)");
  const auto run = tests::longest_run(tests::stage_merge);
  CHECK_MESSAGE(run < 10,
                "hint: " << run
                         << " lines of one input went out in a row while the other tails had lines ready too: the "
                            "tail did not give the loop back between lines. An await that can finish at once (a "
                            "dispatch) gives no turn; asyncio::sleep(0) always does, as the book's asyncio.sleep(0) "
                            "(stage3_coroutines/README.md, What changed from stage 2)");
}
