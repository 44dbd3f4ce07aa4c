// trace_svg OUTPUT.svg TRACE.json [TRACE.json ...]
//
// Draws the traces the stages write with --trace as one SVG picture, one
// chart per trace in the order given (trace_svg.hpp). On an error it prints
// one line naming the file and exits 1, leaving no OUTPUT behind; wrong
// arguments exit 2.
#include "common/tools/trace_svg.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace {

constexpr const char* usage = "usage: trace_svg OUTPUT.svg TRACE.json [TRACE.json ...]\n";

// An error worth one line on stderr: the file it is about and why.
struct Failure {
  std::string file;
  std::string reason;
};

std::string read_file(const std::string& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw Failure{file, "is a directory"};
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Failure{file, std::string("cannot open: ") + std::strerror(errno)};
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    throw Failure{file, std::string("cannot read: ") + std::strerror(errno)};
  }
  return text;
}

// Writes next to `output` first and renames, so a failed run leaves neither
// a half-written picture nor a temporary file.
void write_file(const std::filesystem::path& output, const std::string& text) {
  const std::filesystem::path temporary = output.string() + ".tmp";
  std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
  if (!out) {
    throw Failure{output.string(), std::string("cannot create: ") + std::strerror(errno)};
  }
  out << text;
  out.close();
  if (!out) {
    const std::string reason = std::string("cannot write: ") + std::strerror(errno);
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw Failure{output.string(), reason};
  }
  std::error_code ec;
  std::filesystem::rename(temporary, output, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw Failure{output.string(), "cannot rename the finished picture into place: " + ec.message()};
  }
}

} // namespace

int main(int argc, char* argv[]) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "-h" || args[0] == "--help")) {
    std::cout << usage;
    return 0;
  }
  if (args.size() < 2) {
    std::cerr << usage;
    return 2;
  }
  // The output comes first; a trace named there would be overwritten.
  if (std::filesystem::path(args[0]).extension() == ".json") {
    std::cerr << "trace_svg: " << args[0] << ": the output must not be a .json file\n" << usage;
    return 2;
  }
  const std::vector<std::string> traces(args.begin() + 1, args.end());
  try {
    std::vector<std::string> texts;
    for (const auto& trace : traces) {
      texts.push_back(read_file(trace));
    }
    std::string svg;
    try {
      svg = common::render_traces_svg(texts);
    } catch (const common::TraceError& error) {
      throw Failure{traces.at(error.index()), error.reason()};
    }
    write_file(args[0], svg);
  } catch (const Failure& failure) {
    std::cerr << "trace_svg: " << failure.file << ": " << failure.reason << "\n";
    return 1;
  } catch (const std::exception& error) { // out of memory, a filesystem error
    std::cerr << "trace_svg: " << args[0] << ": " << error.what() << "\n";
    return 1;
  }
  return 0;
}
