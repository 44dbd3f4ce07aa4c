#include "probe.hpp"

#include "common/instrument/debug.hpp"
#include "common/instrument/latency.hpp"
#include "common/system/thread_name.hpp"

#include <atomic>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

namespace common::probe {

namespace {

Observer observer_;
std::map<std::string, LoopWatcher, std::less<>> loop_watchers_;
std::atomic<std::uint64_t> next_id_{0};

const char* name(Event event) {
  switch (event) {
  case Event::readline:
    return "readline";
  case Event::buffered_line:
    return "line from memory";
  case Event::wait:
    return "waiting for data";
  case Event::write:
    return "write";
  case Event::pool_task:
    return "run_in_executor";
  case Event::open:
    return "open output";
  case Event::close:
    return "close output";
  }
  return "?";
}

// A thread is named after the first role it shows (see thread_name.hpp).
void name_thread(Event event, std::string_view detail) {
  if (thread_has_name()) {
    return;
  }
  switch (event) {
  case Event::readline:
    set_thread_name("tail-" + std::filesystem::path(detail).filename().string());
    break;
  case Event::write:
    set_thread_name("writer");
    break;
  case Event::pool_task:
    name_pool_thread();
    break;
  default:
    break;
  }
}

// At its end, a thread that touched the output takes debug's slow_thread_end.
struct SlowThreadEnd {
  debug::Milliseconds slow;
  ~SlowThreadEnd() { std::this_thread::sleep_for(slow); }
};

// --slow-write: a slow disk, the output's open, write or close blocks its
// thread. And the tests' slow_thread_end: a join of this thread blocks too.
void slow_output_call() {
  const auto& settings = debug::settings();
  if (settings.slow_thread_end.count() > 0) {
    thread_local SlowThreadEnd slow_end{settings.slow_thread_end};
  }
  if (settings.slow_write.count() > 0) {
    std::this_thread::sleep_for(settings.slow_write);
  }
}

} // namespace

void set_observer(Observer observer) {
  observer_ = std::move(observer);
}

Span::Span(Event event, std::string_view detail) : event_(event) {
  name_thread(event, detail);
  if (event == Event::readline && latency::enabled()) {
    latency::looked(detail);
  }
  if (observer_) {
    observer_(event_, true);
  }
  if (trace::enabled()) {
    begin_ = trace::Clock::now();
  }
  if (event == Event::write || event == Event::open || event == Event::close) {
    slow_output_call();
  }
  if (const auto slow = debug::settings().slow_read; event == Event::readline && slow.count() > 0) {
    std::this_thread::sleep_for(slow); // the tests' slow read: a loop that waits for it is held
  }
  if (event == Event::write) {
    if (trace::enabled()) {
      trace::instant("line merged");
    }
    if (latency::enabled()) {
      latency::arrived(detail);
    }
  }
}

Span::Span(Event event, Mode mode) : Span(event) {
  mode_ = mode;
}

Span::~Span() {
  if (observer_) {
    observer_(event_, false);
  }
  if (trace::enabled() && begin_ != trace::Clock::time_point{}) {
    if (mode_ == Mode::suspends) {
      trace::async_span(name(event_), ++next_id_, begin_, trace::Clock::now());
    } else {
      trace::complete(name(event_), begin_, trace::Clock::now());
    }
  }
}

void set_loop_watcher(std::string_view name, LoopWatcher watcher) {
  if (watcher) {
    loop_watchers_.insert_or_assign(std::string(name), std::move(watcher));
  } else if (const auto found = loop_watchers_.find(name); found != loop_watchers_.end()) {
    loop_watchers_.erase(found);
  }
}

LoopWatches::LoopWatches(boost::asio::io_context& loop) : executor_(loop.get_executor()) {
  name_loop_thread();
  for (const auto& [name, watcher] : loop_watchers_) {
    if (auto watch = watcher(loop)) {
      if (auto executor = watch->executor()) {
        executor_ = std::move(executor);
      }
      watches_.push_back(std::move(watch));
    }
  }
}

LoopWatches::~LoopWatches() {
  for (const auto& watch : watches_) {
    watch->stop();
  }
}

} // namespace common::probe
