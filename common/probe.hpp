// Where common/ reports what the stages do: each readline, each wait for new
// data, each write of the output. Stage files carry no instrumentation of
// their own; the tests hook in here to check which thread did what.
#pragma once

#include <functional>

namespace common::probe {

enum class Event { readline, wait, write };

// Called on the thread doing the work, once when it starts (begin == true)
// and once when it ends, including when it ends with an exception.
using Observer = std::function<void(Event event, bool begin)>;

// Install before a run starts and remove (pass nullptr) after it ended; the
// observer itself must be thread-safe. With none installed a probe costs one
// test of an empty std::function.
void set_observer(Observer observer);

class Span {
public:
  explicit Span(Event event);
  ~Span();
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

private:
  Event event_;
};

} // namespace common::probe
