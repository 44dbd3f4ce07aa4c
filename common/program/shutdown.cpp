#include "shutdown.hpp"

#include <atomic>
#include <csignal>
#include <pthread.h>
#include <thread>

namespace common::shutdown {

namespace {

std::function<void(std::string_view)> stop_;
std::atomic<bool> requested_{false};
std::atomic<bool> enabled_{false};
std::thread waiter_;
std::thread::id main_thread_;
sigset_t old_mask_;
struct sigaction old_int_ {};
struct sigaction old_term_ {};

// SIGUSR1 is how the waiting thread is told to end.
sigset_t waited_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  return set;
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

} // namespace

void enable(std::function<void(std::string_view)> stop) {
  stop_ = std::move(stop);
  requested_ = false;
  main_thread_ = std::this_thread::get_id();
  const sigset_t set = waited_signals();
  ::pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
  // A shell starts background jobs with SIGINT ignored, and an ignored
  // signal is dropped before sigwait() could see it. Here SIGINT means "stop
  // following", so take it back (blocked, it cannot end the process).
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  ::sigaction(SIGINT, &default_action, &old_int_);
  ::sigaction(SIGTERM, &default_action, &old_term_);
  enabled_ = true;
  waiter_ = std::thread(wait_for_signals);
}

void disable() {
  end_waiter();
  enabled_ = false;
  ::sigaction(SIGINT, &old_int_, nullptr);
  ::sigaction(SIGTERM, &old_term_, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

bool enabled() noexcept {
  return enabled_;
}

bool hand_over_to_loop() {
  if (!enabled_ || std::this_thread::get_id() != main_thread_) {
    return false;
  }
  end_waiter();
  return true;
}

void request(int signal) {
  if (!requested_.exchange(true)) {
    stop_(signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal");
  }
}

} // namespace common::shutdown
