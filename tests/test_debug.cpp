// common/debug.hpp: the slow-callback report watches the loops that
// asyncio::run drives.
#include "common/asyncio.hpp"
#include "common/instrument/debug.hpp"
#include "common/instrument/thread_name.hpp"
#include "common/output.hpp"

#include <doctest/doctest.h>
#include <iostream>
#include <sstream>
#include <thread>

namespace {

// Captures what is written to std::cerr while it lives.
struct CaptureStderr {
  std::ostringstream captured;
  std::streambuf* old = std::cerr.rdbuf(captured.rdbuf());
  ~CaptureStderr() { std::cerr.rdbuf(old); }
};

asio::awaitable<void> hold_the_loop(std::chrono::milliseconds how_long) {
  co_await asyncio::sleep(std::chrono::milliseconds(20)); // let the watch start its heartbeat
  std::this_thread::sleep_for(how_long);                  // a blocking call on the loop
}

} // namespace

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
