// common/asyncio.hpp: each counterpart of a Python asyncio call does what
// the Python call does, measured on real threads.
#include "common/asyncio.hpp"

#include <atomic>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <doctest/doctest.h>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

using std::this_thread::get_id;

asio::awaitable<int> answer() {
  co_return 42;
}

asio::awaitable<void> fail() {
  throw std::runtime_error("failed on purpose");
  co_return;
}

asio::awaitable<std::thread::id> thread_of_loop() {
  co_return get_id();
}

} // namespace

TEST_CASE("asyncio::run returns the coroutine's result, or rethrows its exception") {
  CHECK(asyncio::run(answer()) == 42);
  CHECK_THROWS_WITH_AS(asyncio::run(fail()), "failed on purpose", std::runtime_error);
}

TEST_CASE("asyncio::run_in_executor runs the call on the pool and resumes on the loop") {
  struct Seen {
    std::thread::id loop, call, after;
  };
  auto seen = asyncio::run([]() -> asio::awaitable<Seen> {
    asio::thread_pool pool(1);
    Seen seen{get_id(), {}, {}};
    const int result = co_await asyncio::run_in_executor(
        pool,
        [](std::thread::id* call, int a, int b) {
          *call = get_id();
          return a + b;
        },
        &seen.call, 40, 2);
    seen.after = get_id();
    CHECK(result == 42);
    co_return seen;
  }());
  CHECK(seen.call != seen.loop);
  CHECK(seen.after == seen.loop);
}

TEST_CASE("asyncio::run_in_executor hands the call's exception to the awaiting coroutine") {
  auto thrown_on_loop = asyncio::run([]() -> asio::awaitable<bool> {
    asio::thread_pool pool(1);
    try {
      co_await asyncio::run_in_executor(pool, [] { throw std::out_of_range("from the pool"); });
    } catch (const std::out_of_range& e) {
      CHECK(std::string(e.what()) == "from the pool");
      co_return true;
    }
    co_return false;
  }());
  CHECK(thrown_on_loop);
}

TEST_CASE("the trap: co_await post(pool, use_awaitable) does not move the coroutine to the pool") {
  auto same_thread = asyncio::run([]() -> asio::awaitable<bool> {
    asio::thread_pool pool(1);
    const auto before = get_id();
    co_await asio::post(pool, asio::use_awaitable);
    co_return get_id() == before; // still the loop's thread
  }());
  CHECK(same_thread);
}

TEST_CASE("asyncio::default_executor is one pool, off the loop's thread") {
  asyncio::run([]() -> asio::awaitable<void> {
    CHECK(&asyncio::default_executor() == &asyncio::default_executor());
    const auto pool_thread = co_await asyncio::run_in_executor(asyncio::default_executor(), [] { return get_id(); });
    CHECK(pool_thread != get_id());
  }());
}

TEST_CASE("asyncio::run_coroutine_threadsafe runs the coroutine on the loop, for another thread") {
  asyncio::run([]() -> asio::awaitable<void> {
    auto loop = co_await asio::this_coro::executor;
    asio::thread_pool pool(1);
    // A pool thread (not the loop's) schedules a coroutine on the loop and
    // blocks on its future; meanwhile the loop is free to run it.
    const auto ran_on = co_await asyncio::run_in_executor(
        pool, [loop] { return asyncio::run_coroutine_threadsafe(thread_of_loop(), loop).get(); });
    CHECK(ran_on == get_id());
    const bool failed = co_await asyncio::run_in_executor(pool, [loop] {
      try {
        asyncio::run_coroutine_threadsafe(fail(), loop).get();
      } catch (const std::runtime_error&) {
        return true;
      }
      return false;
    });
    CHECK(failed);
  }());
}

namespace {

// Arrives, then waits (for at most ~5 s) until all `total` tasks have arrived.
// Only tasks that run concurrently can all get past this.
asio::awaitable<void> meet(std::atomic<int>& arrived, int total) {
  ++arrived;
  for (int i = 0; i < 5000 && arrived < total; ++i) {
    co_await asyncio::sleep(std::chrono::milliseconds(1));
  }
  CHECK(arrived == total);
}

asio::awaitable<void> finish_late(std::atomic<bool>& finished) {
  co_await asyncio::sleep(std::chrono::milliseconds(20));
  finished = true;
}

} // namespace

TEST_CASE("asyncio::gather runs all tasks at once and waits for all") {
  std::atomic<int> arrived{0};
  asyncio::run([](std::atomic<int>& arrived) -> asio::awaitable<void> {
    std::vector<asio::awaitable<void>> tasks;
    for (int i = 0; i < 3; ++i) {
      tasks.push_back(meet(arrived, 3));
    }
    co_await asyncio::gather(std::move(tasks));
  }(arrived));
  CHECK(arrived == 3);
}

