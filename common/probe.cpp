#include "probe.hpp"

namespace common::probe {

namespace {
Observer observer_;
} // namespace

void set_observer(Observer observer) {
  observer_ = std::move(observer);
}

Span::Span(Event event) : event_(event) {
  if (observer_) {
    observer_(event_, true);
  }
}

Span::~Span() {
  if (observer_) {
    observer_(event_, false);
  }
}

} // namespace common::probe
