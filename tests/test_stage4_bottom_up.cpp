// stage4_bottom_up: the leaf is a coroutine; each old thread drives an event
// loop of its own to run it.
#include "claims.hpp"
#include "common/system/process.hpp"
#include "hints.hpp"
#include "merge_harness.hpp"
#include "stage4_bottom_up/tail_merge.hpp"
#include "support/files.hpp"
#include "thread_record.hpp"

#include <atomic>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <thread>
#include <unistd.h>

// The stage's top-level call, which the shared confirm_merge scenarios
// (merge_scenarios.cpp) and the tests below run.
void tests::stage_merge(const common::Handles& handles, common::Seconds interval,
                        const std::filesystem::path& output_path) {
  tail_merge::run_threads(handles, interval, output_path);
}

namespace {

// The counts, or 0 where they are not known (no /proc: the test says so).
int current_threads() {
  return common::process::threads(::getpid()).value_or(0);
}

int open_descriptors() {
  return common::process::open_descriptors().value_or(0);
}

} // namespace

TEST_CASE("each tail thread runs its own loop: readline on the pool, nothing on the caller's thread") {
  tests::ThreadRecord record;
  tests::check_merge(tests::prefilled, tests::stage_merge);
  const auto readers = record.threads(common::probe::Event::readline);
  const auto writers = record.threads(common::probe::Event::write);
  CHECK_FALSE(readers.empty());
  // The writes happen on the tail threads (one per input), the reads on the
  // shared pool: no thread does both, and the caller does neither. A hint
  // (tests/practice/en/claim_hints) is what ./workshop check shows when the
  // check fails.
  CHECK_MESSAGE(writers.size() == static_cast<std::size_t>(tests::prefilled.files),
                tests::hint("s4_not_one_per_input"));
  for (const auto& reader : readers) {
    CHECK_MESSAGE(writers.count(reader) == 0, tests::hint("s4_readline_on_tail_thread"));
  }
  CHECK_MESSAGE(readers.count(std::this_thread::get_id()) == 0, tests::hint("s4_readline_on_caller"));
  CHECK_MESSAGE(writers.count(std::this_thread::get_id()) == 0, tests::hint("s4_write_on_caller"));
  CHECK_MESSAGE(!record.threads(common::probe::Event::close).empty(), tests::hint("s4_never_closed"));
}

TEST_CASE("threads stay within one per file plus a constant, and every loop is released") {
  const bool counted = common::process::threads(::getpid()) && common::process::open_descriptors();
  if (!counted) {
    MESSAGE("no /proc in this build: only the merge is checked, not the threads and descriptors");
  }
  // Make sure the shared default pool, the inotify watcher (started by the
  // first input opened) and the sampler's descriptor exist before counting.
  current_threads();
  asyncio::run(asyncio::run_in_executor(asyncio::default_executor(), [] {}));
  tests::TempDir dir;
  tests::write_file(dir.path / "first", "");
  common::open_input(dir.path / "first");
  const int threads_before = current_threads();
  const int descriptors_before = open_descriptors();

  const tests::Scenario scenario{100, 20, 0, true, 0.01};
  std::atomic<bool> done{false};
  std::atomic<int> peak{0};
  std::thread sampler([&] {
    while (!done) {
      peak = std::max(peak.load(), current_threads());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  const int descriptors_with_inputs = descriptors_before + scenario.files; // the set-up's handles
  tests::check_merge(scenario, [&](const common::Handles& handles, common::Seconds interval,
                                   const std::filesystem::path& output_path) {
    tests::stage_merge(handles, interval, output_path);
    // Every per-thread loop is gone with its thread: no descriptor is left
    // behind but the inputs' own handles (the book's version keeps ~4 per file).
    CHECK_MESSAGE((!counted || open_descriptors() == descriptors_with_inputs), tests::hint("s4_loop_outlived"));
  });
  done = true;
  sampler.join();

  // The tail threads, plus the sampler; the pool existed before.
  if (counted) {
    CHECK_MESSAGE(peak <= threads_before + scenario.files + 1, tests::hint("s4_too_many_threads"));
    CHECK(current_threads() == threads_before);
    CHECK(open_descriptors() == descriptors_before);
    // Followed at once, with live writers: every tail is alive at the same
    // time, so a thread a tail brings besides its own shows (prefilled tails
    // above may end before the next starts).
    const tests::Scenario live{50, 10, 0.02, false, 0.01};
    done = false;
    peak = 0;
    std::thread live_sampler([&] {
      while (!done) {
        peak = std::max(peak.load(), current_threads());
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    tests::check_merge(live, tests::stage_merge);
    done = true;
    live_sampler.join();
    // A tail thread and a writer thread per input, the sampler, and a spare.
    CHECK_MESSAGE(peak <= threads_before + 2 * live.files + 2, tests::hint("s4_too_many_threads"));
  }
}

TEST_CASE("each tail_file call has an event loop of its own: two calls on one thread both end") {
  tests::TempDir dir;
  std::string merged;
  const auto write = [&](const std::string& data) { merged += data; };
  tests::HangGuard guard(std::chrono::seconds(10), tests::text("s4_loop_kept"));
  for (const std::string name : {"first", "second"}) {
    tests::write_file(dir.path / name, name + " line\n");
    const auto handle = common::open_input(dir.path / name);
    handle->close();
    tail_merge::tail_file(handle, common::Seconds(0.01), write);
  }
  CHECK(merged == "first line\nsecond line\n");
}

TEST_CASE("the tails run at once, and no tail's loop is blocked: a line appended to one input is merged while the "
          "others stay open and idle") {
  tests::check_tails_run_at_once(
      tests::stage_merge, {tests::text("s4_blocked"), tests::text("s4_why_blocked"), tests::text("s4_start_all")});
}

TEST_CASE("each tail awaits its write before it reads on") {
  tests::check_tail_awaits_each_write(tail_merge::tail_async);
}

TEST_CASE("the first error of a tail reaches the caller, and the other inputs' lines are kept") {
  tests::check_first_error_reaches_caller(tests::stage_merge, "run_threads", tests::text("s4_error_path"), "");
}
