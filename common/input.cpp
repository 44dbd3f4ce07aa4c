#include "input.hpp"

#include "common/probe/probe.hpp"
#include "common/system/inotify.hpp"
#include "common/system/posix_io.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace common {

namespace {

constexpr std::size_t read_chunk = 8 * 1024;

// Drops the lines already handed out: what stays is the partial line, to
// which the next read appends.
void keep_partial_line(std::string& buffer, std::size_t& scanned, std::size_t& line_start) {
  buffer.erase(0, line_start);
  scanned -= line_start;
  line_start = 0;
}

// The bytes after the last newline, which will get no newline of their own
// (the file was closed or replaced): handed out with one added.
std::string take_unfinished_line(std::string& buffer, std::size_t& scanned) {
  std::string line = std::move(buffer);
  line += '\n';
  buffer.clear();
  scanned = 0;
  return line;
}

// An input that cannot be followed any further. Said at once, while the other
// inputs go on being merged (as tail -F does); then thrown, which ends this
// input's tail, and the run's exit code says that something failed.
[[noreturn]] void give_up(const std::runtime_error& error) {
  note(std::string(error.what()) + "; no longer following it");
  throw error;
}

// Opens what is at `path` now, if it can be followed: a regular file. Never
// blocks (a FIFO would wait in open() for a writer, past any signal that
// should stop the run); throws std::runtime_error naming the path. With
// `missing_ok`, a path where nothing is returns -1 instead.
int open_followable(const std::filesystem::path& path, struct stat& st, bool missing_ok = false) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (missing_ok && errno == ENOENT) {
      return -1;
    }
    throw io_error(path, "cannot open for reading", errno);
  }
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const bool directory = S_ISDIR(st.st_mode);
    ::close(fd);
    if (directory) {
      throw io_error(path, "cannot read", EISDIR);
    }
    throw std::runtime_error(path.string() +
                             ": cannot follow: not a regular file (a FIFO or a device has no start to come back to)");
  }
  return fd;
}

std::runtime_error line_too_long(const std::filesystem::path& path, off_t offset) {
  return std::runtime_error(path.string() + ": the line at byte " + std::to_string(offset) +
                            " is longer than 64 MiB, the longest line this program takes");
}

// What is at `path` now, opened, or -1 if nothing is there yet; an input that
// cannot be followed gives up.
int open_if_there(const std::filesystem::path& path) {
  struct stat st {};
  try {
    return open_followable(path, st, true);
  } catch (const std::runtime_error& e) {
    give_up(e);
  }
}

} // namespace

InputHandle::InputHandle(std::filesystem::path path, Start start) : path_(std::move(path)) {
  struct stat st {};
  fd_ = open_followable(path_, st, true);
  // Not there yet, as tail -F does: waited for, and read from its start once
  // it is created. Not so in a directory that is not there either: more
  // likely a mistyped path than a log yet to come.
  if (fd_ < 0) {
    if (!std::filesystem::is_directory(std::filesystem::absolute(path_).parent_path())) {
      throw io_error(path_, "cannot open for reading", ENOENT);
    }
  } else if (start == Start::at_end) {
    file_offset_ = st.st_size;
  }
  watched_ = inotify::watch(this, path_); // every change to the file calls wake()
}

