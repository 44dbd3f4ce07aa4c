#include "debug.hpp"

#include "common/probe/probe.hpp"
#include "common/system/thread_name.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/io_context.hpp>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

namespace common::debug {

namespace {
Settings settings_;
std::atomic<std::chrono::steady_clock::rep> longest_{-1}; // -1: no loop was watched
std::atomic<std::chrono::steady_clock::rep> held_{0};     // every callback's time, summed

// Runs every function it is given on the loop, and times each one: how long
// one callback held the loop, as asyncio's debug mode measures it. A loop's
// coroutine runs on this executor while --debug is on (probe::watch_loop),
// and so does every coroutine it starts and every completion it awaits.
// `Inner` is the loop's own executor, with or without work tracking.
template <class Inner> class TimedExecutor {
public:
  TimedExecutor(Inner inner, std::shared_ptr<const std::string> loop_name)
      : inner_(std::move(inner)), loop_name_(std::move(loop_name)) {}

  template <class Function> void execute(Function function) const {
    // Always queued, never run inline inside another callback: each is timed alone.
    boost::asio::require(inner_, boost::asio::execution::blocking.never)
        .execute([function = std::move(function), loop_name = loop_name_]() mutable {
          const auto start = std::chrono::steady_clock::now();
          function();
          record_stall(*loop_name, std::chrono::steady_clock::now() - start);
        });
  }

  boost::asio::execution_context& query(boost::asio::execution::context_t) const noexcept {
    return boost::asio::query(inner_, boost::asio::execution::context);
  }
  static constexpr boost::asio::execution::blocking_t query(boost::asio::execution::blocking_t) noexcept {
    return boost::asio::execution::blocking.never;
  }
  TimedExecutor require(boost::asio::execution::blocking_t::never_t) const { return *this; }
  // A coroutine waiting on other threads' work keeps the loop running.
  auto require(boost::asio::execution::outstanding_work_t::tracked_t tracked) const {
    return with(boost::asio::require(inner_, tracked));
  }
  auto require(boost::asio::execution::outstanding_work_t::untracked_t untracked) const {
    return with(boost::asio::require(inner_, untracked));
  }

  friend bool operator==(const TimedExecutor& a, const TimedExecutor& b) noexcept { return a.inner_ == b.inner_; }
  friend bool operator!=(const TimedExecutor& a, const TimedExecutor& b) noexcept { return !(a == b); }

private:
  template <class Other> TimedExecutor<Other> with(Other inner) const { return {std::move(inner), loop_name_}; }

  Inner inner_;
  std::shared_ptr<const std::string> loop_name_;
};

// At its end, a thread that touched the output takes slow_thread_end.
struct SlowThreadEnd {
  Milliseconds slow;
  ~SlowThreadEnd() { std::this_thread::sleep_for(slow); }
};

// --slow-write: a slow disk, the output's open, write or close blocks its
// thread. And the tests' slow_thread_end (a join of this thread blocks too)
// and slow_read (a loop that waits for a readline is held).
void slow_down(probe::Event event) {
  if (event == probe::Event::write || event == probe::Event::open || event == probe::Event::close) {
    if (settings_.slow_thread_end.count() > 0) {
      thread_local SlowThreadEnd slow_end{settings_.slow_thread_end};
    }
    if (settings_.slow_write.count() > 0) {
      std::this_thread::sleep_for(settings_.slow_write);
    }
  }
  if (event == probe::Event::readline && settings_.slow_read.count() > 0) {
    std::this_thread::sleep_for(settings_.slow_read);
  }
}

// --debug's watch of a loop: its coroutine runs on a TimedExecutor.
class StallWatch : public probe::LoopWatch {
public:
  explicit StallWatch(boost::asio::io_context& loop) : loop_(loop) {
    auto none = std::chrono::steady_clock::rep{-1};
    longest_.compare_exchange_strong(none, 0); // a loop is watched now
  }

  boost::asio::any_io_executor executor() override {
    return TimedExecutor(loop_.get_executor(), std::make_shared<const std::string>(thread_name()));
  }
  void stop() override {}

private:
  boost::asio::io_context& loop_;
};

} // namespace

void configure(Settings settings) {
  settings_ = std::move(settings);
  longest_ = -1;
  held_ = 0;
  probe::set_loop_watcher("debug",
                          settings_.report
                          ? [](boost::asio::io_context& loop)
                                -> std::unique_ptr<probe::LoopWatch> { return std::make_unique<StallWatch>(loop); }
                          : probe::LoopWatcher());
  const bool slow =
      settings_.slow_write.count() > 0 || settings_.slow_read.count() > 0 || settings_.slow_thread_end.count() > 0;
  probe::subscribe("debug", slow ? probe::Subscriber{[](probe::Event event, std::string_view) { slow_down(event); }, {}}
                                 : probe::Subscriber{});
}

const Settings& settings() {
  return settings_;
}

void record_stall(std::string_view loop, std::chrono::steady_clock::duration held) {
  held_ += held.count();
  auto longest = longest_.load();
  while (held.count() > longest && !longest_.compare_exchange_weak(longest, held.count())) {
  }
  const auto ms = std::chrono::duration_cast<Milliseconds>(held);
  if (ms >= settings_.threshold) {
    std::ostringstream line; // one write, so reports of several loops do not interleave
    line << settings_.stage << ": debug: the event loop on thread " << loop << " was held for " << ms.count()
         << " ms (threshold " << settings_.threshold.count() << " ms)\n";
    std::cerr << line.str() << std::flush;
  }
}

std::optional<Milliseconds> longest_stall() {
  const auto longest = longest_.load();
  if (longest < 0) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<Milliseconds>(std::chrono::steady_clock::duration(longest));
}

Milliseconds total_held() {
  return std::chrono::duration_cast<Milliseconds>(std::chrono::steady_clock::duration(held_.load()));
}

std::optional<Milliseconds> take_longest_stall() {
  auto longest = longest_.load();
  while (longest >= 0 && !longest_.compare_exchange_weak(longest, 0)) {
  }
  if (longest < 0) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<Milliseconds>(std::chrono::steady_clock::duration(longest));
}

} // namespace common::debug
