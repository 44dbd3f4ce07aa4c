// Where common/ reports what the stages do: each readline, each wait for new
// data, each write of the output, each call handed to a pool. Stage files
// carry no instrumentation of their own: the tests hook in here to check
// which thread did what, and --trace records it (see trace.hpp).
#pragma once

#include "common/instrument/trace.hpp"

#include <cstdint>
#include <functional>

namespace common::probe {

enum class Event { readline, buffered_line, wait, write, pool_task };

// Called on the thread doing the work, once when it starts (begin == true)
// and once when it ends, including when it ends with an exception.
using Observer = std::function<void(Event event, bool begin)>;

// Install before a run starts and remove (pass nullptr) after it ended; the
// observer itself must be thread-safe. With no observer and no trace, a
// probe costs a test of an empty std::function and one relaxed atomic load.
void set_observer(Observer observer);

// Marks the work of one scope as `event`.
class Span {
public:
  // on_thread: the work occupies its thread. suspends: a coroutine waits
  // here while its loop runs others, so the thread is not busy with it.
  enum class Mode { on_thread, suspends };

  explicit Span(Event event, Mode mode = Mode::on_thread);
  ~Span();
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

private:
  Event event_;
  Mode mode_;
  trace::Clock::time_point begin_{};
};

} // namespace common::probe
