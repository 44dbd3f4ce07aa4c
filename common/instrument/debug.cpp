#include "debug.hpp"

#include "common/instrument/probe.hpp"
#include "common/instrument/thread_name.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <iostream>
#include <memory>
#include <sstream>

namespace common::debug {

namespace {
Settings settings_;
std::atomic<std::chrono::steady_clock::rep> longest_{-1}; // -1: no loop was watched

// A heartbeat on the loop: a timer due every `period`. When a callback holds
// the loop, the heartbeat runs late, and how late it runs is how long the
// loop was held (give or take one period).
class StallWatch : public probe::LoopWatch {
public:
  explicit StallWatch(boost::asio::io_context& loop) : state_(std::make_shared<State>(loop)) { arm(state_); }

  void stop() override {
    if (!state_->stopped) {
      state_->beat();         // the last callback may have held the loop too
      state_->stopped = true; // the heartbeat may be queued already: cancel() cannot stop that one
      state_->timer.cancel();
    }
  }

private:
  // Shared with the pending wait, which may run after this watch is gone.
  struct State {
    static constexpr auto period = std::chrono::milliseconds(5);
    boost::asio::steady_timer timer;
    std::string loop_name = thread_name();
    std::chrono::steady_clock::time_point due;
    bool stopped = false;

    explicit State(boost::asio::io_context& loop) : timer(loop) {}
    void beat() const { record_stall(loop_name, std::max(std::chrono::steady_clock::now() - due, {})); }
  };

  static void arm(const std::shared_ptr<State>& state) {
    state->due = std::chrono::steady_clock::now() + State::period;
    state->timer.expires_at(state->due);
    state->timer.async_wait([state](boost::system::error_code error) {
      if (error || state->stopped) {
        return;
      }
      state->beat();
      arm(state);
    });
  }

  std::shared_ptr<State> state_;
};

} // namespace

void configure(Settings settings) {
  settings_ = std::move(settings);
  longest_ = -1;
  probe::set_loop_watcher("debug",
                          settings_.report
                          ? [](boost::asio::io_context& loop)
                                -> std::unique_ptr<probe::LoopWatch> { return std::make_unique<StallWatch>(loop); }
                          : probe::LoopWatcher());
}

const Settings& settings() {
  return settings_;
}

void record_stall(std::string_view loop, std::chrono::steady_clock::duration held) {
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

} // namespace common::debug
