// What the kernel says about a running process: how many threads it has, and,
// for the tests that drive a stage from outside, its state and its signals.
// Read from /proc where the system has one (Linux). Where it has none (macOS,
// or a build configured with TAIL_MERGE_PROC=OFF or TAIL_MERGE_PORTABLE, as
// the preset `portable` is), threads() is not known, and status() asks ps(1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

namespace common::process {

// Whether this build reads /proc (TAIL_MERGE_PROC, CMakeLists.txt).
bool reads_proc();

// The process's thread count now; nothing where there is no /proc. Cheap
// enough to sample every few milliseconds (an open, a read and a close).
std::optional<int> threads(pid_t pid);

// How many descriptors this process has open; nothing where there is no /proc.
std::optional<int> open_descriptors();

struct Status {
  char state = '?';          // R running, S sleeping, T stopped, Z ended...
  std::uint64_t blocked = 0; // signals its main thread blocks, bit N-1 for signal N
  std::uint64_t caught = 0;  // signals it has a handler for
  std::string command;       // its executable's name (ps may cut it short)
};

// The process's status; nothing once it is gone (or never was).
std::optional<Status> status(pid_t pid);

} // namespace common::process
