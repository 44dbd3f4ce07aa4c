// What the two tools that draw SVG pictures share (trace_svg, the trace
// picture; bench_report, the benchmark plot): reading their inputs, writing
// their output whole or not at all, numbers and text in SVG, the colours.
#pragma once

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace common {

// An error worth one line on stderr: the file it is about and why.
struct Failure {
  std::string file;
  std::string reason;
};

// The whole file; throws Failure naming it.
inline std::string read_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw Failure{file.string(), "is a directory"};
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Failure{file.string(), std::string("cannot open: ") + std::strerror(errno)};
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    throw Failure{file.string(), std::string("cannot read: ") + std::strerror(errno)};
  }
  return text;
}

// Writes next to `output` first and renames, so a failed run leaves neither
// a half-written file nor a temporary one; throws Failure naming `output`.
inline void write_file(const std::filesystem::path& output, const std::string& text) {
  const std::filesystem::path temporary = output.string() + ".tmp";
  std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
  if (!out) {
    throw Failure{output.string(), std::string("cannot create: ") + std::strerror(errno)};
  }
  out << text;
  out.close();
  std::error_code ec;
  if (out) {
    std::filesystem::rename(temporary, output, ec);
  }
  if (!out || ec) {
    const std::string reason = !out ? std::string("cannot write: ") + std::strerror(errno)
                                    : "cannot rename the finished file into place: " + ec.message();
    std::filesystem::remove(temporary, ec);
    throw Failure{output.string(), reason};
  }
}

// The arguments after the program's name. `-h` or `--help` alone prints
// `usage` and ends the program with exit code 0.
inline std::vector<std::string> arguments(int argc, char* argv[], const char* usage) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "-h" || args[0] == "--help")) {
    std::cout << usage;
    std::exit(0);
  }
  return args;
}

// Runs a tool's work and returns its exit code: 0, or 1 after one line on
// stderr naming the file the error is about (`file` when the error names none).
template <class Work> int report_failures(const char* tool, const std::string& file, Work work) {
  try {
    work();
  } catch (const Failure& failure) {
    std::cerr << tool << ": " << failure.file << ": " << failure.reason << "\n";
    return 1;
  } catch (const std::exception& error) { // out of memory, a filesystem error
    std::cerr << tool << ": " << file << ": " << error.what() << "\n";
    return 1;
  }
  return 0;
}

// A fixed-point number, whatever the locale: "12.5".
inline std::string fixed(double value, int decimals) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  return std::string(buffer, result.ptr);
}

// An SVG coordinate or length.
inline std::string px(double value) {
  return fixed(value, 1);
}

// Colour-blind-safe colours (Okabe and Ito), for both pictures.
namespace colour {
inline constexpr const char* blue = "#0072b2";
inline constexpr const char* orange = "#e69f00";
inline constexpr const char* green = "#009e73";
inline constexpr const char* purple = "#cc79a7";
inline constexpr const char* vermilion = "#d55e00";
inline constexpr const char* sky_blue = "#56b4e9";
} // namespace colour

// Makes text safe inside an element or a quoted attribute. Control
// characters are not allowed in XML at all: they become '?'.
inline std::string escape_xml(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&apos;";
      break;
    default: {
      const bool control = static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r';
      out += control ? '?' : c;
    }
    }
  }
  return out;
}

} // namespace common
