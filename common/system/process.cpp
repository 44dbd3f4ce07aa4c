#include "process.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace common::process {

namespace {

#if TAIL_MERGE_HAVE_PROC
// /proc/PID/status as lines "Key:\tvalue"; the value of `key`, or nothing.
std::optional<std::string> field(std::istream& status, const std::string& key) {
  status.clear();
  status.seekg(0);
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(key + ":", 0) == 0) {
      return line.substr(key.size() + 1);
    }
  }
  return std::nullopt;
}
#endif

} // namespace

bool reads_proc() {
  return TAIL_MERGE_HAVE_PROC;
}

std::optional<int> threads(pid_t pid) {
#if TAIL_MERGE_HAVE_PROC
  // Opened afresh each time: a kernel need not regenerate a /proc file that
  // is read again through the same descriptor, and some do not.
  const int file = ::open(("/proc/" + std::to_string(pid) + "/status").c_str(), O_RDONLY | O_CLOEXEC);
  std::array<char, 8192> buffer{};
  const auto n = file < 0 ? -1 : ::read(file, buffer.data(), buffer.size() - 1);
  if (file >= 0) {
    ::close(file);
  }
  const char* line = n > 0 ? std::strstr(buffer.data(), "\nThreads:") : nullptr;
  if (line != nullptr) {
    return std::atoi(line + std::strlen("\nThreads:"));
  }
#else
  (void)pid;
#endif
  return std::nullopt;
}

std::optional<int> open_descriptors() {
#if TAIL_MERGE_HAVE_PROC
  int count = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
    ++count;
  }
  if (!ec) {
    return count - 1; // not the one the listing itself holds open
  }
#endif
  return std::nullopt;
}

std::optional<Status> status(pid_t pid) {
  Status result;
#if TAIL_MERGE_HAVE_PROC
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  const auto state = field(status, "State");
  const auto blocked = field(status, "SigBlk");
  const auto caught = field(status, "SigCgt");
  const auto name = field(status, "Name");
  if (!state || !blocked || !caught || !name) {
    return std::nullopt;
  }
  std::istringstream(*state) >> result.state;
  result.blocked = std::stoull(*blocked, nullptr, 16);
  result.caught = std::stoull(*caught, nullptr, 16);
  std::istringstream(*name) >> result.command;
#else
  // The keywords both procps (Linux) and the BSDs' ps (macOS) know.
  const std::string command = "ps -o state=,sigmask=,sigcatch=,comm= -p " + std::to_string(pid) + " 2>/dev/null";
  FILE* ps = ::popen(command.c_str(), "r");
  if (ps == nullptr) {
    return std::nullopt;
  }
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, ps) != nullptr) {
    output += buffer;
  }
  ::pclose(ps);
  std::istringstream line(output);
  std::string state, blocked, caught;
  if (!(line >> state >> blocked >> caught >> result.command)) {
    return std::nullopt;
  }
  result.state = state[0];
  result.blocked = std::stoull(blocked, nullptr, 16);
  result.caught = std::stoull(caught, nullptr, 16);
  if (const auto slash = result.command.rfind('/'); slash != std::string::npos) {
    result.command.erase(0, slash + 1); // macOS's ps names the whole path
  }
#endif
  return result;
}

} // namespace common::process
