// The command line every stage shares, so that all five executables are run
// the same way and only differ in how they merge.
#pragma once

#include "common/simulation.hpp"
#include "common/wait.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <vector>

namespace common {

// The simulation's options (--files, --lines, --write-interval, --seed,
// --prefill, --output, --inputs-dir, --hold) are its own: a Simulation.
struct Options : Simulation {
  Seconds interval{0.1};                     // --interval: how long a tail waits when there is no new data
  bool debug = false;                        // --debug: report each time an event loop was held too long
  int slow_threshold_ms = 100;               // --slow-threshold: what "too long" is
  int slow_write_ms = 0;                     // --slow-write: open, each write, close take this long
  std::filesystem::path trace;               // --trace: write a Chrome trace of the run here
  std::filesystem::path stats;               // --stats: write the run's figures here as JSON (for the benchmark)
  bool follow = false;                       // --follow: merge these real files instead of simulated ones
  std::vector<std::filesystem::path> inputs; // the files to follow
  bool from_end = false;                     // --from-end: follow only what is appended from now on
  bool append = false;                       // --append: add to an existing output instead of refusing it
  std::optional<Seconds> idle_timeout;       // --idle-timeout: a tail with no new data for this long ends
};

// A bad command line; what() names the option and the reason, on one line.
class UsageError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Parses and checks the command line. Prints the help text to `out` and
// returns nothing for --help. Without --seed a random seed is chosen (the
// summary shows it, so the run can be repeated). --idle-timeout is taken only
// with `idle_timeout` (a stage whose tails can end early: beyond/task_group).
std::optional<Options> parse_command_line(int argc, const char* const argv[], std::ostream& out,
                                          bool idle_timeout = false);

// Throws UsageError unless `path` can be created as a file, or written to
// if it exists and `may_exist`; the message names `option` ("--output") and
// the path. An existing file is never truncated silently.
// A FIFO (that someone reads) or a device is taken only with `may_be_stream`
// (--output in follow mode); anything else that is not a regular file is refused.
void check_output_path(const char* option, const std::filesystem::path& path, bool may_exist = true,
                       bool may_be_stream = false);

} // namespace common
