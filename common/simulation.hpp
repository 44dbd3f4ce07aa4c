// The writers the merge has to keep up with: one thread per input file,
// appending numbered random lines, as in the book's simulation.
#pragma once

#include "common/input.hpp"
#include "common/program/options.hpp"
#include "common/wait.hpp"

#include <boost/thread/thread.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <vector>

namespace common {

// Appends `write_count` lines "<path>-<index>-<10 random letters>\n" to
// `path`, the index with at least two digits, sleeping a random time in
// [0, interval) before each. Each line reaches the file with its own write(),
// so a reader never sees part of one line; with interval 0 (prefill) lines are
// written in large blocks instead. The letters depend on `seed` only.
// Sleeping is an interruption point: boost::thread::interrupt() ends it early.
void write_random_data(const std::filesystem::path& path, int write_count, Seconds interval, std::uint64_t seed);

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
  explicit Setup(const Options& options);
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

  // Waits until every writer has finished; rethrows the first writer's error.
  void join_writers();
  // After join_writers(): when the last writer finished and closed its input
  // (for the benchmark: how long the merge took after that).
  std::chrono::steady_clock::time_point last_close() const;

private:
  void start_write_threads(const Options& options);
  void stop_write_threads();

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