InputHandle::~InputHandle() {
  inotify::forget(this);
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void InputHandle::wake() noexcept {
  {
    // The waker runs under the lock: once on_wake(nullptr) has returned, no
    // waker is running, and the loop it posts to may end.
    std::lock_guard lock(wake_mutex_);
    ++wakes_;
    if (waker_) {
      waker_();
    }
  }
  woken_.notify_all();
}

Seconds InputHandle::longest_wait(Seconds interval) const noexcept {
  return watched_ ? std::max(interval, Seconds(60)) : interval;
}

void InputHandle::wait_for_wake(Seconds timeout) {
  std::unique_lock lock(wake_mutex_);
  // A drained handle has nothing more to wait for: its tail ends at its next look.
  woken_.wait_for(lock, timeout, [this] { return wakes_ != wakes_seen_ || closed(); });
}

bool InputHandle::on_wake(std::function<void()> waker) {
  std::lock_guard lock(wake_mutex_);
  if (waker && (wakes_ != wakes_seen_ || closed())) {
    return false;
  }
  waker_ = std::move(waker);
  return true;
}

Handle open_input(const std::filesystem::path& path, InputHandle::Start start) {
  return std::make_shared<InputHandle>(path, start);
}

std::string readline(const Handle& handle) {
  InputHandle& h = *handle;
  probe::Span span(probe::Event::readline, h.path_.native()); // --trace and the tests see who reads
  // Look at the close flag before looking for data. If close() came before
  // this point, every byte the writer wrote is already in the file, so
  // finding nothing below really means "drained".
  const bool closing = h.close_requested_.load(std::memory_order_acquire);
  // What this look sees covers every wake() so far: a wait after it waits
  // only for the ones to come. (A load, not a lock: this runs for every line.)
  h.wakes_seen_ = h.wakes_.load(std::memory_order_acquire);

  for (;;) {
    const auto newline = h.buffer_.find('\n', h.scanned_);
    // Without its newline yet, a line this long can only get longer.
    const bool found = newline != std::string::npos;
    if (const auto length = (found ? newline + 1 : h.buffer_.size()) - h.line_start_;
        found ? length > max_line_length : length >= max_line_length) {
      give_up(line_too_long(h.path_, h.file_offset_ - static_cast<off_t>(h.buffer_.size() - h.line_start_)));
    }
    if (found) {
      std::string line(h.buffer_, h.line_start_, newline + 1 - h.line_start_);
      h.line_start_ = h.scanned_ = newline + 1;
      return line;
    }
    h.scanned_ = h.buffer_.size();

    // Keep only the partial line, then append the next chunk of the file.
    keep_partial_line(h.buffer_, h.scanned_, h.line_start_);
    if (h.fd_ < 0) { // not created yet (see the constructor)
      h.fd_ = open_if_there(h.path_);
      if (h.fd_ < 0) {
        if (!std::exchange(h.said_missing_, true)) { // said at the first look, once the run has started
          note(h.path_.string() + ": does not exist yet; following it once it is created");
        }
        h.drained_.store(closing, std::memory_order_release);
        throw NoNewData();
      }
      note(h.path_.string() + ": created, following it from its start");
    }
    // Read into a scratch buffer of this thread and keep only what arrived:
    // ten thousand handles with a few lines each then hold a few lines each,
    // not 8 KiB each.
    thread_local std::array<char, read_chunk> scratch;
    const auto n = ::pread(h.fd_, scratch.data(), scratch.size(), h.file_offset_);
    const int error = errno;
    if (n > 0) {
      add_read(handle, {scratch.data(), static_cast<std::size_t>(n)});
      continue;
    }
    if (n < 0 && error == EINTR) {
      continue;
    }
    if (n < 0) {
      give_up(io_error(h.path_, "cannot read", error));
    }

    // At the end of what is written so far.
    probe::moment(probe::Event::end_of_file); // the tests pause a tail here to rotate or close its input
    struct stat st {};
    if (::fstat(h.fd_, &st) == 0 && st.st_size < h.file_offset_) {
      note(h.path_.string() + ": file truncated, reading it again from the start");
      h.file_offset_ = 0;
      h.buffer_.clear();
      h.scanned_ = 0;
      continue;
    }
    // Renamed away and a new file created at the same path (log rotation, the
    // way tail -F follows it): the old file is read to its end, its last
    // partial line included, then the new one from its start.
    struct stat at_path {};
    if (::stat(h.path_.c_str(), &at_path) == 0 && (at_path.st_ino != st.st_ino || at_path.st_dev != st.st_dev)) {
      // The old file may have grown since the read above, before the new one
      // was created: once more to its end first.
      if (::fstat(h.fd_, &st) == 0 && st.st_size > h.file_offset_) {
        continue;
      }
      if (!h.buffer_.empty()) {
        return take_unfinished_line(h.buffer_, h.scanned_);
      }
      // (Gone again before it could be opened: keep to the old file for now.)
      if (const int fd = open_if_there(h.path_); fd >= 0) {
        note(h.path_.string() + ": file replaced, following the new file from its start");
        ::close(h.fd_); // only the reading thread ever uses it, and that is this one
        h.fd_ = fd;
        h.file_offset_ = 0;
        continue;
      }
    }
    if (closing && !h.buffer_.empty()) {
      return take_unfinished_line(h.buffer_, h.scanned_);
    }
    if (h.buffer_.empty()) {
      std::string().swap(h.buffer_); // an idle handle holds no memory
    }
    if (closing) {
      h.drained_.store(true, std::memory_order_release);
    }
    throw NoNewData();
  }
}

ReadAt next_read(const Handle& handle) {
  return {handle->fd_, handle->file_offset_};
}

void add_read(const Handle& handle, std::string_view bytes) {
  InputHandle& h = *handle;
  keep_partial_line(h.buffer_, h.scanned_, h.line_start_);
  h.buffer_ += bytes;
  h.file_offset_ += static_cast<off_t>(bytes.size());
  // (readline() checks this for its own reads; another reader may only call
  // buffered_line(), which does not.)
  if (h.buffer_.size() > max_line_length && h.buffer_.find('\n') >= max_line_length) {
    give_up(line_too_long(h.path_, h.file_offset_ - static_cast<off_t>(h.buffer_.size())));
  }
}

std::optional<std::string> buffered_line(const Handle& handle) {
  InputHandle& h = *handle;
  const auto newline = h.buffer_.find('\n', h.scanned_);
  if (newline == std::string::npos) {
    h.scanned_ = h.buffer_.size();
    return std::nullopt;
  }
  probe::Span span(probe::Event::buffered_line);
  std::string line(h.buffer_, h.line_start_, newline + 1 - h.line_start_);
  h.line_start_ = h.scanned_ = newline + 1;
  return line;
}

} // namespace common
