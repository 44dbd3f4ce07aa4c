// stage3_coroutines: the tail loop is a coroutine; only the blocking
// readline runs on the pool.
#include "claims.hpp"
#include "hints.hpp"
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
  // A hint (tests/practice/en/claim_hints) is what ./workshop check shows when the check fails.
  CHECK_FALSE(readers.empty());
  CHECK_MESSAGE(readers.count(loop) == 0, tests::hint("s3_readline_on_loop"));
  CHECK_MESSAGE(record.threads(common::probe::Event::write) == std::set{loop}, tests::hint("s3_write_off_loop"));
  CHECK_MESSAGE(!record.threads(common::probe::Event::close).empty(), tests::hint("s3_never_closed"));
  CHECK_MESSAGE((tests::only(record.threads(common::probe::Event::open), loop) &&
                 tests::only(record.threads(common::probe::Event::close), loop)),
                tests::hint("s3_open_close_off_loop"));
  // Lines already in memory are taken on the loop, without a trip to the pool.
  const auto buffered = record.threads(common::probe::Event::buffered_line);
  CHECK_MESSAGE((buffered.empty() || buffered == std::set{loop}), tests::hint("s3_buffered_off_loop"));
  // The waiting between polls is a timer on the loop, not a sleeping thread.
  const auto waiters = record.threads(common::probe::Event::wait);
  CHECK_MESSAGE(!waiters.empty(), tests::hint("s3_no_wait"));
  CHECK_MESSAGE((waiters.empty() || waiters == std::set{loop}), tests::hint("s3_wait_on_pool"));
}

TEST_CASE("no thread per input: every tail's readline runs on the default pool's few threads") {
  // Asio's default pool has two threads per core; twice as many inputs.
  const auto pool = 2 * static_cast<int>(std::thread::hardware_concurrency());
  tests::ThreadRecord record;
  tests::check_merge({2 * pool, 3, 0.01, false, 0.01}, tests::stage_merge);
  const auto readers = record.threads(common::probe::Event::readline).size();
  CHECK_MESSAGE(readers <= static_cast<std::size_t>(pool), tests::hint("s3_thread_per_input", readers, 2 * pool));
}

TEST_CASE("the tails run at once, and nothing blocks the loop: a line appended to one input is merged while the "
          "others stay open and idle") {
  tests::check_tails_run_at_once(
      tests::stage_merge, {tests::text("loop_blocked"), tests::text("s3_why_blocked"), tests::text("s3_start_all")});
}

TEST_CASE("each tail awaits its write before it reads on") {
  tests::check_tail_awaits_each_write(tail_merge::tail_async);
}

TEST_CASE("the first error of a tail reaches the caller, and the other inputs' lines are kept") {
  tests::check_first_error_reaches_caller(tests::stage_merge, "run_tasks", tests::text("s3_error_path"),
                                          tests::text("and_closed"));
}

TEST_CASE("the loop is fair: tails with lines in memory take turns") {
  const auto hold = tests::longest_hold(tests::stage_merge);
  CHECK_MESSAGE(hold.count() < 50, tests::hint("s3_loop_kept", hold.count()));
  const auto run = tests::longest_run(tests::stage_merge);
  CHECK_MESSAGE(run < 10, tests::hint("s3_in_a_row", run));
}
