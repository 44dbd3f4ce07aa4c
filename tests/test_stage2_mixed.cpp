// stage2_mixed: the top level is a coroutine; the blocking tails run on a
// pool; every write hops back to the loop.
#include "merge_harness.hpp"
#include "stage2_mixed/tail_merge.hpp"
#include "thread_record.hpp"

#include <doctest/doctest.h>

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
  // A "hint: " message is what ./workshop check shows when the check fails.
  CHECK_MESSAGE(record.threads(common::probe::Event::write) == std::set{loop},
                "hint: an output write ran on a pool thread: in this step the loop's thread does every write; hand "
                "each one to it with run_coroutine_threadsafe(write_async(output, data), loop).get(), not a mutex");
  CHECK_MESSAGE(readers.count(loop) == 0, "hint: a readline ran on the loop's thread: the blocking tails belong on the "
                                          "pool, with run_in_executor(pool, tail_file, ...)");
  CHECK_MESSAGE(readers.size() == static_cast<std::size_t>(live.files),
                "hint: fewer threads read than there are tails: the pool has fewer threads than there are tails, so "
                "some inputs wait until others finish (a pool of handles.size() threads)");
}

TEST_CASE("more inputs than the default pool has threads are all merged") {
  // Asio's default pool has two threads per core. With a pool that size,
  // the tails that got no thread would merge nothing until others finished.
  tests::check_merge({4 * static_cast<int>(std::thread::hardware_concurrency()) + 1, 3, 0.01, false, 0.01},
                     tests::stage_merge);
}
