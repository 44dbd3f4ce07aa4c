// The readline fuzzer: libFuzzer makes up scripts for readline_against_model
// (readline_model.hpp) and keeps those that reach new code, in
// tests/fuzz/corpus. A difference from the model stops it with the script
// saved; replayed by test_common, it becomes a failing test to fix.
// ./workshop fuzz [SECONDS] builds and runs it (preset fuzz, clang).
#include "readline_model.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {
int report = 2; // stderr, kept before -close_fd_mask=2 closes it for readline's notes
}

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  // Nothing waits here, so no tail needs waking: no inotify watch per play.
  ::setenv("TAIL_MERGE_NO_INOTIFY", "1", 1);
  report = ::dup(2);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const auto difference = tests::fuzz::readline_against_model(data, size); !difference.empty()) {
    const std::string line = "readline differs from its model: " + difference + "\n";
    if (::write(report, line.data(), line.size()) < 0) {
      std::perror("fuzz_readline");
    }
    std::abort();
  }
  return 0;
}
