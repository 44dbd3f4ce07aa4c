// How long a line takes from its writer to the merged output, for the
// benchmark's latency run (--stats with concurrent writers).
//
// The simulated writers note when they write each line; the output file
// notes when each line arrives. Both sides cost nothing unless a measurement
// was started.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>
#include <vector>

namespace common::latency {

// Starts a measurement for `inputs`, each getting `lines` lines. Call before
// the writers start.
void start(const std::vector<std::filesystem::path>& inputs, int lines);
bool enabled() noexcept;

// Writer side: line `index` of the input at `path` is about to be written.
// Does nothing unless a measurement was started.
void written(std::string_view path, int index);
// Reader side: the tail of the input at `path` looks at it. Lines written
// before its first look waited for the stage to start, not for a wake-up:
// they are left out of the figures.
void looked(std::string_view path);
// Output side: `line` reached the output.
void arrived(std::string_view line);

struct Summary {
  std::size_t lines = 0; // lines measured (written once their tail was following)
  double median_ms = 0;
  double p99_ms = 0;
};

// Ends the measurement.
Summary stop();

} // namespace common::latency
