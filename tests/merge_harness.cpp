#include "merge_harness.hpp"

#include "common/confirm_merge.hpp"
#include "common/simulation.hpp"
#include "hints.hpp"

#include <doctest/doctest.h>
#include <exception>
#include <string>

namespace tests {

void check_merge(const Scenario& scenario, const common::MergeFunction& merge) {
  common::Simulation options;
  options.files = scenario.files;
  options.lines = scenario.lines;
  options.write_interval = common::Seconds(scenario.write_interval);
  options.prefill = scenario.prefill;
  options.seed = 62; // fixed, so a failure can be repeated

  common::Setup setup(options);
  try {
    merge(setup.handles(), common::Seconds(scenario.interval), setup.output_path());
  } catch (const std::exception& error) {
    // write(2) refuses a pointer into memory that is gone: the output's
    // buffer moved under it, which two threads writing at once do.
    const std::string what = error.what();
    if (what.find("Bad address") == std::string::npos) {
      throw;
    }
    CHECK_MESSAGE(false, tests::hint("merge_failed", what + " " + tests::text("output_raced")));
    return;
  }
  setup.join_writers();

  const auto check = common::confirm_merge(setup.input_paths(), setup.output_path());
  // A hint (tests/practice/en/claim_hints) is what ./workshop check shows when the check fails.
  const bool mixed = check.message.find("came from no input") != std::string::npos;
  CHECK_MESSAGE(check.ok, tests::hint("merge_wrong", check.message + (mixed ? " " + tests::text("bytes_mixed") : "")));
  CHECK_MESSAGE(check.lines == static_cast<std::size_t>(scenario.files) * static_cast<std::size_t>(scenario.lines),
                tests::hint("lines_missing"));
  for (const auto& handle : setup.handles()) {
    CHECK_MESSAGE(handle->closed(), tests::hint("not_drained"));
  }
}

void check_last_flush_error(const common::MergeFunction& merge) {
  common::Simulation options;
  options.files = 2;
  options.lines = 3; // far less than the output's buffer: nothing is written before the close
  options.prefill = true;
  options.seed = 62;
  common::Setup setup(options);
  std::string error;
  try {
    merge(setup.handles(), common::Seconds(0.01), "/dev/full");
  } catch (const std::exception& e) {
    error = e.what();
  }
  setup.join_writers();
  CHECK_MESSAGE(error.find("/dev/full: cannot write") != std::string::npos,
                tests::hint("last_flush_lost", error.empty() ? tests::text("returned_as_if_merged")
                                                             : tests::text("failed_otherwise", error)));
}

common::debug::Milliseconds longest_stall_with_slow_writes(const common::MergeFunction& merge) {
  common::debug::configure({true, common::debug::Milliseconds(1000), common::debug::Milliseconds(100), "test"});
  check_merge({2, 3, 0, true, 0.01}, merge);
  const auto stall = common::debug::longest_stall();
  common::debug::configure({});
  REQUIRE(stall.has_value());
  return *stall;
}

} // namespace tests
