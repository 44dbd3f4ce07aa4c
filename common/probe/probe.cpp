#include "probe.hpp"

#include "common/system/thread_name.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace common::probe {

namespace {

std::map<std::string, Subscriber, std::less<>> subscribers_;
std::map<std::string, LoopWatcher, std::less<>> loop_watchers_;

// A thread is named after the first role it shows (see thread_name.hpp).
void name_thread(Event event, std::string_view detail) {
  if (thread_has_name()) {
    return;
  }
  switch (event) {
  case Event::readline:
    set_thread_name("tail-" + std::filesystem::path(detail).filename().string());
    break;
  case Event::open: // the output's calls
  case Event::write:
  case Event::close:
    set_thread_name("writer");
    break;
  case Event::pool_task:
    name_pool_thread();
    break;
  default:
    break;
  }
}

} // namespace

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
  case Event::append:
    return "append";
  case Event::end_of_file:
    return "end of file";
  }
  return "?";
}

void subscribe(std::string_view name, Subscriber subscriber) {
  if (subscriber.begin || subscriber.end) {
    subscribers_.insert_or_assign(std::string(name), std::move(subscriber));
  } else if (const auto found = subscribers_.find(name); found != subscribers_.end()) {
    subscribers_.erase(found);
  }
}

void set_observer(Observer observer) {
  if (!observer) {
    subscribe("observer", {});
    return;
  }
  subscribe("observer", {[observer](Event event, std::string_view) { observer(event, true); },
                         [observer](Event event, Mode, Clock::time_point) { observer(event, false); }});
}

Span::Span(Event event, std::string_view detail) : event_(event) {
  name_thread(event, detail);
  if (subscribers_.empty()) {
    return;
  }
  begin_ = Clock::now();
  for (const auto& [name, subscriber] : subscribers_) {
    if (subscriber.begin) {
      subscriber.begin(event, detail);
    }
  }
}

Span::Span(Event event, Mode mode) : Span(event) {
  mode_ = mode;
}

Span::~Span() {
  if (begin_ == Clock::time_point{}) {
    return; // nothing was subscribed when it began
  }
  for (const auto& [name, subscriber] : subscribers_) {
    if (subscriber.end) {
      subscriber.end(event_, mode_, begin_);
    }
  }
}

void moment(Event event) {
  const Span span(event);
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
