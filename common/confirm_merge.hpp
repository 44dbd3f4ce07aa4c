// The check every run ends with, after the book's confirm_merge: the output
// holds exactly the lines of the inputs, each input's lines in their order.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace common {

struct MergeCheck {
  bool ok = false;
  std::size_t lines = 0; // lines in the output
  std::string message;   // what is wrong, on one line; empty when ok
};

// An output line belongs to the input whose exact path, followed by '-',
// starts the line. (The book tests for the path alone, so with 11 or more
// inputs "dir/1" also claims the lines of "dir/10".) For every input, the
// output lines it owns must equal its own lines in the same order, and no
// output line may belong to no input. A last input line without newline is
// expected with one, as readline() delivers it. The files are streamed:
// memory grows with the number of inputs and the longest line, not with the
// number of lines.
MergeCheck confirm_merge(const std::vector<std::filesystem::path>& input_paths,
                         const std::filesystem::path& output_path);

} // namespace common
