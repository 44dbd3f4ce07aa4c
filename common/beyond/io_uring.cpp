// Beyond the book: stage 5 with no read left on the thread pool.
//
// Stage 5 still sends every read() to the pool: epoll, which the loop waits
// on, says a regular file is always ready, so a read of one can only block
// the thread that makes it (Python's asyncio is in the same place, and runs
// file reads on threads). io_uring has no such gap: the loop hands the kernel
// the read, goes on with other work, and is called back with the bytes, as for
// a socket. Boost.Asio offers it as asio::random_access_file, when built with
// BOOST_ASIO_HAS_IO_URING and liburing (this project's CMakeLists.txt).
//
// Against stage 5, one line of tail_async changes: the pool's readline
// becomes readline_uring, below. Everything else is stage 5's own: its
// WriteThread, its wait (woken by inotify), the shared command line. Where
// the system refuses io_uring (a container's seccomp profile,
// kernel.io_uring_disabled) the program says so once and reads on the pool,
// exactly as stage 5 does.
#include "io_uring.hpp"

#include "common/program/posix_io.hpp"
#include "stage5_nonblocking/tail_merge.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/random_access_file.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <optional>
#include <vector>

namespace {

using namespace asio::experimental::awaitable_operators; // a || b: the first of two operations, the other cancelled

// How many reads may be in the kernel's queue at once. The trap: Asio 1.81
// takes at most 128 completions from the queue each time the loop is told
// there are some, and is told again only when another one arrives. With more
// in flight (1,000 tails that all read at once when a run stops), the rest
// wait for a completion that may never come. The tails run on one loop, so
// this needs no lock.
class ReadSlots {
public:
  awaitable<void> take() {
    while (free_ == 0) {
      asio::steady_timer turn(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
      waiting_.push_back(&turn);
      co_await turn.async_wait(asio::as_tuple(asio::use_awaitable)); // cancelled by give_back()
    }
    --free_;
  }
  void give_back() {
    ++free_;
    if (!waiting_.empty()) {
      waiting_.front()->cancel();
      waiting_.pop_front();
    }
  }

private:
  int free_ = 100;
  std::deque<asio::steady_timer*> waiting_;
};

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

// Stage 5's tail_async, reading through io_uring.
awaitable<void> tail_async(common::Handle handle, common::Seconds interval, ReadSlots& slots,
                           std::function<awaitable<void>(std::string)> write) {
  asio::random_access_file file(co_await asio::this_coro::executor);
  while (!handle->closed()) {
    std::optional<std::string> line;
    try {
      line = common::buffered_line(handle);
      if (line) {
        co_await asyncio::sleep(common::Seconds(0));
      } else {
        line = co_await readline_uring(handle, file, slots);
      }
    } catch (const common::NoNewData&) {
    }
    if (line) {
      co_await write(std::move(*line));
    } else {
      co_await asyncio::wait_for_data(handle, interval);
    }
  }
  if (file.is_open()) {
    file.release(); // the handle's, not ours to close
  }
}

// Whether this loop can read through io_uring: Asio sets up the ring when the
// first file object needs it, and throws if the kernel refuses. A blocking
// call (a few system calls and a mapping of the ring): made before the loop runs.
bool io_uring_usable(asio::io_context& loop) {
  try {
    asio::random_access_file probe(loop);
    return true;
  } catch (const boost::system::system_error& e) {
    common::note("io_uring is refused (" + e.code().message() +
                 "): reading on the thread pool instead, as stage 5 does");
    return false;
  }
}

// Stage 5's merge_into: every tail on this loop, every write awaited on the
// writer thread. Where io_uring is refused (no `slots`), the tails are stage 5's own.
awaitable<void> merge_into(tail_merge::WriteThread& output, common::Handles handles, common::Seconds interval,
                           ReadSlots* slots) {
  auto write = [&](std::string data) { return output.write(std::move(data)); };
  std::vector<awaitable<void>> tasks;
  for (const auto& handle : handles) {
    tasks.push_back(slots ? tail_async(handle, interval, *slots, write)
                          : tail_merge::tail_async(handle, interval, write));
  }
  co_await asyncio::gather(std::move(tasks));
}

awaitable<void> run_fully_async(common::Handles handles, common::Seconds interval, std::filesystem::path output_path,
                                bool uring) {
  ReadSlots slots;
  tail_merge::WriteThread writer(output_path);
  co_await asyncio::async_with(writer, [&](tail_merge::WriteThread& output) {
    return merge_into(output, handles, interval, uring ? &slots : nullptr);
  });
}

} // namespace

namespace io_uring_tail {

void run(const common::Handles& handles, common::Seconds interval, const std::filesystem::path& output_path) {
  asio::io_context loop(1); // as asyncio::run makes it
  const bool uring = io_uring_usable(loop);
  asyncio::run_until_complete(loop, run_fully_async(handles, interval, output_path, uring));
}

} // namespace io_uring_tail
