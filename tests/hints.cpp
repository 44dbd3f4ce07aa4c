#include "hints.hpp"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>

namespace tests {

namespace {

// The catalogue of the chosen language, read once: key -> text.
const std::map<std::string, std::string, std::less<>>& catalogue() {
  static const auto texts = [] {
    const char* lang = std::getenv("WORKSHOP_LANG");
    const std::string path =
        std::string(CLAIM_HINTS_DIR) + "/" + (lang != nullptr && *lang != '\0' ? lang : "en") + "/claim_hints";
    std::ifstream in(path);
    if (!in) {
      throw std::runtime_error(path + ": cannot read the hints");
    }
    std::map<std::string, std::string, std::less<>> read;
    for (std::string line; std::getline(in, line);) {
      const auto tab = line.find('\t');
      if (!line.empty() && line[0] != '#' && tab != std::string::npos) {
        read.emplace(line.substr(0, tab), line.substr(tab + 1));
      }
    }
    return read;
  }();
  return texts;
}

} // namespace

std::string hint_text(std::string_view key, const std::vector<std::string>& values) {
  const auto found = catalogue().find(key);
  if (found == catalogue().end()) {
    throw std::logic_error("claim_hints has no hint " + std::string(key));
  }
  const std::string& format = found->second;
  std::string text;
  std::size_t next = 0;
  std::size_t from = 0;
  for (auto at = format.find("%s"); at != std::string::npos; at = format.find("%s", from)) {
    if (next == values.size()) {
      throw std::logic_error("claim_hints: hint " + std::string(key) + " has more %s than values");
    }
    text.append(format, from, at - from).append(values[next++]);
    from = at + 2;
  }
  if (next != values.size()) {
    throw std::logic_error("claim_hints: hint " + std::string(key) + " has fewer %s than values");
  }
  return text.append(format, from);
}

} // namespace tests
