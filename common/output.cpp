#include "output.hpp"

#include "common/instrument/probe.hpp"
#include "common/program/posix_io.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace common {

namespace {

constexpr std::size_t buffer_size = 64 * 1024;
bool append_ = false;
bool line_buffered_ = false;

} // namespace

void set_output_append(bool append) {
  append_ = append;
}

void set_output_line_buffered(bool line_buffered) {
  line_buffered_ = line_buffered;
}

OutputFile::OutputFile(std::filesystem::path path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | (append_ ? O_APPEND : O_TRUNC) | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw io_error(path_, "cannot open for writing", errno);
  }
  buffer_.reserve(buffer_size);
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void OutputFile::write(std::string_view data) {
  probe::Span span(probe::Event::write, data); // --trace, --slow-write, latency and the tests see each write
  buffer_.append(data);
  if (buffer_.size() >= buffer_size || line_buffered_) {
    flush();
  }
}

void OutputFile::close() {
  if (fd_ < 0) {
    return;
  }
  flush();
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    throw io_error(path_, "cannot write", errno);
  }
}

void OutputFile::flush() {
  write_all(fd_, path_, buffer_);
  buffer_.clear();
}

} // namespace common
