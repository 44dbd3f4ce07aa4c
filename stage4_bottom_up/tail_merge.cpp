#include "tail_merge.hpp"

#include "common/output.hpp"
#include "common/threads.hpp"

#include <boost/thread/mutex.hpp>
#include <boost/thread/thread.hpp>
#include <exception>
#include <optional>
#include <vector>

namespace tail_merge {

namespace {

// Adapts the old blocking write to the coroutine tail_async awaits. It runs
// on this tail's own loop, so blocking here stops only this one tail.
awaitable<void> write_async(const std::function<void(const std::string&)>& write, std::string data) {
  write(data);
  co_return;
}

} // namespace

awaitable<void> tail_async(common::Handle handle, common::Seconds interval,
                           std::function<awaitable<void>(std::string)> write) {
  while (!handle->closed()) {
    // The book writes try/except/else. C++ has no else clause, and the
    // coroutine stages may not co_await inside a catch block, so every stage
    // catches NoNewData into an empty optional and acts after the try.
    std::optional<std::string> line;
    try {
      // A line already read into memory costs no system call: take it here
      // rather than pay a round trip to the pool for it. But give the loop
      // back first, as asyncio.sleep(0) does: a tail with lines in memory
      // must not keep the other tails from the loop.
      line = common::buffered_line(handle);
      if (line) {
        co_await asyncio::sleep(common::Seconds(0));
      } else {
        line = co_await asyncio::run_in_executor(asyncio::default_executor(), common::readline, handle);
      }
    } catch (const common::NoNewData&) {
    }
    if (line) {
      co_await write(std::move(*line));
    } else {
      co_await asyncio::wait_for_data(handle, interval);
    }
  }
}

void tail_file(const common::Handle& handle, common::Seconds interval,
               const std::function<void(const std::string&)>& write) {
  // The old blocking function, now a wrapper: this thread drives an event
  // loop of its own until the coroutine is done. The loop is a local, so it is
  // destroyed, with its descriptors, when the thread's work ends.
  asio::io_context loop;
  auto write_adapter = [&](std::string data) { return write_async(write, std::move(data)); };
  asyncio::run_until_complete(loop, tail_async(handle, interval, write_adapter));
}

void run_threads(const common::Handles& handles, common::Seconds interval, const std::filesystem::path& output_path) {
  common::OutputFile output(output_path);
  // Every tail thread calls write(); the mutex makes them take turns.
  boost::mutex lock;
  auto write = [&](const std::string& data) {
    boost::lock_guard<boost::mutex> guard(lock);
    output.write(data);
  };

  // A thread cannot throw to the one that joins it: each keeps its error.
  // And a thread the system refuses must not leave the others running on
  // this frame's variables: start_thread stops and joins them first.
  std::vector<boost::thread> threads;
  std::vector<std::exception_ptr> errors(handles.size());
  for (std::size_t i = 0; i < handles.size(); ++i) {
    common::start_thread(threads, handles, [&, i] {
      try {
        tail_file(handles[i], interval, write);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }

  for (auto& thread : threads) {
    thread.join();
  }
  for (const auto& error : errors) {
    if (error) {
      std::rethrow_exception(error);
    }
  }
  output.close();
}

} // namespace tail_merge
