// Records which threads did what during a run, through common's probe, so a
// test can check a stage's claim about its threads instead of assuming it.
//
// While a record is kept, the output's open, writes and close also take turns
// (one mutex, taken at a call's start and given back at its end). A copy whose
// writes race is then reported by the threads it wrote from, every time,
// instead of by a crash or mixed bytes in some runs and nothing in others.
#pragma once

#include "common/probe/probe.hpp"

#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace tests {

class ThreadRecord {
public:
  ThreadRecord() {
    common::probe::set_observer([this](common::probe::Event event, bool begin) {
      const bool output_call = event == common::probe::Event::open || event == common::probe::Event::write ||
                               event == common::probe::Event::close;
      if (begin) {
        if (output_call) {
          output_turn_.lock(); // given back when the call ends, on the same thread
        }
        std::lock_guard lock(mutex_);
        threads_[event].insert(std::this_thread::get_id());
      } else if (output_call) {
        output_turn_.unlock();
      }
    });
  }
  ~ThreadRecord() { common::probe::set_observer(nullptr); }
  ThreadRecord(const ThreadRecord&) = delete;
  ThreadRecord& operator=(const ThreadRecord&) = delete;

  // The threads that did `event` at least once.
  std::set<std::thread::id> threads(common::probe::Event event) {
    std::lock_guard lock(mutex_);
    return threads_[event];
  }

private:
  std::mutex mutex_;
  std::mutex output_turn_;
  std::map<common::probe::Event, std::set<std::thread::id>> threads_;
};

// True when no thread but `thread` is in `threads` (also when none is).
inline bool only(const std::set<std::thread::id>& threads, std::thread::id thread) {
  return threads.empty() || threads == std::set{thread};
}

} // namespace tests