TEST_CASE("asyncio::gather returns at once for no tasks") {
  asyncio::run(asyncio::gather({}));
}

TEST_CASE("asyncio::gather rethrows the first failure, after every task has finished") {
  std::atomic<bool> finished{false};
  auto run_both = [](std::atomic<bool>& finished) -> asio::awaitable<void> {
    std::vector<asio::awaitable<void>> tasks;
    tasks.push_back(finish_late(finished));
    tasks.push_back(fail());
    co_await asyncio::gather(std::move(tasks));
  };
  CHECK_THROWS_WITH(asyncio::run(run_both(finished)), "failed on purpose");
  CHECK(finished);
}

TEST_CASE("asyncio::gather rethrows the failure that came first in time, not the first task's or the last one's") {
  auto fail_after = [](std::chrono::milliseconds delay, std::string message) -> asio::awaitable<void> {
    co_await asyncio::sleep(delay);
    throw std::runtime_error(message);
  };
  auto run_all = [&]() -> asio::awaitable<void> {
    std::vector<asio::awaitable<void>> tasks;
    tasks.push_back(fail_after(std::chrono::milliseconds(40), "second"));
    tasks.push_back(fail_after(std::chrono::milliseconds(0), "first"));
    tasks.push_back(fail_after(std::chrono::milliseconds(20), "in between"));
    co_await asyncio::gather(std::move(tasks));
  };
  CHECK_THROWS_WITH(asyncio::run(run_all()), "first");
}

TEST_CASE("asyncio::sleep waits at least its interval, on the loop's thread") {
  asyncio::run([]() -> asio::awaitable<void> {
    const auto loop_thread = get_id();
    const auto start = std::chrono::steady_clock::now();
    co_await asyncio::sleep(std::chrono::milliseconds(10));
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(10));
    CHECK(get_id() == loop_thread);
  }());
}

namespace {

// Notes `name` three times, giving the loop back after each.
asio::awaitable<void> take_turns(std::string& order, char name) {
  for (int i = 0; i < 3; ++i) {
    order += name;
    co_await asyncio::sleep(common::Seconds(0));
  }
}

} // namespace

TEST_CASE("asyncio::sleep(0) gives the loop back: coroutines that use it take turns") {
  std::string order;
  asyncio::run([](std::string& order) -> asio::awaitable<void> {
    std::vector<asio::awaitable<void>> tasks;
    tasks.push_back(take_turns(order, 'a'));
    tasks.push_back(take_turns(order, 'b'));
    co_await asyncio::gather(std::move(tasks));
  }(order));
  CHECK(order == "ababab");
}

TEST_CASE("asyncio::run_until_complete runs a coroutine on the caller's own loop") {
  asio::io_context loop;
  CHECK(asyncio::run_until_complete(loop, answer()) == 42);
  CHECK(loop.stopped()); // it ran out of work: nothing was left running on it
  loop.restart();
  CHECK_THROWS_WITH(asyncio::run_until_complete(loop, fail()), "failed on purpose");
}

namespace {

struct Resource {
  std::vector<std::string> calls;
  bool fail_stop = false;
  asio::awaitable<void> start() {
    calls.push_back("start");
    co_return;
  }
  asio::awaitable<void> stop() {
    calls.push_back("stop");
    if (fail_stop) {
      throw std::runtime_error("stop failed");
    }
    co_return;
  }
};

} // namespace

TEST_CASE("asyncio::async_with starts, runs the body, and stops") {
  Resource resource;
  asyncio::run(asyncio::async_with(resource, [](Resource& r) -> asio::awaitable<void> {
    r.calls.push_back("body");
    co_return;
  }));
  CHECK(resource.calls == std::vector<std::string>{"start", "body", "stop"});
}

TEST_CASE("asyncio::async_with stops also when the body throws, and the body's error wins") {
  Resource resource;
  resource.fail_stop = true;
  auto body = [](Resource& r) -> asio::awaitable<void> {
    r.calls.push_back("body");
    throw std::runtime_error("body failed");
    co_return;
  };
  CHECK_THROWS_WITH(asyncio::run(asyncio::async_with(resource, body)), "body failed");
  CHECK(resource.calls == std::vector<std::string>{"start", "body", "stop"});
}

