#include "tail_merge.hpp"

#include "common/system/posix_io.hpp"

#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <memory>
#include <sstream>
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

namespace {

// Whether this coroutine was cancelled. Here a cancellation throws nothing:
// it is recorded, and reaches the operation being awaited, if any. One that
// came while a tail awaited a shielded call reaches nothing: look for it.
awaitable<bool> cancelled() {
  co_return (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
}

std::string seconds(common::Seconds interval) {
  std::ostringstream text;
  text << interval.count();
  return text.str();
}

} // namespace

awaitable<void> tail_async(common::Handle handle, common::Seconds interval,
                           std::function<awaitable<void>(std::string)> write,
                           std::optional<common::Seconds> idle_timeout) {
  // A cancellation throws at no co_await here: it ends the wait below, and is
  // looked for at the top of the loop and before each wait, so that a line
  // already read is always written.
  co_await asio::this_coro::throw_if_cancelled(false);
  auto loop = co_await asio::this_coro::executor;
  asio::steady_timer idle(loop, asio::steady_timer::time_point::max()); // never, without --idle-timeout
  if (idle_timeout) {
    idle.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(*idle_timeout));
  }
  bool idle_ended = false;
  while (!handle->closed()) {
    // Cancelled (another tail failed, or a signal): nothing new is waited
    // for, but what the input holds is read first, as when stage 5 closes a
    // handle. A tail that returned here at once would lose it.
    if (co_await cancelled()) {
      handle->close();
    }
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
        // Shielded: a readline already running on the pool finishes anyway,
        // and its line must reach the output.
        auto read = asyncio::run_in_executor(asyncio::default_executor(), common::readline, handle);
        line = co_await asyncio::shield(std::move(read));
      }
    } catch (const common::NoNewData&) {
    }
    if (line) {
      co_await asyncio::shield(write(std::move(*line)));
      if (idle_timeout) {
        idle.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(*idle_timeout));
      }
    } else if (co_await cancelled()) {
      handle->close(); // cancelled while the readline ran: no wait
    } else {
      // The wait raced against the idle timer, as `async with
      // asyncio.timeout(...)` bounds a wait: whichever ends first cancels the
      // other, and the group returns when both have ended.
      auto [order, wait_error, idle_error] =
          co_await asio::experimental::make_parallel_group(
              asio::co_spawn(loop, asyncio::wait_for_data(handle, interval), asio::deferred),
              idle.async_wait(asio::deferred))
              .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
      if (order[0] == 0 && wait_error) {
        std::rethrow_exception(wait_error);
      }
      if (order[0] == 1 && !idle_error) {
        idle_ended = true; // no new data for idle_timeout: read what is there, then end
        handle->close();
      }
    }
  }
  if (idle_ended) {
    common::note(handle->path().string() + ": no new data for " + seconds(*idle_timeout) +
                 " s; no longer following it");
  }
}

namespace {

// The body of the book's `async with`: every tail on this loop, every write
// awaited on the writer thread.
awaitable<void> merge_into(WriteThread& output, common::Handles handles, common::Seconds interval,
                           std::optional<common::Seconds> idle_timeout, asio::signal_set& signals) {
  auto write = [&](std::string data) { return output.write(std::move(data)); };

  std::vector<awaitable<void>> tasks;
  for (const auto& handle : handles) {
    tasks.push_back(tail_async(handle, interval, write, idle_timeout));
  }

  // SIGINT and SIGTERM cancel the group through the slot bound to it below.
  // The cancellation_signal must outlive the operation bound to its slot and
  // every handler that may emit on it: the signal handler may run after this
  // frame is gone (a signal that comes as the group ends), so it shares it.
  auto cancel = std::make_shared<asio::cancellation_signal>();
  signals.async_wait([cancel](boost::system::error_code error, int) {
    if (!error) {
      cancel->emit(asio::cancellation_type::terminal);
    }
  });

  // Waits for every tail; the first one that fails cancels the others. Then
  // throws every error together, an asyncio::ExceptionGroup.
  co_await asio::co_spawn(co_await asio::this_coro::executor, asyncio::task_group(std::move(tasks)),
                          asio::bind_cancellation_slot(cancel->slot(), asio::use_awaitable));
}

} // namespace

awaitable<void> run_fully_async(common::Handles handles, common::Seconds interval, std::filesystem::path output_path,
                                std::optional<common::Seconds> idle_timeout) {
  // Made before the first co_await: a signal that comes while the writer
  // starts is kept in the set until merge_into waits for it.
  asio::signal_set signals(co_await asio::this_coro::executor, SIGINT, SIGTERM);
  // The book's `async with WriteThread(output_path) as output:` start()
  // before the tails, stop() after them, also when a tail throws.
  WriteThread writer(output_path);
  co_await asyncio::async_with(
      writer, [&](WriteThread& output) { return merge_into(output, handles, interval, idle_timeout, signals); });
}

} // namespace tail_merge
