// trace_svg OUTPUT.svg TRACE.json [TRACE.json ...]
//
// Draws the traces the stages write with --trace as one SVG picture, one
// chart per trace in the order given (trace_svg.hpp). On an error it prints
// one line naming the file and exits 1, leaving no OUTPUT behind; wrong
// arguments exit 2.
#include "common/tools/svg.hpp"
#include "common/tools/trace_svg.hpp"

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace {

using common::Failure;

constexpr const char* usage = "usage: trace_svg OUTPUT.svg TRACE.json [TRACE.json ...]\n";

} // namespace

int main(int argc, char* argv[]) {
  const std::vector<std::string> args = common::arguments(argc, argv, usage);
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
  return common::report_failures("trace_svg", args[0], [&] {
    std::vector<std::string> texts;
    for (const auto& trace : traces) {
      texts.push_back(common::read_file(trace));
    }
    std::string svg;
    try {
      svg = common::render_traces_svg(texts);
    } catch (const common::TraceError& error) {
      throw Failure{traces.at(error.index()), error.reason()};
    }
    common::write_file(args[0], svg);
  });
}
