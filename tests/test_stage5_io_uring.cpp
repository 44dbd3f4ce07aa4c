// Beyond the book: stage 5 with every read made through io_uring, so that no
// readline runs on a pool thread (beyond/io_uring/).
#include "beyond/io_uring/tail_merge.hpp"
#include "claims.hpp"
#include "common/system/posix_io.hpp"
#include "hints.hpp"
#include "merge_harness.hpp"
#include "support/files.hpp"
#include "thread_record.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/random_access_file.hpp>
#include <chrono>
#include <doctest/doctest.h>
#include <future>
#include <memory>
#include <sys/resource.h>
#include <thread>

// The program's top-level call, which the shared confirm_merge scenarios
// (merge_scenarios.cpp) and the tests below run.
void tests::stage_merge(const common::Handles& handles, common::Seconds interval,
                        const std::filesystem::path& output_path) {
  asyncio::run(tail_merge::run_fully_async(handles, interval, output_path));
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

TEST_CASE("each tail waits for its write to be done on the writer thread before it reads on") {
  tests::check_each_write_awaited(tests::stage_merge, tests::text("uring_await_write"));
}

TEST_CASE("a read slot given back goes to one tail: a tail woken to find it taken again waits on") {
  // One slot. The first tail holds it while the second waits, then gives it
  // back and takes it again at once, as a tail reading its next chunk does.
  // The second, woken by the give-back, must find it taken and wait again.
  asio::io_context loop;
  tail_merge::ReadSlots slots(1);
  int holding = 0;
  int most = 0;
  auto hold = [&]() -> awaitable<void> {
    co_await slots.take();
    most = std::max(most, ++holding);
    co_await asyncio::sleep(common::Seconds(0)); // the other tail runs meanwhile
    --holding;
    slots.give_back();
  };
  auto first = [&]() -> awaitable<void> {
    co_await hold();
    co_await hold(); // taken again before the woken tail runs
  };
  asio::co_spawn(loop, first(), asio::use_future);
  auto second = asio::co_spawn(loop, hold(), asio::use_future);
  loop.run();
  second.get();
  CHECK(most == 1);
}

TEST_CASE("1,000 tails that all read at once when the run stops all end: none waits for a lost completion") {
  // Asio 1.81 takes at most 128 completions per wake-up of the loop: with
  // more reads in flight than that, the program would hang here.
  tests::TempDir dir;
  // As many as the descriptor limit allows, up to 1,000 (more than 128 is what matters).
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  const int inputs = static_cast<int>(std::min<rlim_t>(1000, limit.rlim_max - 100));
  common::reserve_descriptors(static_cast<std::size_t>(inputs), 1, "the inputs"); // raises the soft limit
  common::Handles handles;
  for (int i = 0; i < inputs; ++i) {
    tests::write_file(dir.path / std::to_string(i), "");
    handles.push_back(common::open_input(dir.path / std::to_string(i)));
  }
  std::atomic<int> waiting{0};
  common::probe::set_observer([&](common::probe::Event event, bool begin) {
    if (event == common::probe::Event::wait && begin) {
      ++waiting;
    }
  });
  // On a thread of its own, left behind if it hangs: the test then fails
  // instead of waiting for it.
  auto done = std::make_shared<std::promise<void>>();
  auto merged = done->get_future();
  std::thread merging([done, handles, output = dir.path / "m"] {
    try {
      tests::stage_merge(handles, common::Seconds(60), output);
      done->set_value();
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (waiting < inputs && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(waiting >= inputs); // every tail read once and waits
  for (const auto& handle : handles) {
    handle->close(); // each tail wakes, reads once more through io_uring, and ends
  }
  const bool ended = merged.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  if (ended) {
    merging.join(); // its copies of the handles are gone before the test ends
  } else {
    merging.detach();
  }
  common::probe::set_observer(nullptr);
  REQUIRE_MESSAGE(ended, "the merge did not end: a read's completion was never taken from the queue");
  merged.get();
  CHECK(std::filesystem::file_size(dir.path / "m") == 0);
}
