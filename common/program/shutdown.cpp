#include "shutdown.hpp"

#include "common/probe/probe.hpp"

#include <atomic>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <memory>
#include <pthread.h>
#include <thread>

namespace common::shutdown {

namespace {

std::function<void(int)> stop_;
std::atomic<bool> requested_{false};
std::thread waiter_;
std::thread::id main_thread_;
sigset_t old_mask_;
struct sigaction old_int_ {};
struct sigaction old_term_ {};
struct sigaction old_hup_ {};
bool hangup_ = false; // SIGHUP is taken over too, unless it was ignored (nohup)

// The signals that stop the run.
void add_stop_signals(sigset_t& set) {
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (hangup_) {
    sigaddset(&set, SIGHUP);
  }
}

// SIGUSR1 is how the waiting thread is told to end.
sigset_t waited_signals() {
  sigset_t set;
  sigemptyset(&set);
  add_stop_signals(set);
  sigaddset(&set, SIGUSR1);
  return set;
}

void request(int signal) {
  if (!requested_.exchange(true)) {
    stop_(signal);
  }
}

void wait_for_signals() {
  const sigset_t set = waited_signals();
  for (;;) {
    int signal = 0;
    if (::sigwait(&set, &signal) != 0 || signal == SIGUSR1) {
      return;
    }
    request(signal);
  }
}

void end_waiter() {
  if (waiter_.joinable()) {
    ::pthread_kill(waiter_.native_handle(), SIGUSR1);
    waiter_.join();
  }
}

void set_blocked(bool blocked) {
  sigset_t set;
  sigemptyset(&set);
  add_stop_signals(set);
  ::pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
}

// The main thread's event loop receives SIGINT and SIGTERM with
// asio::signal_set, in place of the signal-waiting thread.
class LoopSignals : public probe::LoopWatch {
public:
  explicit LoopSignals(boost::asio::io_context& loop)
      : signals_(std::make_shared<boost::asio::signal_set>(loop, SIGINT, SIGTERM)) {
    if (hangup_) {
      signals_->add(SIGHUP);
    }
    wait(signals_);     // installs Asio's handler first,
    set_blocked(false); // then lets the signals reach this thread
  }
  ~LoopSignals() override { set_blocked(true); }

  void stop() override { signals_->cancel(); }

private:
  // The set is shared with its pending wait, which may run after this is gone.
  static void wait(const std::shared_ptr<boost::asio::signal_set>& signals) {
    signals->async_wait([signals](boost::system::error_code error, int signal) {
      if (error) {
        return; // stopped
      }
      request(signal); // closes the inputs: the tails drain and end
      wait(signals);   // a second signal changes nothing
    });
  }

  std::shared_ptr<boost::asio::signal_set> signals_;
};

// Only the main thread's loop takes over, and only once the waiting thread
// has ended.
std::unique_ptr<probe::LoopWatch> watch_main_loop(boost::asio::io_context& loop) {
  if (std::this_thread::get_id() != main_thread_) {
    return nullptr;
  }
  end_waiter();
  return std::make_unique<LoopSignals>(loop);
}

} // namespace

std::string_view signal_name(int signal) {
  return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : signal == SIGHUP ? "SIGHUP" : "a signal";
}

void enable(std::function<void(int)> stop, bool until_loop) {
  stop_ = std::move(stop);
  requested_ = false;
  main_thread_ = std::this_thread::get_id();
  ::sigaction(SIGHUP, nullptr, &old_hup_);
  hangup_ = old_hup_.sa_handler != SIG_IGN;
  const sigset_t set = waited_signals();
  ::pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
  // A shell starts background jobs with SIGINT ignored, and an ignored
  // signal is dropped before sigwait() could see it. Here SIGINT means "stop
  // following", so take it back (blocked, it cannot end the process).
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  ::sigaction(SIGINT, &default_action, &old_int_);
  ::sigaction(SIGTERM, &default_action, &old_term_);
  if (until_loop) {
    waiter_ = std::thread(wait_for_signals);
  }
  probe::set_loop_watcher("signals", watch_main_loop);
}

void disable() {
  probe::set_loop_watcher("signals", nullptr);
  end_waiter();
  ::sigaction(SIGINT, &old_int_, nullptr);
  ::sigaction(SIGTERM, &old_term_, nullptr);
  ::sigaction(SIGHUP, &old_hup_, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

} // namespace common::shutdown
