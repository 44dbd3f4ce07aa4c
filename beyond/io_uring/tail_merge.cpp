#include "tail_merge.hpp"

#include "common/system/posix_io.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/random_access_file.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
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

// Why reads in the kernel's queue need a limit. The trap: Asio 1.81 takes at
// most 128 completions from the queue each time the loop is told there are
// some, and is told again only when another one arrives. With more in flight
// (1,000 tails that all read at once when a run stops), the rest wait for a
// completion that may never come.
awaitable<void> ReadSlots::take() {
  // `while`, not `if`: a tail woken by give_back() runs later, and by then
  // another tail may have taken the slot, as with a condition variable.
  while (free_ == 0) {
    asio::steady_timer turn(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    waiting_.push_back(&turn);
    co_await turn.async_wait(asio::as_tuple(asio::use_awaitable)); // cancelled by give_back()
  }
  --free_;
}

void ReadSlots::give_back() {
  ++free_;
  if (!waiting_.empty()) {
    waiting_.front()->cancel();
    waiting_.pop_front();
  }
}

namespace {

using namespace asio::experimental::awaitable_operators; // a || b: the first of two operations, the other cancelled

// readline() with its read() handed to the kernel's queue. The loop is free
// while the kernel reads, and no thread waits for it.
//
// The trap: the descriptor belongs to the handle, which closes it when the
// file is replaced. `file` only borrows it (assign), and gives it back
// (release) before the handle moves on, or before the file object goes:
// an asio file object closes what it holds.
awaitable<std::string> readline_uring(const common::Handle& handle, asio::random_access_file& file, ReadSlots& slots) {
  std::vector<char> chunk(8 * 1024);
  for (;;) {
    if (auto line = common::buffered_line(handle)) {
      co_return std::move(*line);
    }
    const common::ReadAt at = common::next_read(handle);
    if (at.fd < 0) {
      break; // not created yet: readline() says so
    }
    if (!file.is_open() || file.native_handle() != at.fd) {
      if (file.is_open()) {
        file.release();
      }
      file.assign(at.fd);
    }
    // Another trap: a read the kernel cannot do at once goes to a worker
    // thread of its own, and where it may not start one (ulimit -u) the read
    // may never complete. So it gets a second at most; then it is cancelled,
    // and readline() reads instead.
    asio::steady_timer patience(file.get_executor(), std::chrono::seconds(1));
    co_await slots.take();
    const auto done = co_await (file.async_read_some_at(static_cast<std::uint64_t>(at.offset), asio::buffer(chunk),
                                                        asio::as_tuple(asio::use_awaitable)) ||
                                patience.async_wait(asio::as_tuple(asio::use_awaitable)));
    slots.give_back();
    const std::size_t n = done.index() == 0 ? std::get<1>(std::get<0>(done)) : 0;
    if (n == 0) {
      break; // at the end of what is written (or a read error, which readline() meets again and names)
    }
    common::add_read(handle, {chunk.data(), n});
  }
  // What comes at the end of the data is readline()'s: a last read that finds
  // nothing, then fstat() and stat() to see whether the file was truncated,
  // replaced or closed. These come from the kernel's caches, and never wait
  // for a disk; readline() throws NoNewData if nothing came.
  file.release();
  co_return common::readline(handle);
}

// Whether this loop can read through io_uring: Asio sets up the ring when the
// first file object needs it, and throws if the kernel refuses (a container's
// seccomp profile, kernel.io_uring_disabled). A few system calls and a
// mapping, made before any tail starts, while the loop has nothing else to run.
bool io_uring_usable(const asio::any_io_executor& loop) {
  try {
    asio::random_access_file probe(loop);
    return true;
  } catch (const boost::system::system_error& e) {
    common::note("io_uring is refused (" + e.code().message() +
                 "): reading on the thread pool instead, as stage 5 does");
    return false;
  }
}

} // namespace

awaitable<void> tail_async(common::Handle handle, common::Seconds interval, ReadSlots* slots,
                           std::function<awaitable<void>(std::string)> write) {
  // Lends the handle's descriptor to io_uring, one read at a time.
  std::optional<asio::random_access_file> file;
  if (slots) {
    file.emplace(co_await asio::this_coro::executor);
  }
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
      } else if (slots) {
        line = co_await readline_uring(handle, *file, *slots);
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
  if (file && file->is_open()) {
    file->release(); // the handle's, not ours to close
  }
}

namespace {

// The body of the book's `async with`: every tail on this loop, every write
// awaited on the writer thread.
awaitable<void> merge_into(WriteThread& output, common::Handles handles, common::Seconds interval, ReadSlots* slots) {
  auto write = [&](std::string data) { return output.write(std::move(data)); };

  std::vector<awaitable<void>> tasks;
  for (const auto& handle : handles) {
    tasks.push_back(tail_async(handle, interval, slots, write));
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
  // Where the system refuses io_uring, no slots: the tails read on the pool.
  ReadSlots slots;
  ReadSlots* const uring = io_uring_usable(co_await asio::this_coro::executor) ? &slots : nullptr;
  co_await asyncio::async_with(writer,
                               [&](WriteThread& output) { return merge_into(output, handles, interval, uring); });
}

} // namespace tail_merge
