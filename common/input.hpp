// The input side of the job: a handle on a file that another thread keeps
// appending to, and readline(), which hands out its complete lines.
//
// This is the C++ counterpart of a Python file object opened with 'rb', with
// one deliberate difference. In Python, close() releases the descriptor at once,
// even while another thread is reading from it; in C++ that is undefined
// behaviour (the number may already belong to a different file). Here close()
// only says "no more data is coming": the reader finishes what is written,
// then the handle reports closed(). The descriptor itself is released by the
// destructor, when no reader can be left.
#pragma once

#include "common/system/inotify.hpp"
#include "common/wait.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace common {

// Thrown by readline() when no complete new line is there yet (the book's
// NoNewData). The tail loops catch it and wait a little.
class NoNewData : public std::exception {
public:
  const char* what() const noexcept override { return "no new data"; }
};

// The longest line readline() takes, its newline included: a longer one is
// an error naming the file and the line's offset (a file with no newlines is
// not a log, and would otherwise be held in memory whole).
constexpr std::size_t max_line_length = 64 * 1024 * 1024;

// The inotify watcher wakes it when its file changes (a Wakeable).
class InputHandle final : public inotify::Wakeable {
public:
  enum class Start { at_beginning, at_end };

  // Opens `path` for reading, to read from its beginning or (--from-end)
  // only what is appended later; throws std::runtime_error naming the path.
  // A file not there yet (in a directory that is) is waited for, as tail -F
  // does, and read from its start once it is created.
  explicit InputHandle(std::filesystem::path path, Start start = Start::at_beginning);
  ~InputHandle();
  InputHandle(const InputHandle&) = delete;
  InputHandle& operator=(const InputHandle&) = delete;

  // Any thread, at any time: no more data will be appended. Never touches
  // the descriptor, so it cannot race with a read in progress; wakes a tail
  // that waits for data, so that it drains and ends at once.
  void close() noexcept {
    close_requested_.store(true, std::memory_order_release);
    wake();
  }

  // True once close() was called and readline() has delivered every byte.
  bool closed() const noexcept { return drained_.load(std::memory_order_acquire); }

  // The path it follows, as given.
  const std::filesystem::path& path() const noexcept { return path_; }

  // Any thread: the file may have changed (new data, replaced, closed). Ends
  // the wait of wait_for_data() and asyncio::wait_for_data(); the inotify
  // watcher calls it for every change to the file (system/inotify.hpp).
  void wake() noexcept override;

  // How long a wait may last: `interval` when only polling can notice new
  // data; a minute while inotify watches the file, since every change wakes
  // the wait then, and the look once a minute only guards against a change
  // it cannot see (the input's directory itself renamed away).
  Seconds longest_wait(Seconds interval) const noexcept;

  // For the waits: blocks until wake() was called since the last readline(),
  // or `timeout` has passed.
  void wait_for_wake(Seconds timeout);
  // For the coroutine wait: `waker` is called by the next wake(), or never
  // (false) when one came since the last readline() already. Cleared with
  // nullptr.
  bool on_wake(std::function<void()> waker);

private:
  friend std::string readline(const std::shared_ptr<InputHandle>& handle);
  friend std::optional<std::string> buffered_line(const std::shared_ptr<InputHandle>& handle);
  friend struct ReadAt next_read(const std::shared_ptr<InputHandle>& handle);
  friend void add_read(const std::shared_ptr<InputHandle>& handle, std::string_view bytes);

  std::filesystem::path path_;
  int fd_ = -1;
  off_t file_offset_ = 0;      // how far into the file we have read
  std::string buffer_;         // bytes read but not yet handed out as a line
  std::size_t line_start_ = 0; // first byte of buffer_ not yet handed out
  std::size_t scanned_ = 0;    // buffer_[line_start_, scanned_) holds no '\n'
  std::atomic<bool> close_requested_{false};
  std::atomic<bool> drained_{false};
  std::mutex wake_mutex_;               // held to change wakes_ and waker_, and to wait
  std::condition_variable woken_;       // wait_for_wake() waits on it
  std::atomic<std::uint64_t> wakes_{0}; // how many times wake() was called
  std::uint64_t wakes_seen_ = 0;        // wakes_ when readline() last looked (the tail's own)
  std::function<void()> waker_;         // the coroutine wait's, if one waits
  bool watched_ = false;                // inotify wakes it on every change
  bool said_missing_ = false;           // the file was not there yet, and stderr was told
};

// Handles are shared, like Python's references to one file object: the set-up
// owns them, and a tail, a pool task or a coroutine frame can keep one alive.
using Handle = std::shared_ptr<InputHandle>;
using Handles = std::vector<Handle>;

Handle open_input(const std::filesystem::path& path, InputHandle::Start start = InputHandle::Start::at_beginning);

// The next complete line, with its '\n'. Throws NoNewData when no complete
// line is there yet: a partial line is kept until its newline arrives. Once
// the handle was closed and drained, a last line without newline is returned
// with a '\n' added, so nothing is lost. Lines of any bytes (NUL, CR) and
// up to max_line_length pass through unchanged. If the file shrank below what
// was read (truncated), reading restarts at its beginning; if the path now
// names a new file (renamed away and created again), the old one is read to
// its end and then the new one from its beginning; both with a note on stderr.
// (A file truncated and written past the read position between two looks
// cannot be told from one that grew: read on from that position, as tail -F.)
// An error (the path now names a directory, a failed read, a line too long)
// is said on stderr at once and thrown as std::runtime_error naming the path.
//
// Cost: one read() per 8 KiB of input, not one per line; a poll that finds
// nothing costs a read(), an fstat() and a stat().
//
// Only one thread may call readline() on a handle at a time (every stage
// reads a handle from one tail), but that thread may change between calls.
std::string readline(const Handle& handle);

// The next complete line if readline() has already read it into memory,
// and nothing otherwise. Never makes a system call and never blocks, so a
// coroutine may call it on its loop: only when it returns nothing is a trip
// to the thread pool for readline() worth its cost. One read() brings in
// 8 KiB, a few hundred lines of a typical log.
std::optional<std::string> buffered_line(const Handle& handle);

// For a reader that makes the read itself, as the io_uring program beyond
// stage 5 does (beyond/io_uring/): where the next bytes of the file
// are (fd -1: not created yet), and handing in what that read brought. When a
// read brings nothing, readline() does what comes next (a truncated or
// replaced file, a closed handle), as it does after its own read.
struct ReadAt {
  int fd;
  off_t offset;
};
ReadAt next_read(const Handle& handle);
void add_read(const Handle& handle, std::string_view bytes);

} // namespace common
