// Beyond the book: stage 5 with every read made through io_uring, so that no
// readline runs on a pool thread (common/beyond/io_uring.cpp).
#include "common/beyond/io_uring.hpp"
#include "merge_harness.hpp"
#include "thread_record.hpp"

#include <boost/asio/random_access_file.hpp>
#include <doctest/doctest.h>

// The program's top-level call, which the shared confirm_merge scenarios
// (merge_scenarios.cpp) and the tests below run.
void tests::stage_merge(const common::Handles& handles, common::Seconds interval,
                        const std::filesystem::path& output_path) {
  asyncio::run(io_uring_tail::run_fully_async(handles, interval, output_path));
}

namespace {

// Whether this machine lets a process set up an io_uring at all.
bool io_uring_allowed() {
  asio::io_context loop;
  try {
    asio::random_access_file probe(loop);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

} // namespace

TEST_CASE("every read is made on the loop's own thread, through io_uring: none on a pool thread") {
  tests::ThreadRecord record;
  tests::check_merge(tests::prefilled, tests::stage_merge);
  const auto readers = record.threads(common::probe::Event::readline);
  if (io_uring_allowed()) {
    // readline() itself still runs at the end of each input's data, on the loop.
    CHECK(readers == std::set<std::thread::id>{std::this_thread::get_id()});
  } else {
    // Refused here (a seccomp profile, kernel.io_uring_disabled): stage 5's pool
    // reads instead. test_follow checks the same through a seccomp filter.
    MESSAGE("io_uring is refused on this machine: the fallback to the pool is what was checked");
    CHECK(readers.count(std::this_thread::get_id()) == 0);
  }
}

TEST_CASE("with 100 ms writes, the loop is never held: the writes are stage 5's, on the writer thread") {
  CHECK(tests::longest_stall_with_slow_writes(tests::stage_merge).count() < 50);
}
