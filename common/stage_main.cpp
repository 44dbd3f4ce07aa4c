#include "stage_main.hpp"

#include "confirm_merge.hpp"
#include "debug.hpp"
#include "latency.hpp"
#include "options.hpp"
#include "simulation.hpp"
#include "thread_name.hpp"
#include "trace.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sys/resource.h>
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

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double peak_rss_mib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0; // Linux reports KiB
}

void write_stats(const std::filesystem::path& file, boost::json::object stats,
                 std::optional<debug::Milliseconds> longest_stall) {
  if (longest_stall) {
    stats["longest_stall_ms"] = longest_stall->count();
  }
  std::ofstream out(file, std::ios::trunc);
  out << stats << '\n';
  out.close();
  if (!out) {
    throw std::runtime_error(file.string() + ": cannot write the figures");
  }
}

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
    const double cpu_before = cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    merge(setup.handles(), options->interval, setup.output_path());
    const auto end = std::chrono::steady_clock::now();
    const double cpu = cpu_seconds() - cpu_before;
    const auto latency = latency::stop();
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
    if (!options->stats.empty()) {
      write_stats(options->stats,
                  {{"stage", stage_name},
                   {"files", options->files},
                   {"lines", check.lines},
                   {"prefill", options->prefill},
                   {"seconds", elapsed.count()},
                   {"lines_per_second", static_cast<double>(check.lines) / elapsed.count()},
                   {"peak_threads", peak_threads},
                   {"peak_rss_mib", peak_rss_mib()},
                   {"cpu_seconds", cpu},
                   {"latency_lines", latency.lines},
                   {"latency_median_ms", latency.median_ms},
                   {"latency_p99_ms", latency.p99_ms},
                   {"confirm_merge", check.ok}},
                  debug::longest_stall());
    }
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
