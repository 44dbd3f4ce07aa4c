// stage2_mixed: the top level is a coroutine; the blocking tails run on a
// pool; every write hops back to the loop.
#include "claims.hpp"
#include "hints.hpp"
#include "merge_harness.hpp"
#include "stage2_mixed/tail_merge.hpp"
#include "thread_record.hpp"

#include <algorithm>
#include <chrono>
#include <doctest/doctest.h>
#include <mutex>
#include <thread>

// The stage's top-level call, which the shared confirm_merge scenarios
// (merge_scenarios.cpp) and the tests below run.
void tests::stage_merge(const common::Handles& handles, common::Seconds interval,
                        const std::filesystem::path& output_path) {
  asyncio::run(tail_merge::run_tasks_mixed(handles, interval, output_path));
}

TEST_CASE("the tails read on pool threads, and every write happens on the loop's thread") {
  tests::ThreadRecord record;
  // Live writers: every tail holds its thread until its writer is done, so
  // with a thread per tail, as many threads read as there are files.
  const tests::Scenario live{20, 20, 0.01, false, 0.01};
  tests::check_merge(live, tests::stage_merge);
  // asyncio::run runs the loop on the calling thread: this one.
  const auto loop = std::this_thread::get_id();
  const auto readers = record.threads(common::probe::Event::readline);
  // A hint (tests/practice/en/claim_hints) is what ./workshop check shows when the check fails.
  // Written on the tails' own threads (under a mutex, or after waiting for
  // the loop's turn), or handed to another thread (a second loop, a strand).
  const auto writers = record.threads(common::probe::Event::write);
  const bool on_tails = std::any_of(writers.begin(), writers.end(), [&](auto id) { return readers.count(id) > 0; });
  CHECK_MESSAGE(writers == std::set{loop},
                (on_tails ? tests::hint("s2_write_on_pool") : tests::hint("s2_write_elsewhere")));
  CHECK_MESSAGE(readers.count(loop) == 0, tests::hint("s2_readline_on_loop"));
  CHECK_MESSAGE(!record.threads(common::probe::Event::close).empty(), tests::hint("s2_never_closed"));
  CHECK_MESSAGE((tests::only(record.threads(common::probe::Event::open), loop) &&
                 tests::only(record.threads(common::probe::Event::close), loop)),
                tests::hint("s2_open_close_off_loop"));
  CHECK_MESSAGE(readers.size() == static_cast<std::size_t>(live.files), tests::hint("s2_pool_too_small"));
}

TEST_CASE("each tail waits for its write to be done before it reads on, as the book's waits on future.result()") {
  tests::check_each_write_awaited(tests::stage_merge, tests::text("s2_wait_for_write"));
  tests::check_write_error_ends_merge(tests::stage_merge, tests::text("s2_write_error"));
}

TEST_CASE("more inputs than the default pool has threads are all merged") {
  // Asio's default pool has two threads per core. With a pool that size,
  // the tails that got no thread would merge nothing until others finished.
  tests::check_merge({4 * static_cast<int>(std::thread::hardware_concurrency()) + 1, 3, 0.01, false, 0.01},
                     tests::stage_merge);
}

TEST_CASE("the tails run at once, and nothing blocks the loop: a line appended to one input is merged while the "
          "others stay open and idle") {
  tests::check_tails_run_at_once(
      tests::stage_merge, {tests::text("loop_blocked"), tests::text("s2_why_blocked"), tests::text("s2_start_all")});
}

TEST_CASE("the first error of a tail reaches the caller, and the other inputs' lines are kept") {
  tests::check_first_error_reaches_caller(tests::stage_merge, "run_tasks_mixed", tests::text("s2_error_path"), "");
}
