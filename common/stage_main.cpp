#include "stage_main.hpp"

#include "confirm_merge.hpp"
#include "debug.hpp"
#include "options.hpp"
#include "simulation.hpp"
#include "thread_name.hpp"
#include "trace.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

namespace common {

namespace {

int current_threads() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "Threads:") {
      int count = 0;
      status >> count;
      return count;
    }
  }
  return 0; // no /proc (macOS): reported as 0
}

// Samples the process's thread count every 2 ms while a run is going on.
// A sample can miss a thread that lives shorter than that; the stages' threads
// live as long as their tails.
class PeakThreads {
public:
  PeakThreads() : peak_(current_threads()), sampler_([this] { sample(); }) {}
  ~PeakThreads() { stop(); }

  // Ends the sampling; the peak, not counting the sampler itself.
  int stop() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_one();
    if (sampler_.joinable()) {
      sampler_.join();
    }
    return peak_ - 1;
  }

private:
  void sample() {
    std::unique_lock lock(mutex_);
    do {
      peak_ = std::max(peak_, current_threads());
    } while (!wake_.wait_for(lock, std::chrono::milliseconds(2), [this] { return done_; }));
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  int peak_; // guarded by mutex_ once the sampler runs
  std::thread sampler_;
};

void remove_failed_output(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    std::filesystem::remove(path, ec);
  }
}

} // namespace

int stage_main(int argc, const char* const argv[], std::string_view stage_name, const MergeFunction& merge,
               std::ostream& out, std::ostream& err) {
  std::optional<Options> options;
  try {
    options = parse_command_line(argc, argv, out);
  } catch (const UsageError& e) {
    err << stage_name << ": " << e.what() << '\n';
    return 2;
  }
  if (!options) {
    return 0; // --help
  }

  set_thread_name("main");
  debug::configure({options->debug, debug::Milliseconds(options->slow_threshold_ms),
                    debug::Milliseconds(options->slow_write_ms), std::string(stage_name)});

  std::filesystem::path output_path;
  try {
    Setup setup(*options);
    output_path = setup.output_path();
    PeakThreads threads;
    if (!options->trace.empty()) {
      trace::start();
    }
    const auto start = std::chrono::steady_clock::now();
    merge(setup.handles(), options->interval, setup.output_path());
    const auto end = std::chrono::steady_clock::now();
    const std::chrono::duration<double> elapsed = end - start;
    if (!options->trace.empty()) {
      trace::complete("merge", start, end); // the main thread's track spans the whole run
      trace::write(options->trace, stage_name);
    }
    const int peak_threads = threads.stop();
    setup.join_writers();
    const MergeCheck check = confirm_merge(setup.input_paths(), setup.output_path());

    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f", elapsed.count());
    out << stage_name << ": " << options->files << " files, " << check.lines << " lines merged in " << seconds
        << " s, peak " << peak_threads << " threads, seed " << options->seed;
    if (const auto stall = debug::longest_stall()) {
      out << ", longest stall " << stall->count() << " ms";
    } else if (options->debug) {
      out << ", no event loop to watch";
    }
    out << ", confirm_merge " << (check.ok ? "OK" : "FAILED") << std::endl;
    if (!check.ok) {
      err << stage_name << ": confirm_merge: " << check.message << '\n';
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    err << stage_name << ": error: " << e.what() << '\n';
    if (!options->output.empty()) {
      remove_failed_output(output_path);
    }
    return 1;
  }
}

} // namespace common
