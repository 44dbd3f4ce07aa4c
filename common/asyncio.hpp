// A small asyncio vocabulary on Boost.Asio, for the coroutine stages.
//
// Each function is the counterpart of one Python call the book uses, and a
// few lines over the raw Asio it wraps, so a stage reads like the Python and
// a reader can still see what Asio does underneath.
//
// The trap to know before reading any of it: a coroutine runs on the
// executor it was started on, and every co_await resumes it there.
// `co_await asio::post(pool, asio::use_awaitable)` does NOT move the coroutine
// onto the pool: the post completes, and the coroutine resumes on its own
// executor again. To run blocking code elsewhere, hand the code itself to the
// other executor, as run_in_executor() does.
#pragma once

#include "common/input.hpp"
#include "common/probe/probe.hpp"
#include "common/wait.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace asio = boost::asio;
// The return type of every coroutine, written as Asio's own examples write it.
using asio::awaitable;

namespace asyncio {

// The None of loop.run_in_executor(None, ...): a thread pool of Asio's
// default size (two threads per core), created before the first loop runs
// (see run_until_complete).
//
// Python gives every loop a default executor of its own. Here one pool
// serves every loop of the process, so that stage 4, with a loop per input,
// does not bring a pool of threads per input too.
asio::thread_pool& default_executor();

// loop.run_until_complete(main()): runs the loop on the calling thread until
// `main` has finished; returns its result or rethrows its exception. The
// loop is the caller's: a thread that drives a loop of its own (stage 4)
// creates an io_context, passes it here, and destroys it when done.
// Wraps co_spawn(loop, main, use_future) and io_context::run().
template <class T> T run_until_complete(asio::io_context& loop, asio::awaitable<T> main) {
  // The trap: starting threads is blocking work too. Made by the first
  // run_in_executor, the pool would start its threads on the loop and hold
  // it for as long (tens of milliseconds under ThreadSanitizer).
  default_executor();
  // watch_loop: what watches a loop (--debug, follow mode's signals) does so while `main` runs.
  std::future<T> result = asio::co_spawn(loop, common::probe::watch_loop(loop, std::move(main)), asio::use_future);
  loop.run();
  return result.get();
}

// asyncio.run(main()): runs `main` to completion on a fresh event loop on the
// calling thread; the loop is gone when it returns. The loop is created with
// concurrency hint 1 (only this thread runs it): Asio then queues what this
// thread posts to its own loop in a queue of the thread's own. The loop stays
// thread-safe: other threads may still post to it.
template <class T> T run(asio::awaitable<T> main) {
  asio::io_context loop(1);
  return run_until_complete(loop, std::move(main));
}

// Every stage runs a coroutine returning nothing: that version is compiled
// once, in asyncio.cpp, rather than in every file that calls it.
extern template void run_until_complete(asio::io_context& loop, asio::awaitable<void> main);
extern template void run(asio::awaitable<void> main);

namespace detail {
template <class Fn, class... Args>
auto call(Fn fn, Args... args) -> asio::awaitable<std::invoke_result_t<Fn&, Args&...>> {
  common::probe::Span span(common::probe::Event::pool_task); // --trace and the tests see the pool at work
  if constexpr (std::is_void_v<std::invoke_result_t<Fn&, Args&...>>) {
    std::invoke(fn, args...);
    co_return;
  } else {
    co_return std::invoke(fn, args...);
  }
}
} // namespace detail

// loop.run_in_executor(pool, fn, *args): runs the blocking call fn(args...)
// on a thread of `pool`, and resumes the awaiting coroutine on its own
// executor with the result, or with fn's exception. While fn runs, the loop
// is free to run other coroutines.
//
// Wraps co_spawn(pool, ..., use_awaitable): co_spawn starts the call on the
// pool, and hands its completion to the awaiting coroutine's executor.
// fn and args are copied into the coroutine frame, as Python keeps references
// to them: pass a shared_ptr, not a reference to something that may die.
//
// A trap of g++ 12 (a compiler bug; clang++ is right): a temporary with a
// destructor made inside a co_await expression is destroyed twice, so
// `co_await run_in_executor(pool, [handle] {...})` crashes when the lambda
// captures a shared_ptr. Name the lambda on a line of its own, then await:
// `auto read = [handle] {...}; co_await run_in_executor(pool, read);`
template <class Fn, class... Args>
auto run_in_executor(asio::thread_pool& pool, Fn fn, Args... args)
    -> asio::awaitable<std::invoke_result_t<Fn&, Args&...>> {
  co_return co_await asio::co_spawn(pool, detail::call(std::move(fn), std::move(args)...), asio::use_awaitable);
}

// asyncio.run_coroutine_threadsafe(coro, loop): from a thread that is not
// running the loop, schedules `coro` on it and returns a future for its
// result. Wraps co_spawn(loop, coro, use_future).
//
// Never call .get() on the loop's own thread: the loop would wait for
// itself. And never build `coro` from a lambda with captures, as in
// `[&]() -> asio::awaitable<void> {...}()`: the lambda object is a temporary
// that dies at the end of the statement, while the coroutine frame still
// refers to its captures. Pass arguments to a coroutine function instead;
// parameters are copied into the frame.
template <class T, class Executor> std::future<T> run_coroutine_threadsafe(asio::awaitable<T> coro, Executor loop) {
  return asio::co_spawn(loop, std::move(coro), asio::use_future);
}

// await asyncio.gather(*tasks): starts every task on the caller's executor,
// waits until all of them have finished, then rethrows the first failure
// (first in time), if any.
//
// Wraps Asio's ranged parallel group, which never completes on an empty
// range: gather() of nothing returns at once instead.
asio::awaitable<void> gather(std::vector<asio::awaitable<void>> tasks);

// async with asyncio.TaskGroup() as group: group.create_task(task) for each
// task. Starts every task on the caller's executor and waits until all of
// them have finished. The first task that fails cancels the others (Asio's
// cancellation, type terminal): each sees it at its next co_await of an
// operation and may still finish what it is doing. Then, if any task failed,
// throws an ExceptionGroup with every failure, not just the first. A
// cancellation of the caller (a cancellation slot bound to this call) reaches
// every task in the same way.
//
// Wraps Asio's ranged parallel group with wait_for_one_error.
asio::awaitable<void> task_group(std::vector<asio::awaitable<void>> tasks);

// What task_group throws: the C++ counterpart of Python's ExceptionGroup,
// one exception per failed task, in the order they failed. what() says each
// one on a line of its own.
class ExceptionGroup : public std::runtime_error {
public:
  explicit ExceptionGroup(std::vector<std::exception_ptr> exceptions);
  const std::vector<std::exception_ptr>& exceptions() const { return exceptions_; }

private:
  std::vector<std::exception_ptr> exceptions_;
};

// await asyncio.shield(task), as far as C++ can: awaits `task` with no
// cancellation slot, so a cancellation of the caller never reaches it, and
// the caller gets its result once it has finished. (Python's shield raises
// CancelledError in the caller at once and lets the task go on without it.)
// For a call already running on another thread, which cannot be stopped
// half-way anyway: a readline on the pool, a write on the writer thread.
template <class T> asio::awaitable<T> shield(asio::awaitable<T> task) {
  co_return co_await asio::co_spawn(co_await asio::this_coro::executor, std::move(task),
                                    asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable));
}

