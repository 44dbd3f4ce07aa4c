// The one hook between the lesson and whatever watches a run.
//
// The lesson's files announce what they do, one line each: a readline, a
// line taken from memory, a wait for new data, the output's open, each write
// and its close, a call run on a pool (probe::Span), and an event loop
// running its coroutine (probe::watch_loop). Everything that observes a run
// subscribes here, from above the lesson: --trace (instrument/trace.hpp),
// --debug's stall report and its --slow-write (instrument/debug.hpp), the
// benchmark's line latency (instrument/latency.hpp), follow mode's signals
// on the main loop (program/shutdown.hpp) and the tests' records of which
// thread did what. The probe itself knows none of them; it names the
// threads (system/thread_name.hpp).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace common::probe {

// append: a simulated writer appends one line to its input (the detail).
// end_of_file: a readline has read to the end of its file and is about to
// look whether it was rotated, truncated or closed; the tests pause a tail
// there to rotate or close at exactly that moment.
enum class Event { readline, buffered_line, wait, write, pool_task, open, close, append, end_of_file };

// The event's name, as a trace shows it ("readline", "write", ...).
const char* name(Event event);

using Clock = std::chrono::steady_clock;

// How a span's work goes: on_thread, it occupies its thread; suspends, a
// coroutine waits there while its loop runs others.
enum class Mode { on_thread, suspends };

// What subscribes, called on the thread doing the work: `begin` when it
// starts, with the span's detail (see Span), and `end` when it ends, also
// with an exception, with the time it began. Either may be empty; both must
// be thread-safe.
struct Subscriber {
  std::function<void(Event event, std::string_view detail)> begin;
  std::function<void(Event event, Mode mode, Clock::time_point began)> end;
};

// Sets, or with an empty subscriber removes, the subscriber called `name`.
// Only before or after a run, never during one. With nothing subscribed, a
// span costs a look at an empty map.
void subscribe(std::string_view name, Subscriber subscriber);

// The tests' subscriber: called once when the work starts (begin == true)
// and once when it ends. Install before a run, remove (nullptr) after it.
using Observer = std::function<void(Event event, bool begin)>;
void set_observer(Observer observer);

// Marks the work of one scope as `event`.
class Span {
public:
  using Mode = probe::Mode;

  // `detail`: for a readline the input's path (a tail thread is named after
  // it), for a write the data written (the latency measurement reads it).
  explicit Span(Event event, std::string_view detail = {});
  Span(Event event, Mode mode);
  ~Span();
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

private:
  Event event_;
  Mode mode_ = Mode::on_thread;
  Clock::time_point begin_{};
};

// Announces a moment of `event`, a span with no work in it.
void moment(Event event);

// Something that watches an event loop while it runs (--debug's stall watch,
// follow mode's signals). Its pending waits would keep the loop running, so
// it is stopped as soon as the loop's coroutine has ended.
class LoopWatch {
public:
  virtual ~LoopWatch() = default;
  virtual void stop() = 0;
  // The executor the loop's coroutine is to run on instead of the loop's
  // own, or nothing (an empty executor) to leave it.
  virtual boost::asio::any_io_executor executor() { return {}; }
};

// Makes the watch of a loop about to run, on the loop's thread; nullptr
// leaves that loop alone.
using LoopWatcher = std::function<std::unique_ptr<LoopWatch>(boost::asio::io_context& loop)>;

// Sets, or with nullptr removes, the watcher called `name`. Only before or
// after a run, never during one.
void set_loop_watcher(std::string_view name, LoopWatcher watcher);

// The watches of one loop, made by every watcher (and the loop's thread
// named) on construction, stopped on destruction.
class LoopWatches {
public:
  explicit LoopWatches(boost::asio::io_context& loop);
  ~LoopWatches();
  LoopWatches(const LoopWatches&) = delete;
  LoopWatches& operator=(const LoopWatches&) = delete;

  // What the loop's coroutine runs on: a watch's executor, or the loop's.
  boost::asio::any_io_executor executor() const { return executor_; }

private:
  std::vector<std::unique_ptr<LoopWatch>> watches_;
  boost::asio::any_io_executor executor_;
};

// Runs `main` on `loop`, watched by every loop watcher while it runs.
template <class T> boost::asio::awaitable<T> watch_loop(boost::asio::io_context& loop, boost::asio::awaitable<T> main) {
  LoopWatches watches(loop);
  co_return co_await boost::asio::co_spawn(watches.executor(), std::move(main), boost::asio::use_awaitable);
}

} // namespace common::probe
