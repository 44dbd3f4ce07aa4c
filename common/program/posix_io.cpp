#include "posix_io.hpp"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace common {

std::runtime_error io_error(const std::filesystem::path& path, const char* what, int error) {
  return std::runtime_error(path.string() + ": " + what + ": " + std::strerror(error));
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

} // namespace common
