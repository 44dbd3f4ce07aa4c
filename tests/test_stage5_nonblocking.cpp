// stage5_nonblocking: no blocking system call left on the loop; the output
// belongs to a writer thread with its own loop.
#include "merge_harness.hpp"
#include "stage5_nonblocking/tail_merge.hpp"
#include "support/files.hpp"
#include "thread_record.hpp"

#include <doctest/doctest.h>
#include <sstream>

// The stage's top-level call, which the shared confirm_merge scenarios
// (merge_scenarios.cpp) and the tests below run.
void tests::stage_merge(const common::Handles& handles, common::Seconds interval,
                        const std::filesystem::path& output_path) {
  asyncio::run(tail_merge::run_fully_async(handles, interval, output_path));
}

TEST_CASE("no output write runs on the loop's thread: all of them run on one writer thread") {
  tests::ThreadRecord record;
  tests::check_merge(tests::prefilled, tests::stage_merge);
  const auto writers = record.threads(common::probe::Event::write);
  // A "hint: " message is what ./workshop check shows when the check fails.
  CHECK_MESSAGE(writers.count(std::this_thread::get_id()) == 0,
                "hint: an output write ran on the tails' loop: hand real_write to the writer's loop with "
                "co_spawn(loop_, real_write(...), use_awaitable)");
  CHECK_MESSAGE(writers.size() == 1, "hint: the output was written from more than one thread: only the WriteThread "
                                     "writes");
  CHECK_MESSAGE(record.threads(common::probe::Event::readline).count(std::this_thread::get_id()) == 0,
                "hint: a readline ran on the loop's thread: it goes to the pool with run_in_executor");
}

TEST_CASE("with 100 ms writes, the loop is never held: stage 3's was, for each write") {
  // Stage 3's loop is held 100 ms by every write. The margin is wide on
  // purpose: a busy machine under ThreadSanitizer is slow.
  CHECK_MESSAGE(tests::longest_stall_with_slow_writes(tests::stage_merge).count() < 50,
                "hint: the tails' loop waited for a write: await it on the writer's loop (co_spawn(loop_, ..., "
                "use_awaitable)) instead of blocking on a future or writing on the loop");
}

namespace {

asio::awaitable<std::string> write_too_much(tail_merge::WriteThread& output) {
  co_await output.start();
  std::string error;
  try {
    // More than the output buffers (64 KiB): the write that fills the buffer
    // flushes it, on the writer thread, and fails there.
    for (int i = 0; i < 2000; ++i) {
      co_await output.write(std::string(99, 'x') + "\n");
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  co_return error;
}

asio::awaitable<void> start_and_stop(tail_merge::WriteThread& output) {
  co_await output.start();
  co_await output.stop();
}

} // namespace

TEST_CASE("a write error on the writer thread reaches the awaiting coroutine") {
  tail_merge::WriteThread output("/dev/full");
  CHECK_MESSAGE(asyncio::run(write_too_much(output)) == "/dev/full: cannot write: No space left on device",
                "hint: a write's error did not reach the coroutine that awaited it: co_spawn(..., use_awaitable) "
                "carries it back");
}

TEST_CASE("an error of the last flush reaches the caller of stop()") {
  asyncio::run([]() -> asio::awaitable<void> {
    tail_merge::WriteThread output("/dev/full");
    co_await output.start();
    co_await output.write("one line\n");
    CHECK_THROWS_WITH_MESSAGE(co_await output.stop(), "/dev/full: cannot write: No space left on device",
                              "hint: stop() did not report the last flush's error: real_stop closes the output on "
                              "the writer's loop, and co_spawn(..., use_awaitable) carries the error back");
  }());
}

TEST_CASE("an output that cannot be opened fails start()") {
  tail_merge::WriteThread output("/nonexistent/dir/x");
  CHECK_THROWS_WITH_MESSAGE(asyncio::run(start_and_stop(output)),
                            "/nonexistent/dir/x: cannot open for writing: No such file or directory",
                            "hint: start() did not fail when the output could not be opened: run() passes the error "
                            "to start() through the promise opened_");
}

TEST_CASE("the program exits non-zero with one message when the output is a full disk") {
  // Following a file into /dev/full: the writer thread's first write fails,
  // and the error ends the run on the main thread.
  tests::TempDir dir;
  tests::write_file(dir.path / "in", "a line\n");
  const std::string input = (dir.path / "in").string();
  std::ostringstream out;
  std::ostringstream err;
  const char* argv[] = {"stage5_nonblocking", "--follow", input.c_str(), "--output", "/dev/full"};
  const int code = common::stage_main(5, argv, tests::stage_merge, out, err);
  CHECK(code == 1);
  CHECK(err.str() == "stage5_nonblocking: error: /dev/full: cannot write: No space left on device\n");
}
