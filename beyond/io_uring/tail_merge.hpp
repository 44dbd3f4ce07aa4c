#pragma once

#include "common/asyncio.hpp"
#include "common/input.hpp"
#include "common/output.hpp"
#include "common/wait.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/thread/thread.hpp>
#include <deque>
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

// The reads the tails of one loop may have in io_uring's queue at once
// (tail_merge.cpp says why there is a limit). A tail takes a slot for each
// read and gives it back when the read is done; the tails run on one loop,
// so this needs no lock.
class ReadSlots {
public:
  explicit ReadSlots(int slots = 100) : free_(slots) {}
  awaitable<void> take();
  void give_back();

private:
  int free_;
  std::deque<asio::steady_timer*> waiting_;
};

// Coroutine: reads lines from `handle` and awaits `write` for each, waiting
// `interval` whenever no new line is there, until the handle is closed and
// drained. Every read goes through io_uring, taking one of `slots`; with no
// slots (io_uring refused), readline runs on a pool thread as in stage 5.
awaitable<void> tail_async(common::Handle handle, common::Seconds interval, ReadSlots* slots,
                           std::function<awaitable<void>(std::string)> write);

// Coroutine, taking its arguments by value (a coroutine may outlive the
// caller's variables; a copy in its frame cannot dangle): merges every
// handle into `output_path`, one tail_async per handle on the caller's loop,
// every write on the WriteThread.
awaitable<void> run_fully_async(common::Handles handles, common::Seconds interval, std::filesystem::path output_path);

} // namespace tail_merge
