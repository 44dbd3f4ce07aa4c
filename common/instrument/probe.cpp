#include "probe.hpp"

#include <atomic>

namespace common::probe {

namespace {

Observer observer_;

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
  }
  return "?";
}

std::atomic<std::uint64_t> next_id_{0};

} // namespace

void set_observer(Observer observer) {
  observer_ = std::move(observer);
}

Span::Span(Event event, Mode mode) : event_(event), mode_(mode) {
  if (observer_) {
    observer_(event_, true);
  }
  if (trace::enabled()) {
    begin_ = trace::Clock::now();
  }
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

} // namespace common::probe
