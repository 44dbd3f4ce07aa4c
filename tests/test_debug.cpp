// common/instrument/debug.hpp: the slow-callback report watches the loops
// that asyncio::run drives, timing each callback as asyncio's debug mode does.
#include "common/asyncio.hpp"
#include "common/instrument/debug.hpp"
#include "common/output.hpp"
#include "common/system/thread_name.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

namespace {

// Captures what is written to std::cerr while it lives.
struct CaptureStderr {
  std::ostringstream captured;
  std::streambuf* old = std::cerr.rdbuf(captured.rdbuf());
  ~CaptureStderr() { std::cerr.rdbuf(old); }
};

asio::awaitable<void> hold_the_loop(std::chrono::milliseconds how_long) {
  co_await asyncio::sleep(std::chrono::milliseconds(20)); // one callback ends here,
  std::this_thread::sleep_for(how_long);                  // the next one blocks the loop
}

// Gives the loop back once, then blocks it for 80 ms.
asio::awaitable<void> give_back_then_block() {
  co_await asyncio::sleep(common::Seconds(0));
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
}

asio::awaitable<void> two_blocking_callbacks() {
  std::vector<asio::awaitable<void>> tasks;
  tasks.push_back(give_back_then_block());
  tasks.push_back(give_back_then_block());
  co_await asyncio::gather(std::move(tasks));
}

} // namespace

TEST_CASE("debug: callbacks that run back to back are each reported on their own, never summed") {
  common::debug::configure({true, common::debug::Milliseconds(70), {}, "stage_x"});
  CaptureStderr capture;
  asyncio::run(two_blocking_callbacks());
  const auto stall = common::debug::longest_stall();
  common::debug::configure({});
  REQUIRE(stall.has_value());
  CHECK(stall->count() >= 80);
  CHECK(stall->count() < 150); // the two 80 ms callbacks together would be 160 ms
  const std::string report = capture.captured.str();
  CAPTURE(report);
  CHECK(std::count(report.begin(), report.end(), '\n') >= 2);
}

TEST_CASE("debug: a loop held past the threshold is reported, with stage, thread and time") {
  common::debug::configure({true, common::debug::Milliseconds(50), {}, "stage_x"});
  CaptureStderr capture;
  std::thread([] {
    common::set_thread_name("main-test");
    asyncio::run(hold_the_loop(std::chrono::milliseconds(120)));
  }).join();
  const auto stall = common::debug::longest_stall();
  common::debug::configure({});
  REQUIRE(stall.has_value());
  CHECK(stall->count() >= 100);
  const std::string report = capture.captured.str();
  CAPTURE(report);
  CHECK(report.rfind("stage_x: debug: the event loop on thread main-test was held for ", 0) == 0);
  CHECK(report.find(" ms (threshold 50 ms)\n") != std::string::npos);
}

TEST_CASE("debug: a loop that is never held long reports nothing") {
  common::debug::configure({true, common::debug::Milliseconds(1000), {}, "stage_x"});
  CaptureStderr capture;
  asyncio::run(hold_the_loop(std::chrono::milliseconds(0)));
  const auto stall = common::debug::longest_stall();
  common::debug::configure({});
  CHECK(stall.has_value());
  CHECK(capture.captured.str().empty());
}

TEST_CASE("debug: off, no loop is watched") {
  common::debug::configure({});
  asyncio::run(hold_the_loop(std::chrono::milliseconds(0)));
  CHECK_FALSE(common::debug::longest_stall().has_value());
}

TEST_CASE("debug: --slow-write makes every output write take that long") {
  common::debug::configure({false, common::debug::Milliseconds(100), common::debug::Milliseconds(30), "stage_x"});
  common::OutputFile output("/dev/null");
  const auto start = std::chrono::steady_clock::now();
  output.write("a\n");
  output.write("b\n");
  const auto took = std::chrono::steady_clock::now() - start;
  common::debug::configure({});
  CHECK(took >= std::chrono::milliseconds(60));
}
