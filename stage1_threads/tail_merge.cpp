#include "tail_merge.hpp"

#include "common/output.hpp"
#include "common/threads.hpp"

#include <boost/thread/mutex.hpp>
#include <boost/thread/thread.hpp>
#include <exception>
#include <optional>
#include <vector>

namespace tail_merge {

void tail_file(const common::Handle& handle, common::Seconds interval,
               const std::function<void(const std::string&)>& write) {
  while (!handle->closed()) {
    // The book writes try/except/else. C++ has no else clause, and the
    // coroutine stages may not co_await inside a catch block, so every stage
    // catches NoNewData into an empty optional and acts after the try.
    std::optional<std::string> line;
    try {
      line = common::readline(handle);
    } catch (const common::NoNewData&) {
    }
    if (line) {
      write(*line);
    } else {
      common::wait_for_data(handle, interval);
    }
  }
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
