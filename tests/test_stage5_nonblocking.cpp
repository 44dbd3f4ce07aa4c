// stage5_nonblocking: no blocking system call left on the loop; the output
// belongs to a writer thread with its own loop.
#include "claims.hpp"
#include "hints.hpp"
#include "merge_harness.hpp"
#include "stage5_nonblocking/tail_merge.hpp"
#include "support/files.hpp"
#include "thread_record.hpp"

#include <atomic>
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
  // A hint (tests/practice/en/claim_hints) is what ./workshop check shows when the check fails.
  CHECK_MESSAGE(writers.count(std::this_thread::get_id()) == 0, tests::hint("s5_write_on_loop"));
  CHECK_MESSAGE(writers.size() == 1, tests::hint("s5_many_writers"));
  CHECK_MESSAGE(record.threads(common::probe::Event::readline).count(std::this_thread::get_id()) == 0,
                tests::hint("s5_readline_on_loop"));
  const auto openers = record.threads(common::probe::Event::open);
  const auto closers = record.threads(common::probe::Event::close);
  CHECK_MESSAGE(!closers.empty(), tests::hint("s5_never_closed"));
  CHECK_MESSAGE(openers.count(std::this_thread::get_id()) == 0, tests::hint("s5_opened_on_loop"));
  CHECK_MESSAGE(closers.count(std::this_thread::get_id()) == 0, tests::hint("s5_closed_on_loop"));
  CHECK_MESSAGE((writers.empty() || (openers == writers && tests::only(closers, *writers.begin()))),
                tests::hint("s5_not_one_owner"));
}

TEST_CASE("the tails run at once, and nothing blocks the loop: a line appended to one input is merged while the "
          "others stay open and idle") {
  tests::check_tails_run_at_once(
      tests::stage_merge, {tests::text("s5_blocked"), tests::text("s5_why_blocked"), tests::text("s5_start_all")});
}

namespace {

// Whether the thread that opened the output has ended: made on that thread,
// at the open, and destroyed as the thread ends, 100 ms later than it would,
// so that a stop() that does not wait for the thread's end returns first.
std::atomic<bool> writer_ended{false};
struct WriterEnd {
  WriterEnd() { writer_ended = false; }
  WriterEnd(const WriterEnd&) = delete;
  WriterEnd& operator=(const WriterEnd&) = delete;
  ~WriterEnd() {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    writer_ended = true;
  }
};

} // namespace

