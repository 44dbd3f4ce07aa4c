// The C++ confirm_merge, run on files another program merged: the Python
// twins' tests (test_twins.py) check each twin's output with it, so that one
// language's harness verifies the other language's run.
//   confirm_merge_check OUTPUT INPUT...
// Prints "OK, N lines" and exits 0, or prints what is wrong and exits 1.
#include "common/confirm_merge.hpp"

#include <cstdio>
#include <filesystem>
#include <vector>

int main(int argc, char* argv[]) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: confirm_merge_check OUTPUT INPUT...\n");
    return 2;
  }
  const std::vector<std::filesystem::path> inputs(argv + 2, argv + argc);
  const auto check = common::confirm_merge(inputs, argv[1]);
  if (!check.ok) {
    std::printf("%s\n", check.message.c_str());
    return 1;
  }
  std::printf("OK, %zu lines\n", check.lines);
  return 0;
}
