#include "tail_merge.hpp"

#include <vector>

namespace tail_merge {

WriteThread::WriteThread(std::filesystem::path output_path)
    : output_path_(std::move(output_path)), keep_running_(loop_.get_executor()) {}

WriteThread::~WriteThread() {
  // Normally stop() has already joined the thread. After a failed start or
  // stop, wait here for a thread that is ending anyway.
  keep_running_.reset();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void WriteThread::run() {
  try {
    output_.emplace(output_path_);
  } catch (...) {
    opened_.set_exception(std::current_exception());
    return;
  }
  opened_.set_value();
  loop_.run(); // until real_stop() lets it run out of work
}

awaitable<void> WriteThread::start() {
  // Starting a thread and waiting for it to open the file are blocking
  // calls, so they go to the pool, not on the caller's loop (as in the book).
  co_await asyncio::run_in_executor(asyncio::default_executor(), [this] {
    thread_ = boost::thread(&WriteThread::run, this);
    opened_.get_future().get(); // rethrows the error of opening the output
  });
}

awaitable<void> WriteThread::real_write(std::string data) {
  output_->write(data);
  co_return;
}

awaitable<void> WriteThread::write(std::string data) {
  // The book's run_coroutine_threadsafe + wrap_future in one call: co_spawn
  // starts real_write on the writer's loop, and use_awaitable resumes this
  // coroutine on its own executor when it is done, with its exception if any.
  co_await asio::co_spawn(loop_, real_write(std::move(data)), asio::use_awaitable);
}

awaitable<void> WriteThread::real_stop() {
  keep_running_.reset(); // the writer's loop ends after this coroutine
  output_->close();      // the last flush: a full disk shows up here at the latest
  co_return;
}

awaitable<void> WriteThread::stop() {
  co_await asio::co_spawn(loop_, real_stop(), asio::use_awaitable);
  co_await asyncio::run_in_executor(asyncio::default_executor(), [this] { thread_.join(); });
}

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

namespace {

// The body of the book's `async with`: every tail on this loop, every write
// awaited on the writer thread.
awaitable<void> merge_into(WriteThread& output, common::Handles handles, common::Seconds interval) {
  auto write = [&](std::string data) { return output.write(std::move(data)); };

  std::vector<awaitable<void>> tasks;
  for (const auto& handle : handles) {
    tasks.push_back(tail_async(handle, interval, write));
  }

  // Waits for every tail, then rethrows the first error: what stage 1's
  // threads had to keep by hand.
  co_await asyncio::gather(std::move(tasks));
}

} // namespace

awaitable<void> run_fully_async(common::Handles handles, common::Seconds interval, std::filesystem::path output_path) {
  // The book's `async with WriteThread(output_path) as output:` start()
  // before the tails, stop() after them, also when a tail throws.
  WriteThread writer(output_path);
  co_await asyncio::async_with(writer, [&](WriteThread& output) { return merge_into(output, handles, interval); });
}

} // namespace tail_merge
