#include "asyncio.hpp"

#include "common/instrument/debug.hpp"
#include "common/instrument/probe.hpp"
#include "common/instrument/thread_name.hpp"
#include "common/program/shutdown.hpp"

#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <pthread.h>

namespace asyncio {

template void run_until_complete(asio::io_context& loop, asio::awaitable<void> main);
template void run(asio::awaitable<void> main);

asio::thread_pool& default_executor() {
  static asio::thread_pool pool;
  return pool;
}

namespace detail {

// A heartbeat on the loop: a timer due every `period`. When a callback holds
// the loop, the heartbeat runs late, and how late it runs is how long the
// loop was held (give or take one period).
struct StallWatch::State {
  static constexpr auto period = std::chrono::milliseconds(5);
  asio::steady_timer timer;
  std::string loop_name = common::thread_name();
  std::chrono::steady_clock::time_point due;
  bool stopped = false;

  explicit State(asio::io_context& loop) : timer(loop) {}

  void arm() {
    due = std::chrono::steady_clock::now() + period;
    timer.expires_at(due);
    timer.async_wait([this](boost::system::error_code error) {
      if (error || stopped) {
        return;
      }
      beat();
      arm();
    });
  }

  void beat() { common::debug::record_stall(loop_name, std::max(std::chrono::steady_clock::now() - due, {})); }
};

StallWatch::StallWatch(asio::io_context& loop) {
  if (common::debug::settings().report) {
    state_ = std::make_unique<State>(loop);
    state_->arm();
  }
}

void StallWatch::stop() {
  if (state_ && !state_->stopped) {
    state_->beat();         // the last callback may have held the loop too
    state_->stopped = true; // the heartbeat may be queued already: cancel() cannot stop that one
    state_->timer.cancel();
  }
}

StallWatch::~StallWatch() = default;

struct LoopSignals::State {
  asio::signal_set signals;

  explicit State(asio::io_context& loop) : signals(loop, SIGINT, SIGTERM) {}

  void wait() {
    signals.async_wait([this](boost::system::error_code error, int signal) {
      if (error) {
        return; // stopped
      }
      common::shutdown::request(signal); // closes the inputs: the tails drain and end
      wait();                            // a second signal changes nothing
    });
  }

  static void set_blocked(bool blocked) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    ::pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
  }
};

LoopSignals::LoopSignals(asio::io_context& loop) {
  if (common::shutdown::hand_over_to_loop()) {
    state_ = std::make_unique<State>(loop); // installs Asio's handler first,
    state_->wait();
    State::set_blocked(false); // then lets the signals reach this thread
  }
}

void LoopSignals::stop() {
  if (state_) {
    state_->signals.cancel();
  }
}

LoopSignals::~LoopSignals() {
  if (state_) {
    State::set_blocked(true);
  }
}

} // namespace detail

asio::awaitable<void> gather(std::vector<asio::awaitable<void>> tasks) {
  if (tasks.empty()) {
    co_return;
  }
  auto loop = co_await asio::this_coro::executor;
  using Task = decltype(asio::co_spawn(loop, std::move(tasks.front()), asio::deferred));
  std::vector<Task> started;
  for (auto& task : tasks) {
    started.push_back(asio::co_spawn(loop, std::move(task), asio::deferred));
  }
  auto [order, errors] = co_await asio::experimental::make_parallel_group(std::move(started))
                             .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  for (const auto index : order) {
    if (errors[index]) {
      std::rethrow_exception(errors[index]);
    }
  }
}

asio::awaitable<void> sleep(common::Seconds interval) {
  if (interval <= common::Seconds(0)) {
    // No timer: one trip through the loop's queue, behind every handler
    // that is already waiting there.
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    co_return;
  }
  common::probe::Span span(common::probe::Event::wait, common::probe::Span::Mode::suspends);
  asio::steady_timer timer(co_await asio::this_coro::executor,
                           std::chrono::duration_cast<asio::steady_timer::duration>(interval));
  co_await timer.async_wait(asio::use_awaitable);
}

} // namespace asyncio
