// Draws several --trace recordings (trace.hpp) as one SVG picture, so the
// stages can be compared side by side without a trace viewer: one swimlane
// chart per trace, stacked in the order given, one lane per thread, all on
// one shared time axis and with one colour key.
//
// The trace_svg tool (trace_svg_main.cpp) runs this on files:
//   trace_svg stages.svg t_stage1.json t_stage3.json t_stage5.json
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace common {

// What render_traces_svg throws for input it cannot draw: which trace (its
// index in the vector, from 0) and why, so a caller can name the file.
class TraceError : public std::runtime_error {
public:
  TraceError(std::size_t index, const std::string& reason);

  std::size_t index() const noexcept { return index_; }
  // The reason without the "trace N: " that what() starts with.
  const std::string& reason() const noexcept { return reason_; }

private:
  std::size_t index_;
  std::string reason_;
};

// Each element is the text of one Chrome Trace Event Format file as
// trace::write produces it. Returns a complete, self-contained SVG document.
// Throws TraceError (a std::runtime_error) on malformed input.
std::string render_traces_svg(const std::vector<std::string>& trace_json_texts);

} // namespace common
