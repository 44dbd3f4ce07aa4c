#include "tail_merge.hpp"

#include "common/output.hpp"

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

awaitable<void> run_tasks(common::Handles handles, common::Seconds interval, std::filesystem::path output_path) {
  common::OutputFile output(output_path);
  // Every tail runs on this loop, so every write does too: no mutex needed.
  auto write = [&](std::string data) { return write_async(output, std::move(data)); };

  std::vector<awaitable<void>> tasks;
  for (const auto& handle : handles) {
    tasks.push_back(tail_async(handle, interval, write));
  }

  // Waits for every tail, then rethrows the first error: what stage 1's
  // threads had to keep by hand.
  co_await asyncio::gather(std::move(tasks));
  output.close();
}

} // namespace tail_merge
