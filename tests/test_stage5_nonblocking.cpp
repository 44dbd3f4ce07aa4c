// stage5_nonblocking: no blocking system call left on the loop; the output
// belongs to a writer thread with its own loop.
#include "claims.hpp"
#include "merge_harness.hpp"
#include "stage5_nonblocking/tail_merge.hpp"
#include "support/files.hpp"
#include "thread_record.hpp"

#include <doctest/doctest.h>
#include <sstream>
#include <thread>

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
  const auto openers = record.threads(common::probe::Event::open);
  const auto closers = record.threads(common::probe::Event::close);
  CHECK_MESSAGE(!closers.empty(),
                "hint: the output was never closed: its last lines wait in its buffer, and a "
                "failed last write would go unseen. stop() has the writer thread close it (real_stop)");
  CHECK_MESSAGE(openers.count(std::this_thread::get_id()) == 0,
                "hint: the output was opened on the tails' loop: opening a file is a blocking call too, so the "
                "writer thread opens it (run), and start() waits for that off the loop");
  CHECK_MESSAGE(closers.count(std::this_thread::get_id()) == 0,
                "hint: the output was closed on the tails' loop: its last flush is a blocking write, so the "
                "writer thread closes it, in real_stop on the writer's loop");
  CHECK_MESSAGE((writers.empty() || (openers == writers && tests::only(closers, *writers.begin()))),
                "hint: the output was opened, written and closed on different threads: the WriteThread owns it, "
                "and does all three on its own thread");
}

TEST_CASE("the tails run at once, and nothing blocks the loop: a line appended to one input is merged while the "
          "others stay open and idle") {
  tests::check_tails_run_at_once(
      tests::stage_merge,
      {"something blocked the tails' loop",
       "a tail that blocks its thread (common::wait_for_data, a sleep, a future's .get()) stops every tail on the "
       "loop; a coroutine waits by suspending (stage3_coroutines/README.md)",
       "Start every tail before awaiting any of them, the book's asyncio.gather"});
}

TEST_CASE("starting and stopping the writer thread never holds the tails' loop") {
  // A slow disk and a slow thread end: every blocking call of start() and
  // stop() takes 100 ms, so a loop that waits for one is held that long.
  common::debug::configure({true, common::debug::Milliseconds(60'000), common::debug::Milliseconds(100), "test",
                            common::debug::Milliseconds(100)});
  common::debug::Milliseconds starting{-1};
  common::debug::Milliseconds stopping{-1};
  tests::TempDir dir;
  tail_merge::WriteThread writer(dir.path / "merged");
  tests::HangGuard guard(std::chrono::seconds(20), "start(), one write and stop() of a WriteThread did not end within "
                                                   "20 s: does the thread run its loop, and does real_stop let it end "
                                                   "(keep_running_.reset())?");
  asyncio::run([](tail_merge::WriteThread& output, common::debug::Milliseconds& starting,
                  common::debug::Milliseconds& stopping) -> asio::awaitable<void> {
    // Each phase's stall is recorded when its callback ends: one trip
    // through the loop's queue (sleep(0)) ends it before it is read.
    co_await output.start();
    co_await asyncio::sleep(common::Seconds(0));
    starting = common::debug::take_longest_stall().value_or(starting);
    co_await output.write("one line\n");
    co_await asyncio::sleep(common::Seconds(0));
    common::debug::take_longest_stall();
    co_await output.stop();
    co_await asyncio::sleep(common::Seconds(0));
    stopping = common::debug::take_longest_stall().value_or(stopping);
  }(writer, starting, stopping));
  common::debug::configure({});
  CHECK(tests::read_file(dir.path / "merged") == "one line\n");
  CHECK_MESSAGE(
      starting.count() < 50,
      "hint: start() held the tails' loop for "
          << starting.count()
          << " ms: creating the writer thread "
             "and waiting until it has opened the output are blocking calls. Hand them to the pool "
             "(run_in_executor), as the book's __aenter__ does (stage5_nonblocking/README.md, What changed from "
             "stage 3)");
  CHECK_MESSAGE(
      stopping.count() < 50,
      "hint: stop() held the tails' loop for "
          << stopping.count()
          << " ms: closing the output and joining "
             "the writer thread are blocking calls. Await the close on the writer's loop (real_stop), and join "
             "on the pool (run_in_executor), as the book's __aexit__ does (stage5_nonblocking/README.md)");
}

TEST_CASE("the first error of a tail reaches the caller, and the other inputs' lines are kept") {
  tests::ThreadRecord record;
  tests::check_first_error_reaches_caller(
      tests::stage_merge, "run_fully_async",
      "gather rethrows the first error once every tail has ended, and async_with stops the writer",
      ", and the writer be stopped");
  // Stopped also when a tail failed: the writer thread closes the output,
  // which is never left to destructors on the tails' loop.
  const auto closers = record.threads(common::probe::Event::close);
  CHECK_MESSAGE((!closers.empty() && closers.count(std::this_thread::get_id()) == 0),
                "hint: a tail failed, and the writer was never stopped: the output was not closed on the writer "
                "thread, only dropped by destructors on the tails' loop (where a failed last flush goes unseen). "
                "stop() must run also when a tail throws, as the book's async with does: asyncio::async_with");
}

TEST_CASE("each tail waits for its write to be done on the writer thread before it reads on") {
  tests::check_each_write_awaited(tests::stage_merge,
                                  "co_await the write, as the book's tail_async awaits output.write(line): a write "
                                  "spawned and not awaited loses its error, and lets a slow output queue every line in "
                                  "memory");
}

TEST_CASE("the tails take turns: with every input's lines in memory, the output takes one line of each in turn") {
  const auto run = tests::longest_run(tests::stage_merge);
  CHECK_MESSAGE(run < 10,
                "hint: " << run
                         << " lines of one input went out in a row while the other tails had lines ready too: a tail "
                            "sent what it had in memory in one go. tail_async is stage 3's: one line per turn, and "
                            "the loop given back before the next, as the book's asyncio.sleep(0) does "
                            "(stage3_coroutines/README.md, What changed from stage 2)");
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
