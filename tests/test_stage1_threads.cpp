// stage1_threads: one thread per input, a mutex around the output.
#include "common/probe.hpp"
#include "merge_harness.hpp"
#include "stage1_threads/tail_merge.hpp"

#include <doctest/doctest.h>
#include <mutex>
#include <set>
#include <thread>

namespace {

void merge(const common::Handles& handles, common::Seconds interval, const std::filesystem::path& output_path) {
  stage1_threads::run_threads(handles, interval, output_path);
}

} // namespace

TEST_CASE("confirm_merge: the book's default run") {
  tests::check_merge(tests::book_default, merge);
}
TEST_CASE("confirm_merge: prefilled inputs") {
  tests::check_merge(tests::prefilled, merge);
}
TEST_CASE("confirm_merge: many files") {
  tests::check_merge(tests::many_files, merge);
}
TEST_CASE("confirm_merge: empty inputs") {
  tests::check_merge(tests::empty_inputs, merge);
}
TEST_CASE("confirm_merge: 12 files, the prefix trap") {
  tests::check_merge(tests::prefix_trap, merge);
}

TEST_CASE("each input is tailed by a thread of its own, never the caller's") {
  std::mutex mutex;
  std::set<std::thread::id> writers;
  common::probe::set_observer([&](common::probe::Event event, bool begin) {
    if (event == common::probe::Event::write && begin) {
      std::lock_guard lock(mutex);
      writers.insert(std::this_thread::get_id());
    }
  });
  tests::check_merge(tests::prefilled, merge);
  common::probe::set_observer(nullptr);

  // Prefilled, every input has lines, and every line of an input is written
  // by the thread that tails it: one writing thread per input.
  CHECK(writers.size() == static_cast<std::size_t>(tests::prefilled.files));
  CHECK(writers.count(std::this_thread::get_id()) == 0);
}
