#include "posix_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <sys/resource.h>
#include <unistd.h>

namespace common {

std::runtime_error io_error(const std::filesystem::path& path, const char* what, int error) {
  return std::runtime_error(path.string() + ": " + what + ": " + std::strerror(error));
}

namespace {
std::string program_name_ = "tail-merge";
} // namespace

void set_program_name(std::string name) {
  program_name_ = std::move(name);
}

void note(std::string_view message) {
  std::cerr << (program_name_ + ": " + std::string(message) + '\n') << std::flush;
}

void write_all(int fd, const std::filesystem::path& path, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw io_error(path, "cannot write", errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void reserve_descriptors(std::size_t inputs, std::size_t per_input, const std::string& what) {
  // A few descriptors more per input when the hard limit allows: an event
  // loop of its own per input (stage 4) needs some.
  const std::size_t room_per_input = 5;
  const rlim_t reserve = 64; // stdio, the output, the loops' own descriptors
  const rlim_t needed = static_cast<rlim_t>(inputs * per_input) + reserve;
  const rlim_t wanted = static_cast<rlim_t>(inputs * room_per_input) + reserve;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) {
    return;
  }
  const rlim_t raised = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  if (raised > limit.rlim_cur) {
    limit.rlim_cur = raised;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < needed) {
    throw std::runtime_error(what + ": needs about " + std::to_string(needed) +
                             " open files, but this process may open only " + std::to_string(limit.rlim_cur) +
                             " (see ulimit -n)");
  }
}

} // namespace common
