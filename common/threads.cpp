#include "threads.hpp"

#include <boost/system/system_error.hpp>
#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>

namespace common {

namespace {

// The error of a thread that could not start: "cannot start thread 241 of
// 300: Resource temporarily unavailable (see ulimit -u and ulimit -v)".
std::string cannot_start_thread(std::size_t number, std::size_t of, const std::exception& error) {
  return "cannot start thread " + std::to_string(number) + " of " + std::to_string(of) + ": " +
         refused_thread(error).value_or(error.what());
}

} // namespace

std::optional<std::string> refused_thread(const std::exception& error) {
  std::error_code code;
  if (const auto* boost_error = dynamic_cast<const boost::system::system_error*>(&error)) {
    code = std::error_code(boost_error->code().value(), std::generic_category()); // boost::thread's
  } else if (const auto* std_error = dynamic_cast<const std::system_error*>(&error)) {
    code = std_error->code(); // std::thread's
  }
  if (code != std::errc::resource_unavailable_try_again) {
    return std::nullopt;
  }
  return code.message() + " (see ulimit -u and ulimit -v)";
}

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
