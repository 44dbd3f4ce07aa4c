#pragma once

#include "common/asyncio.hpp"
#include "common/input.hpp"
#include "common/output.hpp"
#include "common/wait.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/thread/thread.hpp>
#include <filesystem>
#include <functional>
#include <future>
#include <optional>
#include <string>

namespace tail_merge {

// The output file on a thread of its own, with an event loop of its own.
// Opening, every write and the final close happen there, so a slow disk
// holds up the writer only, never the loop the tails run on. write() and
// stop() may be awaited from any other loop; the caller resumes on its own
// executor, with the writer's exception if the write failed.
class WriteThread {
public:
  explicit WriteThread(std::filesystem::path output_path);
  ~WriteThread();
  WriteThread(const WriteThread&) = delete;
  WriteThread& operator=(const WriteThread&) = delete;

  awaitable<void> start(); // __aenter__: returns when the output is open
  awaitable<void> write(std::string data);
  awaitable<void> stop(); // __aexit__: returns when the output is closed

private:
  void run();
  awaitable<void> real_write(std::string data);
  awaitable<void> real_stop();

  std::filesystem::path output_path_;
  asio::io_context loop_;
  asio::executor_work_guard<asio::io_context::executor_type> keep_running_; // run() waits for work
  std::optional<common::OutputFile> output_;                                // touched by the writer thread only
  std::promise<void> opened_;
  boost::thread thread_;
};

// Coroutine: reads lines from `handle` and awaits `write` for each, waiting
// `interval` whenever no new line is there, until the handle is closed and
// drained. Only readline itself runs on a pool thread. Cancelled, or with no
// new data for `idle_timeout`, it reads what the input holds, then ends.
awaitable<void> tail_async(common::Handle handle, common::Seconds interval,
                           std::function<awaitable<void>(std::string)> write,
                           std::optional<common::Seconds> idle_timeout);

// Coroutine, taking its arguments by value (a coroutine may outlive the
// caller's variables; a copy in its frame cannot dangle): merges every
// handle into `output_path`, one tail_async per handle on the caller's loop,
// every write on the WriteThread. The tails are a task group: the first that
// fails cancels the others, and so do SIGINT and SIGTERM.
awaitable<void> run_fully_async(common::Handles handles, common::Seconds interval, std::filesystem::path output_path,
                                std::optional<common::Seconds> idle_timeout);

} // namespace tail_merge
