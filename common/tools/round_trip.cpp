// What the coroutine stages pay for every line they merge, on this machine
// (./workshop bench reports it where a stage falls short of its target):
//   stage 2: a round trip between two threads: a pool thread hands a
//            coroutine to the loop's thread and waits for it,
//            asyncio::run_coroutine_threadsafe(...).get();
//   stage 3: a turn through the loop, which a tail with a line in memory
//            takes before it goes on: co_await asyncio::sleep(0);
//   stage 5: a round trip between two loops' threads: a coroutine on the
//            tails' loop awaits one on the writer's, co_spawn(..., use_awaitable).
// Prints each in microseconds, as JSON: the fastest of five rounds of 20,000.
#include "common/asyncio.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>

namespace {

constexpr int round_trips = 20000;

awaitable<void> nothing() {
  co_return;
}

// A loop with a thread of its own, running until it goes out of scope.
struct LoopThread {
  asio::io_context loop;
  asio::executor_work_guard<asio::io_context::executor_type> keep_running{loop.get_executor()};
  std::thread thread{[this] { loop.run(); }};
  ~LoopThread() {
    keep_running.reset();
    thread.join();
  }
};

double microseconds_each(std::chrono::steady_clock::duration took) {
  return std::chrono::duration<double, std::micro>(took).count() / round_trips;
}

double stage2_round_trip() {
  LoopThread loop;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < round_trips; ++i) {
    asyncio::run_coroutine_threadsafe(nothing(), loop.loop.get_executor()).get();
  }
  return microseconds_each(std::chrono::steady_clock::now() - start);
}

// The time one `step` takes, awaited again and again by a coroutine on a
// loop of this thread.
double each_awaited(const std::function<awaitable<void>()>& step) {
  asio::io_context loop;
  return asyncio::run_until_complete(loop, [&]() -> awaitable<double> {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < round_trips; ++i) {
      co_await step();
    }
    co_return microseconds_each(std::chrono::steady_clock::now() - start);
  }());
}

double stage3_turn() {
  return each_awaited([] { return asyncio::sleep(common::Seconds(0)); });
}

double stage5_round_trip() {
  LoopThread writer;
  return each_awaited([&] { return asio::co_spawn(writer.loop, nothing(), asio::use_awaitable); });
}

} // namespace

int main() {
  double stage2 = 1e9;
  double stage3 = 1e9;
  double stage5 = 1e9;
  for (int round = 0; round < 5; ++round) {
    stage2 = std::min(stage2, stage2_round_trip());
    stage3 = std::min(stage3, stage3_turn());
    stage5 = std::min(stage5, stage5_round_trip());
  }
  std::printf("{\"stage2_round_trip_us\": %.3f, \"stage3_turn_us\": %.3f, \"stage5_round_trip_us\": %.3f}\n", stage2,
              stage3, stage5);
}
