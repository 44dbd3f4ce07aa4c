#include "output.hpp"

#include "common/probe/probe.hpp"
#include "common/system/posix_io.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace common {

namespace {

constexpr std::size_t buffer_size = 64 * 1024;
bool append_ = false;
bool line_buffered_ = false;
std::function<void()> on_error_;

} // namespace

void set_output_append(bool append) {
  append_ = append;
}

void set_output_line_buffered(bool line_buffered) {
  line_buffered_ = line_buffered;
}

void set_output_error_handler(std::function<void()> handler) {
  on_error_ = std::move(handler);
}

OutputFile::OutputFile(std::filesystem::path path) : path_(std::move(path)) {
  probe::Span span(probe::Event::open); // the tests see who opens the output, --slow-write slows it
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | (append_ ? O_APPEND : O_TRUNC) | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw io_error(path_, "cannot open for writing", errno);
  }
  buffer_.reserve(buffer_size);
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) {
    whole_lines_ = st.st_size;
  }
}

OutputFile::~OutputFile() {
  if (fd_ < 0) {
    return;
  }
  // Left without close(): a tail's error ends the run. The lines merged
  // before it are still written; an error here has nobody to go to.
  try {
    if (error_.empty()) {
      flush();
    }
  } catch (const std::runtime_error&) {
  }
  ::close(fd_);
}

void OutputFile::write(std::string_view data) {
  probe::Span span(probe::Event::write, data); // --trace, --slow-write, latency and the tests see each write
  if (!error_.empty()) {
    throw std::runtime_error(error_);
  }
  buffer_.append(data);
  if (buffer_.size() >= buffer_size || line_buffered_) {
    flush();
  }
}

void OutputFile::close() {
  if (fd_ < 0) {
    return;
  }
  probe::Span span(probe::Event::close); // the tests see who closes the output, --slow-write slows it
  const int fd = fd_;
  if (error_.empty()) {
    flush();
  }
  fd_ = -1;
  if (::close(fd) != 0 && error_.empty()) {
    error_ = io_error(path_, "cannot write", errno).what();
  }
  if (!error_.empty()) {
    throw std::runtime_error(error_);
  }
}

void OutputFile::flush() {
  try {
    write_all(fd_, path_, buffer_);
  } catch (const std::runtime_error& e) {
    error_ = e.what();
    // A full disk may take part of a line: cut the file back to its whole
    // lines, so that it holds exactly the lines merged before the error.
    if (whole_lines_ >= 0) {
      [[maybe_unused]] const int ignored = ::ftruncate(fd_, whole_lines_);
    }
    buffer_.clear();
    if (on_error_) {
      on_error_();
    }
    throw;
  }
  if (whole_lines_ >= 0) {
    whole_lines_ += static_cast<off_t>(buffer_.size()); // the buffer holds whole lines only
  }
  buffer_.clear();
}

} // namespace common
