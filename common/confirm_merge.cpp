#include "confirm_merge.hpp"

#include "common/system/posix_io.hpp"

#include <cstdint>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string_view>

namespace common {

namespace {

// A file read a line at a time, each line with its '\n' (a last line
// without one comes without it). Memory: the longest line, not the file.
class LineReader {
public:
  explicit LineReader(const std::filesystem::path& path) : in_(path, std::ios::binary) {
    if (!in_) {
      throw std::runtime_error(path.string() + ": cannot open for reading");
    }
  }
  bool next(std::string& line) {
    if (!std::getline(in_, line)) {
      return false;
    }
    if (!in_.eof()) {
      line += '\n';
    }
    return true;
  }

private:
  std::ifstream in_;
};

// The lines one input owns, in order, summed up: how many, and two
// independent 64-bit hashes of their sequence. Two different sequences that
// agree on both are, for this check, not worth worrying about.
struct Digest {
  std::size_t lines = 0;
  std::uint64_t fnv = 14695981039346656037ULL;
  std::uint64_t mix = 0;

  void add(std::string_view line) {
    ++lines;
    for (const char c : line) {
      fnv = (fnv ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    fnv = (fnv ^ 0xff) * 1099511628211ULL; // the end of a line
    mix = (mix ^ std::hash<std::string_view>{}(line)) * 0x9e3779b97f4a7c15ULL + lines;
  }
  bool operator==(const Digest&) const = default;
};

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
  // The input an output line belongs to; input_paths.size() for none. Every
  // '-' is tried as the end of the path; the longest path that is an input
  // wins, so "dir/1" never claims "dir/10-...".
  const auto owner_of = [&](std::string_view line) {
    std::size_t best = input_paths.size();
    for (auto dash = line.find('-'); dash != std::string_view::npos; dash = line.find('-', dash + 1)) {
      if (auto it = owner.find(line.substr(0, dash)); it != owner.end()) {
        best = it->second;
      }
    }
    return best;
  };
  // An input's lines as the merge must deliver them: a last line without
  // newline gets one, as readline() adds it.
  const auto as_merged = [](std::string& line) {
    if (!line.empty() && line.back() != '\n') {
      line += '\n';
    }
  };

  // The files are streamed, so memory grows with the number of inputs, not
  // with the number of lines: first the output, summed up per input...
  MergeCheck check;
  std::vector<Digest> found(input_paths.size());
  std::string line;
  for (LineReader output(output_path); output.next(line);) {
    ++check.lines;
    const std::size_t input = owner_of(line);
    if (input == input_paths.size()) {
      check.message = "output line " + std::to_string(check.lines) + " came from no input: " + show(line);
      return check;
    }
    found[input].add(line);
  }

  // ...then each input, compared with its sum.
  for (std::size_t i = 0; i < input_paths.size(); ++i) {
    Digest expected;
    for (LineReader input(input_paths[i]); input.next(line);) {
      as_merged(line);
      expected.add(line);
    }
    if (expected == found[i]) {
      continue;
    }
    // They differ: read both again, side by side, to the first difference.
    LineReader input(input_paths[i]);
    LineReader output(output_path);
    std::string want;
    std::string got;
    bool have_want = false;
    bool have_got = false;
    std::size_t k = 0;
    for (;; ++k) {
      have_want = input.next(want);
      if (have_want) {
        as_merged(want);
      }
      while ((have_got = output.next(got)) && owner_of(got) != i) {
      }
      if (!have_want || !have_got || want != got) {
        break;
      }
    }
    check.message = "input " + input_paths[i].string() + ": expected " + std::to_string(expected.lines) +
                    " lines, found " + std::to_string(found[i].lines) + "; first difference at line " +
                    std::to_string(k + 1) + ": expected " + (have_want ? show(want) : "nothing") + ", found " +
                    (have_got ? show(got) : "nothing");
    return check;
  }
  check.ok = true;
  return check;
}

} // namespace common
