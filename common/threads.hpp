// Starting threads without leaving any behind.
//
// A thread-based stage starts one thread per input, and the system may refuse
// one half-way (the limit on processes per user, `ulimit -u`, or on memory,
// `ulimit -v`). The threads already running then use the caller's variables
// (the output, the mutex), so they must not outlive the caller's frame: they
// have to be stopped and joined before the error leaves it. Forgetting this is
// undefined behaviour that shows up as a crash once in a while. And
// asio::thread_pool's own constructor, refused a thread, waits forever for the
// threads it did start. These two helpers do it right in one place each.
#pragma once

#include "common/input.hpp"

#include <boost/asio/thread_pool.hpp>
#include <boost/thread/thread.hpp>
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace common {

// Why the system refused a thread, for the error a thread's start threw
// (Boost's or the standard library's): "Resource temporarily unavailable (see
// ulimit -u and ulimit -v)"; nothing for any other error.
std::optional<std::string> refused_thread(const std::exception& error);

// threads.emplace_back(body), for one thread per handle. If the system
// refuses the thread, every handle is closed, so the threads already running
// drain their input and end; they are joined, and then the error names the
// thread that could not start.
void start_thread(std::vector<boost::thread>& threads, const Handles& handles, std::function<void()> body);

// An asio::thread_pool that ends cleanly when the system refuses one of its
// threads: it stops, joins the threads it started, and says which one could
// not start. Its threads are joined when it is destroyed.
class ThreadPool : public boost::asio::thread_pool {
public:
  explicit ThreadPool(std::size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

private:
  void stop_and_join();

  std::vector<boost::thread> threads_;
};

} // namespace common