TEST_CASE("starting and stopping the writer thread never holds the tails' loop") {
  // A slow disk and a slow thread end: every blocking call of start() and
  // stop() takes 100 ms, so a loop that waits for one is held that long.
  common::debug::configure({true, common::debug::Milliseconds(60'000), common::debug::Milliseconds(100), "test",
                            common::debug::Milliseconds(100)});
  common::debug::Milliseconds starting{-1};
  common::debug::Milliseconds stopping{-1};
  bool ended_at_stop = false;
  bool resumed_here = false;
  common::probe::set_observer([](common::probe::Event event, bool begin) {
    if (event == common::probe::Event::open && begin) {
      thread_local WriterEnd end;
    }
  });
  tests::TempDir dir;
  tail_merge::WriteThread writer(dir.path / "merged");
  tests::HangGuard guard(std::chrono::seconds(20), tests::text("s5_writer_hung"));
  asyncio::run([](tail_merge::WriteThread& output, common::debug::Milliseconds& starting,
                  common::debug::Milliseconds& stopping, bool& ended_at_stop,
                  bool& resumed_here) -> asio::awaitable<void> {
    // Each phase's stall is recorded when its callback ends: one trip
    // through the loop's queue (sleep(0)) ends it before it is read.
    co_await output.start();
    co_await asyncio::sleep(common::Seconds(0));
    starting = common::debug::take_longest_stall().value_or(starting);
    const auto tails_thread = std::this_thread::get_id();
    co_await output.write("one line\n");
    resumed_here = std::this_thread::get_id() == tails_thread; // back on the tails' loop
    co_await asyncio::sleep(common::Seconds(0));
    common::debug::take_longest_stall();
    co_await output.stop();
    ended_at_stop = writer_ended;
    co_await asyncio::sleep(common::Seconds(0));
    stopping = common::debug::take_longest_stall().value_or(stopping);
  }(writer, starting, stopping, ended_at_stop, resumed_here));
  common::debug::configure({});
  common::probe::set_observer(nullptr);
  CHECK_MESSAGE(tests::read_file(dir.path / "merged") == "one line\n", tests::hint("s5_line_not_written"));
  CHECK_MESSAGE(starting.count() < 50, tests::hint("s5_start_held", starting.count()));
  CHECK_MESSAGE(stopping.count() < 50, tests::hint("s5_stop_held", stopping.count()));
  CHECK_MESSAGE(ended_at_stop, tests::hint("s5_writer_not_joined"));
  CHECK_MESSAGE(resumed_here, tests::hint("s5_resumed_on_writer"));
}

TEST_CASE("the first error of a tail reaches the caller, and the other inputs' lines are kept") {
  tests::ThreadRecord record;
  tests::check_first_error_reaches_caller(tests::stage_merge, "run_fully_async", tests::text("s5_error_path"),
                                          tests::text("and_stopped"));
  // Stopped also when a tail failed: the writer thread closes the output,
  // which is never left to destructors on the tails' loop.
  const auto closers = record.threads(common::probe::Event::close);
  CHECK_MESSAGE((!closers.empty() && closers.count(std::this_thread::get_id()) == 0), tests::hint("s5_never_stopped"));
}

TEST_CASE("each tail waits for its write to be done on the writer thread before it reads on") {
  tests::check_each_write_awaited(tests::stage_merge, tests::text("s5_await_write"));
}

TEST_CASE("the tails take turns: with every input's lines in memory, the output takes one line of each in turn") {
  const auto run = tests::longest_run(tests::stage_merge);
  CHECK_MESSAGE(run < 10, tests::hint("s5_in_a_row", run));
}

TEST_CASE("with 100 ms writes, the loop is never held: stage 3's was, for each write") {
  // Stage 3's loop is held 100 ms by every write. The margin is wide on
  // purpose: a busy machine under ThreadSanitizer is slow.
  CHECK_MESSAGE(tests::longest_stall_with_slow_writes(tests::stage_merge).count() < 50,
                tests::hint("s5_waited_for_write"));
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
                tests::hint("s5_write_error_lost"));
}

TEST_CASE("an error of the last flush reaches the caller of stop()") {
  asyncio::run([]() -> asio::awaitable<void> {
    tail_merge::WriteThread output("/dev/full");
    co_await output.start();
    co_await output.write("one line\n");
    CHECK_THROWS_WITH_MESSAGE(co_await output.stop(), "/dev/full: cannot write: No space left on device",
                              tests::hint("s5_flush_error_lost"));
  }());
}

TEST_CASE("an output that cannot be opened fails start()") {
  {
    tail_merge::WriteThread output("/nonexistent/dir/x");
    // A start() that does not wait for the open returns at once, and stop()
    // then waits for a loop that the failed open never started.
    tests::HangGuard guard(std::chrono::seconds(10), tests::text("s5_open_error_lost"));
    CHECK_THROWS_WITH_MESSAGE(asyncio::run(start_and_stop(output)),
                              "/nonexistent/dir/x: cannot open for writing: No such file or directory",
                              tests::hint("s5_open_error_lost"));
  }
  // And the whole merge fails with it, at once: no tail's write waits for a
  // writer that never ran, and no stop() is sent to it.
  tests::TempDir dir;
  tests::write_file(dir.path / "in", "a line\n");
  const common::Handles handles{common::open_input(dir.path / "in")};
  handles[0]->close();
  tests::HangGuard guard(std::chrono::seconds(10), tests::text("s5_merge_open_error"));
  CHECK_THROWS_WITH_MESSAGE(tests::stage_merge(handles, common::Seconds(0.01), "/nonexistent/dir/x"),
                            "/nonexistent/dir/x: cannot open for writing: No such file or directory",
                            tests::hint("s5_merge_open_error"));
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
  CHECK_MESSAGE(
      (code == 1 && err.str() == "stage5_nonblocking: error: /dev/full: cannot write: No space left on device\n"),
      tests::hint("s5_full_disk_not_reported"));
}
