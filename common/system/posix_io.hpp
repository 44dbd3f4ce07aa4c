// The few system-call helpers common/ shares: one way to word an I/O error,
// one way to say something on stderr, one loop that writes a whole buffer,
// one map from path to input, and the descriptor limit.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace common {

// "<path>: <what>: <strerror(error)>", the one-line message every I/O error gets.
std::runtime_error io_error(const std::filesystem::path& path, const char* what, int error);

// The program's name, set once by the shared main(): note() starts each line
// with it, as GNU tools do.
void set_program_name(std::string name);

// One line on stderr, "<program>: <message>", in one piece: lines that
// several threads write at once never mix.
void note(std::string_view message);

// Writes all of `data` to `fd`, retrying after a signal and after a short
// write; throws io_error naming `path`.
void write_all(int fd, const std::filesystem::path& path, std::string_view data);

// A map keyed by path text that can be searched with a string_view, without
// a copy per lookup.
struct PathHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <class T> using PathMap = std::unordered_map<std::string, T, PathHash, std::equal_to<>>;

// Makes sure the process may open enough files for `inputs` inputs that need
// `per_input` descriptors each (and some to spare), raising the soft limit
// up to the hard one if needed; otherwise throws std::runtime_error starting
// with `what` and saying how many are needed and allowed.
void reserve_descriptors(std::size_t inputs, std::size_t per_input, const std::string& what);

} // namespace common