TEST_CASE("asyncio::async_with reports an error of stop() after a good body") {
  Resource resource;
  resource.fail_stop = true;
  auto body = [](Resource&) -> asio::awaitable<void> { co_return; };
  CHECK_THROWS_WITH(asyncio::run(asyncio::async_with(resource, body)), "stop failed");
}

namespace {

// Waits on a timer `delay` long, or until cancelled; says which in `how`.
asio::awaitable<void> wait_or_be_cancelled(std::chrono::milliseconds delay, std::string& how) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  boost::system::error_code error;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, error));
  how = error == asio::error::operation_aborted ? "cancelled" : "waited";
}

asio::awaitable<void> fail_with(std::string message) {
  co_await asyncio::sleep(common::Seconds(0));
  throw std::runtime_error(message);
}

} // namespace

TEST_CASE("asyncio::task_group: the first failure cancels the others at their await; every failure is thrown, in an "
          "ExceptionGroup") {
  std::string first, second;
  auto run_all = [&]() -> asio::awaitable<void> {
    std::vector<asio::awaitable<void>> tasks;
    tasks.push_back(wait_or_be_cancelled(std::chrono::minutes(1), first));
    tasks.push_back(fail_with("one"));
    tasks.push_back(fail_with("two"));
    tasks.push_back(wait_or_be_cancelled(std::chrono::minutes(1), second));
    co_await asyncio::task_group(std::move(tasks));
  };
  const auto started = std::chrono::steady_clock::now();
  try {
    asyncio::run(run_all());
    FAIL("no ExceptionGroup");
  } catch (const asyncio::ExceptionGroup& group) {
    CHECK(group.exceptions().size() == 2);
    CHECK(std::string(group.what()) == "one\ntwo");
  }
  CHECK(first == "cancelled"); // at once, not after a minute
  CHECK(second == "cancelled");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(30));
}

TEST_CASE("asyncio::task_group waits for every task, returns at once for none, and throws nothing when none fails") {
  std::string first, second;
  auto run_all = [&]() -> asio::awaitable<void> {
    std::vector<asio::awaitable<void>> tasks;
    tasks.push_back(wait_or_be_cancelled(std::chrono::milliseconds(1), first));
    tasks.push_back(wait_or_be_cancelled(std::chrono::milliseconds(20), second));
    co_await asyncio::task_group(std::move(tasks));
  };
  asyncio::run(run_all());
  CHECK(first == "waited");
  CHECK(second == "waited");
  asyncio::run(asyncio::task_group({}));
}

TEST_CASE("asyncio::shield: a cancellation of the caller does not reach the shielded task, and the caller gets its "
          "result") {
  asio::io_context loop(1);
  asio::cancellation_signal cancel;
  std::string how;
  auto shielded = [&]() -> asio::awaitable<void> {
    co_await asio::this_coro::throw_if_cancelled(false);
    co_await asyncio::shield(wait_or_be_cancelled(std::chrono::milliseconds(50), how));
  };
  auto done = asio::co_spawn(loop, shielded(), asio::bind_cancellation_slot(cancel.slot(), asio::use_future));
  asio::post(loop, [&] { cancel.emit(asio::cancellation_type::terminal); });
  loop.run();
  done.get();
  CHECK(how == "waited");
}

TEST_CASE("Boost 1.81's ranged parallel group, cancelling the other members on the loop's own thread: 1,000 groups, "
          "clean under AddressSanitizer (chriskohlhoff/asio#1332 needs the emit on another thread)") {
  // Each group: members waiting on timers and on shielded calls on the
  // pool, which a failing member cancels while some are about to end by
  // themselves. Run under the asan preset, a late emit on a freed signal
  // would be reported here.
  auto on_pool = []() -> asio::awaitable<void> {
    co_await asyncio::shield(asyncio::run_in_executor(asyncio::default_executor(), [] {}));
  };
  auto one_group = [&](int round) -> asio::awaitable<void> {
    std::vector<std::string> how(4);
    std::vector<asio::awaitable<void>> tasks;
    tasks.push_back(wait_or_be_cancelled(std::chrono::milliseconds(round % 2), how[0]));
    tasks.push_back(on_pool());
    tasks.push_back(fail_with("failed"));
    tasks.push_back(wait_or_be_cancelled(std::chrono::milliseconds(0), how[1]));
    tasks.push_back(on_pool());
    try {
      co_await asyncio::task_group(std::move(tasks));
    } catch (const asyncio::ExceptionGroup&) {
    }
  };
  asyncio::run([&]() -> asio::awaitable<void> {
    for (int round = 0; round < 1000; ++round) {
      co_await one_group(round);
    }
  }());
}
