// stage1_threads: one thread per input, a mutex around the output.
#include "merge_harness.hpp"
#include "stage1_threads/tail_merge.hpp"
#include "thread_record.hpp"

#include <doctest/doctest.h>

namespace {

void merge(const common::Handles& handles, common::Seconds interval, const std::filesystem::path& output_path) {
  tail_merge::run_threads(handles, interval, output_path);
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

TEST_CASE("each input is tailed and written by a thread of its own") {
  tests::ThreadRecord record;
  tests::check_merge(tests::prefilled, merge);
  // Prefilled, every input has lines, and each tail thread writes the lines
  // it read: as many writing threads as inputs, none of them the caller.
  const auto writers = record.threads(common::probe::Event::write);
  CHECK(writers.size() == static_cast<std::size_t>(tests::prefilled.files));
  CHECK(writers.count(std::this_thread::get_id()) == 0);
}
