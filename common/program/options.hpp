// The command line every stage shares, so that all five executables are run
// the same way and only differ in how they merge.
#pragma once

#include "common/wait.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <vector>

namespace common {

struct Options {
  int files = 5;                             // --files: how many inputs
  int lines = 10;                            // --lines: lines written to each input
  Seconds interval{0.1};                     // --interval: how long a tail waits when there is no new data
  Seconds write_interval{0.1};               // --write-interval: a writer sleeps up to this before each line
  std::uint64_t seed = 0;                    // --seed: same seed, same input files
  bool prefill = false;                      // --prefill: every line is written before the merge starts
  std::filesystem::path output;              // --output: empty means `merged` in the temporary directory
  bool debug = false;                        // --debug: report each time an event loop was held too long
  int slow_threshold_ms = 100;               // --slow-threshold: what "too long" is
  int slow_write_ms = 0;                     // --slow-write: open, each write, close take this long
  std::filesystem::path trace;               // --trace: write a Chrome trace of the run here
  std::filesystem::path stats;               // --stats: write the run's figures here as JSON (for the benchmark)
  std::filesystem::path inputs_dir;          // --inputs-dir: write the inputs here and keep them
  Seconds hold{0};                           // --hold: writers keep their files open this long after their last line
  bool follow = false;                       // --follow: merge these real files instead of simulated ones
  std::vector<std::filesystem::path> inputs; // the files to follow
  bool from_end = false;                     // --from-end: follow only what is appended from now on
  bool append = false;                       // --append: add to an existing output instead of refusing it
};

// A bad command line; what() names the option and the reason, on one line.
class UsageError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Parses and checks the command line. Prints the help text to `out` and
// returns nothing for --help. Without --seed a random seed is chosen (the
// summary shows it, so the run can be repeated).
std::optional<Options> parse_command_line(int argc, const char* const argv[], std::ostream& out);

// Throws UsageError unless `path` can be created as a file, or written to
// if it exists and `may_exist`; the message names `option` ("--output") and
// the path. An existing file is never truncated silently.
// A FIFO (that someone reads) or a device is taken only with `may_be_stream`
// (--output in follow mode); anything else that is not a regular file is refused.
void check_output_path(const char* option, const std::filesystem::path& path, bool may_exist = true,
                       bool may_be_stream = false);

} // namespace common
