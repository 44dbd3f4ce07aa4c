#include "confirm_merge.hpp"

#include "common/program/posix_io.hpp"

#include <fstream>
#include <sstream>
#include <string_view>
#include <unordered_map>

namespace common {

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(path.string() + ": cannot open for reading");
  }
  std::ostringstream content;
  content << in.rdbuf();
  return std::move(content).str();
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto length = end == std::string_view::npos ? text.size() : end + 1;
    lines.push_back(text.substr(0, length));
    text.remove_prefix(length);
  }
  return lines;
}

// A line for a message: quoted, control bytes escaped, at most 80 bytes.
std::string show(std::string_view line) {
  std::string shown = "'";
  for (char c : line.substr(0, 80)) {
    if (c == '\n') {
      shown += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      constexpr char hex[] = "0123456789abcdef";
      shown += "\\x";
      shown += hex[(c >> 4) & 0xf];
      shown += hex[c & 0xf];
    } else {
      shown += c;
    }
  }
  return shown + (line.size() > 80 ? "'..." : "'");
}

} // namespace

MergeCheck confirm_merge(const std::vector<std::filesystem::path>& input_paths,
                         const std::filesystem::path& output_path) {
  PathMap<std::size_t> owner; // path -> input index
  for (std::size_t i = 0; i < input_paths.size(); ++i) {
    owner.emplace(input_paths[i].string(), i);
  }

  const std::string output = read_file(output_path);
  const auto output_lines = split_lines(output);
  MergeCheck check;
  check.lines = output_lines.size();

  std::vector<std::vector<std::string_view>> found(input_paths.size());
  for (std::size_t n = 0; n < output_lines.size(); ++n) {
    const auto line = output_lines[n];
    // Try every '-' as the end of the path; the longest path that is an
    // input wins, so "dir/1" never claims "dir/10-...".
    std::size_t best = input_paths.size();
    for (auto dash = line.find('-'); dash != std::string_view::npos; dash = line.find('-', dash + 1)) {
      if (auto it = owner.find(line.substr(0, dash)); it != owner.end()) {
        best = it->second;
      }
    }
    if (best == input_paths.size()) {
      check.message = "output line " + std::to_string(n + 1) + " came from no input: " + show(line);
      return check;
    }
    found[best].push_back(line);
  }

  for (std::size_t i = 0; i < input_paths.size(); ++i) {
    std::string input = read_file(input_paths[i]);
    if (!input.empty() && input.back() != '\n') {
      input += '\n';
    }
    const auto expected = split_lines(input);
    const auto& got = found[i];
    if (expected == got) {
      continue;
    }
    std::size_t k = 0;
    while (k < expected.size() && k < got.size() && expected[k] == got[k]) {
      ++k;
    }
    check.message = "input " + input_paths[i].string() + ": expected " + std::to_string(expected.size()) +
                    " lines, found " + std::to_string(got.size()) + "; first difference at line " +
                    std::to_string(k + 1) + ": expected " + (k < expected.size() ? show(expected[k]) : "nothing") +
                    ", found " + (k < got.size() ? show(got[k]) : "nothing");
    return check;
  }
  check.ok = true;
  return check;
}

} // namespace common
