// The writers the merge has to keep up with: one thread per input file,
// appending numbered random lines, as in the book's simulation.
#pragma once

#include "common/input.hpp"
#include "common/wait.hpp"

#include <boost/thread/thread.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <vector>

namespace common {

// Appends `write_count` lines "<path>-<index>-<10 random letters>\n" to
// `path`, the index with at least two digits, sleeping a random time in
// [0, interval) before each. Each line reaches the file with its own write(),
// so a reader never sees part of one line; with interval 0 (prefill) lines are
// written in large blocks instead. The letters depend on `seed` only.
// Sleeping is an interruption point: boost::thread::interrupt() ends it early.
void write_random_data(const std::filesystem::path& path, int write_count, Seconds interval, std::uint64_t seed);

// What the simulation makes: the command line's options of the same names
// (common/program/options.hpp) fill it.
struct Simulation {
  int files = 5;                    // --files: how many inputs
  int lines = 10;                   // --lines: lines written to each input
  Seconds write_interval{0.1};      // --write-interval: a writer sleeps up to this before each line
  std::uint64_t seed = 0;           // --seed: same seed, same input files
  bool prefill = false;             // --prefill: every line is written before the merge starts
  std::filesystem::path output;     // --output: empty means `merged` in the temporary directory
  std::filesystem::path inputs_dir; // --inputs-dir: write the inputs here and keep them
  Seconds hold{0};                  // --hold: writers keep their files open this long after their last line
  // Called with the inputs' paths once they exist, before any writer starts
  // (--stats starts its latency measurement there).
  std::function<void(const std::vector<std::filesystem::path>& inputs)> before_writers;
};

// Everything a run needs: a temporary directory (removed again by the
// destructor; --inputs-dir names one that is kept) with one empty file per input, a handle on each, a writer per
// file, and the output path.
//
// Unlike the book's one-second timer, a handle is closed when its writer has
// finished: the tail then drains what was written and stops, and no line can
// be lost at shutdown. With --prefill every line is written before the
// constructor returns.
class Setup {
public:
  explicit Setup(const Simulation& options);
  // Interrupts writers that still run (after an error) and waits for them.
  ~Setup();
  Setup(const Setup&) = delete;
  Setup& operator=(const Setup&) = delete;

  const std::vector<std::filesystem::path>& input_paths() const { return input_paths_; }
  const Handles& handles() const { return handles_; }
  const std::filesystem::path& output_path() const { return output_path_; }

  // Any thread, while the run goes on (a signal, a failed output): every
  // writer stops after the line it is writing and closes its input, so the
  // tails drain what was written and end. Not once join_writers() or the
  // destructor may be running.
  void stop_writers();
  // As stop_writers(), and returns once every writer has closed its input:
  // for a merge the same signal cancels (beyond/task_group), whose tails then
  // find every line that was written when they drain.
  void stop_writers_and_wait();

  // Waits until every writer has finished; rethrows the first writer's error.
  void join_writers();
  // After join_writers(): when the last writer finished and closed its input
  // (for the benchmark: how long the merge took after that).
  std::chrono::steady_clock::time_point last_close() const;

private:
  void start_write_threads(const Simulation& options);

  std::filesystem::path directory_;
  bool remove_directory_ = true;
  std::vector<std::filesystem::path> input_paths_;
  Handles handles_;
  std::filesystem::path output_path_;
  std::vector<boost::thread> writers_;
  std::vector<std::exception_ptr> errors_;                       // errors_[i] is written only by writer i
  std::vector<std::chrono::steady_clock::time_point> closed_at_; // so is closed_at_[i]
};

} // namespace common