// async with resource: body(resource). Awaits resource.start(), then
// body(resource), then resource.stop(), also when the body throws; the
// body's exception wins over one from stop(). `body` is kept alive in this
// frame while its coroutine runs, so a lambda with captures is safe here.
template <class Resource, class Body> asio::awaitable<void> async_with(Resource& resource, Body body) {
  co_await resource.start(); // __aenter__
  std::exception_ptr error;
  try {
    co_await body(resource);
  } catch (...) {
    error = std::current_exception();
  }
  if (!error) {
    co_await resource.stop(); // __aexit__
    co_return;
  }
  try {
    co_await resource.stop();
  } catch (...) {
    // the body's error is the one to report
  }
  std::rethrow_exception(error);
}

// await asyncio.sleep(interval): lets the loop run other coroutines for
// `interval`. Wraps a steady_timer. As in Python, sleep(0) only gives the
// loop back: every coroutine that is ready runs once before the caller goes on.
asio::awaitable<void> sleep(common::Seconds interval);

// Where the book awaits asyncio.sleep(interval) after NoNewData: as sleep(),
// but over as soon as the input has changed since readline() last looked, or
// was closed (see common::wait_for_data). A steady_timer that wake() cancels:
// the cancel is posted to the timer's own executor, since a timer may only be
// touched from there.
asio::awaitable<void> wait_for_data(common::Handle handle, common::Seconds interval);

} // namespace asyncio
