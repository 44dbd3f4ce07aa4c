#include "tail_merge.hpp"

#include "common/output.hpp"
#include "common/threads.hpp"

#include <optional>
#include <vector>

namespace tail_merge {

namespace {

// Runs on the loop's thread, the only thread that ever writes the output.
awaitable<void> write_async(common::OutputFile& output, std::string data) {
  output.write(data);
  co_return;
}

} // namespace

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

awaitable<void> run_tasks_mixed(common::Handles handles, common::Seconds interval, std::filesystem::path output_path) {
  auto loop = co_await asio::this_coro::executor;
  common::OutputFile output(output_path);
  // Called by the tails on their pool threads. Instead of a mutex, each write
  // is handed to the loop and the pool thread waits until the loop has done it.
  auto write = [&](const std::string& data) {
    asyncio::run_coroutine_threadsafe(write_async(output, data), loop).get();
  };

  // tail_file blocks its thread until its input is drained, so every tail
  // needs a thread of its own. Asio's default pool (2 per core) would leave
  // the other tails queued behind running ones, and their lines unmerged.
  // (common::ThreadPool is an asio::thread_pool that fails cleanly when the
  // system refuses a thread.)
  common::ThreadPool pool(handles.size());
  std::vector<awaitable<void>> tasks;
  for (const auto& handle : handles) {
    tasks.push_back(asyncio::run_in_executor(pool, tail_file, handle, interval, write));
  }

  // Waits for every tail, then rethrows the first error: what stage 1's
  // threads had to keep by hand.
  co_await asyncio::gather(std::move(tasks));
  output.close();
}

} // namespace tail_merge
