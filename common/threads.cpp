#include "threads.hpp"

#include <boost/system/system_error.hpp>
#include <cerrno>
#include <exception>
#include <stdexcept>
#include <string>

namespace common {

namespace {

// The error of a thread that could not start: "cannot start thread 241 of
// 300: Resource temporarily unavailable (see ulimit -u and ulimit -v)".
std::string cannot_start_thread(std::size_t number, std::size_t of, const std::exception& error) {
  std::string reason = error.what();
  if (const auto* system = dynamic_cast<const boost::system::system_error*>(&error)) {
    reason = system->code().message();
    if (system->code().value() == EAGAIN) {
      reason += " (see ulimit -u and ulimit -v)";
    }
  }
  return "cannot start thread " + std::to_string(number) + " of " + std::to_string(of) + ": " + reason;
}

} // namespace

void start_thread(std::vector<boost::thread>& threads, const Handles& handles, std::function<void()> body) {
  try {
    threads.emplace_back(std::move(body));
  } catch (const std::exception& error) {
    const std::size_t number = threads.size() + 1;
    for (const auto& handle : handles) {
      handle->close();
    }
    for (auto& thread : threads) {
      thread.join();
    }
    threads.clear();
    throw std::runtime_error(cannot_start_thread(number, handles.size(), error));
  }
}

// The pool is made without threads, and each thread started here runs it
// (attach()), so a refused thread cannot leave the constructor waiting.
ThreadPool::ThreadPool(std::size_t threads) : boost::asio::thread_pool(0) {
  try {
    for (std::size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { attach(); });
    }
  } catch (const std::exception& error) {
    const std::size_t started = threads_.size();
    stop_and_join();
    throw std::runtime_error(cannot_start_thread(started + 1, threads, error));
  }
}

ThreadPool::~ThreadPool() {
  stop_and_join();
}

void ThreadPool::stop_and_join() {
  stop();
  for (auto& thread : threads_) {
    thread.join();
  }
  threads_.clear();
}

} // namespace common
