// The layers of common/ (common/CMakeLists.txt says which is which): a file
// includes only headers of its own layer and of the layers below it, and no
// file of common/ includes a stage or a variant. Read from the sources, so
// an upward include fails here before it tangles the code.
#include <array>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

namespace {

const fs::path source_dir = PROJECT_SOURCE_DIR;

// From the bottom up; the lesson is the files directly in common/.
const std::array<std::string, 6> layers{"system", "probe", "lesson", "instrument", "program", "tools"};

// The layer of a path relative to the source directory, or -1 outside common/.
int layer_of(const fs::path& relative) {
  auto part = relative.begin();
  if (part == relative.end() || *part != "common") {
    return -1;
  }
  ++part;
  const auto folder = std::next(part) == relative.end() ? std::string("lesson") : part->string();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (folder == layers[i]) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// The path in `#include "path"`, or "" for any other line (<...> includes are
// the system's and the libraries').
std::string quoted_include(const std::string& line) {
  std::size_t at = line.find_first_not_of(" \t");
  if (at == std::string::npos || line[at] != '#') {
    return "";
  }
  at = line.find_first_not_of(" \t", at + 1);
  if (at == std::string::npos || line.compare(at, 7, "include") != 0) {
    return "";
  }
  const std::size_t open = line.find_first_not_of(" \t", at + 7);
  const std::size_t close = open == std::string::npos ? open : line.find('"', open + 1);
  if (close == std::string::npos || line[open] != '"') {
    return "";
  }
  return line.substr(open + 1, close - open - 1);
}

} // namespace

TEST_CASE("layers: no file of common/ includes a layer above its own, nor a stage") {
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(source_dir / "common")) {
    const auto ext = entry.path().extension();
    if (ext != ".cpp" && ext != ".hpp") {
      continue;
    }
    ++files;
    const auto relative = fs::relative(entry.path(), source_dir);
    const int own = layer_of(relative);
    REQUIRE_MESSAGE(own >= 0, relative.string() << ": in no layer of common/CMakeLists.txt");
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      fs::path target = quoted_include(line);
      if (target.empty()) {
        continue;
      }
      if (!fs::exists(source_dir / target)) {
        target = fs::relative(entry.path().parent_path() / target, source_dir); // "probe.hpp" beside its .cpp
      }
      CHECK_MESSAGE(target.begin()->string() == "common",
                    relative.string() << " includes " << target.string() << ", which is not part of common/");
      const int theirs = layer_of(target);
      CHECK_MESSAGE(theirs <= own, relative.string()
                                       << " (" << layers[static_cast<std::size_t>(own)] << ") includes "
                                       << target.string() << ", a layer above it ("
                                       << (theirs >= 0 ? layers[static_cast<std::size_t>(theirs)] : std::string("?"))
                                       << ")");
    }
  }
  CHECK(files > 30);
}
