// The confirm_merge scenarios, written once and linked into every stage's
// test executable, where they run that stage's tests::stage_merge: every step
// of the migration is held to the same standard.
#include "claims.hpp"
#include "hints.hpp"
#include "merge_harness.hpp"

#include <doctest/doctest.h>

TEST_CASE("confirm_merge: the book's default run") {
  tests::check_merge(tests::book_default, tests::stage_merge);
}
TEST_CASE("confirm_merge: prefilled inputs") {
  tests::check_merge(tests::prefilled, tests::stage_merge);
}
TEST_CASE("confirm_merge: prefilled inputs and a 60 s poll interval: no tail waits for it") {
  tests::HangGuard guard(std::chrono::seconds(20), tests::text("waited_for_interval"));
  tests::check_merge(tests::prefilled_long_interval, tests::stage_merge);
}
TEST_CASE("idle inputs keep no core busy: a tail with nothing to read waits before it looks again") {
  tests::check_idle_inputs_keep_no_core_busy(tests::stage_merge);
}
TEST_CASE("confirm_merge: an input removed from its path before it was read: every line it held is merged") {
  tests::check_removed_input_is_drained(tests::stage_merge);
}
TEST_CASE("a tail reads what its input holds at once, and a waiting tail wakes when the input grows or is closed") {
  tests::check_tail_wakes(tests::stage_merge);
}
TEST_CASE("confirm_merge: many files") {
  tests::check_merge(tests::many_files, tests::stage_merge);
}
TEST_CASE("confirm_merge: empty inputs") {
  tests::check_merge(tests::empty_inputs, tests::stage_merge);
}
TEST_CASE("confirm_merge: 12 files, the prefix trap") {
  tests::check_merge(tests::prefix_trap, tests::stage_merge);
}
TEST_CASE("confirm_merge: a full disk at the output's last flush fails the merge") {
  tests::check_last_flush_error(tests::stage_merge);
}
