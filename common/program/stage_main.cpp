#include "stage_main.hpp"

#include "common/asyncio.hpp"
#include "common/confirm_merge.hpp"
#include "common/instrument/debug.hpp"
#include "common/instrument/latency.hpp"
#include "common/instrument/trace.hpp"
#include "common/output.hpp"
#include "common/program/options.hpp"
#include "common/program/shutdown.hpp"
#include "common/simulation.hpp"
#include "common/system/posix_io.hpp"
#include "common/system/process.hpp"
#include "common/system/thread_name.hpp"
#include "common/threads.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace common {

namespace {

// Samples the process's thread count every 2 ms while a run is going on, and
// after its first second every 100 ms: the threads are started at the
// beginning, and a long follow run with nothing to do should cost nothing.
// A sample can miss a thread that lives shorter than that; the stages'
// threads live as long as their tails.
// Where the count is not known (no /proc), nothing is sampled.
class PeakThreads {
public:
  PeakThreads() : peak_(process::threads(::getpid())) {
    if (peak_) {
      sampler_ = std::thread([this] { sample(); });
    }
  }
  ~PeakThreads() { stop(); }

  // Ends the sampling; the peak, not counting the sampler itself.
  std::optional<int> stop() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_one();
    if (sampler_.joinable()) {
      sampler_.join();
    }
    return peak_ ? std::optional<int>(*peak_ - 1) : std::nullopt;
  }

private:
  void sample() {
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    do {
      peak_ = std::max(*peak_, process::threads(::getpid()).value_or(0));
    } while (!wake_.wait_for(lock,
                             std::chrono::steady_clock::now() - start < std::chrono::seconds(1)
                                 ? std::chrono::milliseconds(2)
                                 : std::chrono::milliseconds(100),
                             [this] { return done_; }));
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::optional<int> peak_; // guarded by mutex_ once the sampler runs
  std::thread sampler_;
};

std::string peak_text(std::optional<int> peak_threads) {
  return peak_threads ? "peak " + std::to_string(*peak_threads) + " threads" : "threads not counted (no /proc)";
}

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

// One line for an error. A thread the system refused anywhere outside
// start_thread and ThreadPool (a writer, stage 5's writer thread, the signal
// thread) reads as theirs do, not as Boost's or the library's raw text.
std::string describe(const std::exception& error) {
  if (const auto why = refused_thread(error)) {
    return "cannot start a thread: " + *why;
  }
  return error.what();
}

// Says `error` on `err`, one line per error: a task group's each on its own.
void say_error(std::ostream& err, std::string_view stage_name, const std::exception& error) {
  const auto* group = dynamic_cast<const asyncio::ExceptionGroup*>(&error);
  if (group == nullptr) {
    err << stage_name << ": error: " << describe(error) << '\n';
    return;
  }
  for (const auto& exception : group->exceptions()) {
    try {
      std::rethrow_exception(exception);
    } catch (const std::exception& e) {
      say_error(err, stage_name, e);
    } catch (...) {
      err << stage_name << ": error: an exception that is not a std::exception\n";
    }
  }
}

// Ends a run early, from any thread: on a signal, or when the output fails.
// What ending means is attached once the run has it (closing the inputs in
// follow mode, stopping the writers in a simulated run); a stop that came
// before is carried out when it is attached. Detached under the same lock
// before what it acts on is gone: a late signal never reaches a dead Setup.
class RunStopper {
public:
  // `signal` is 0 for an output error. The first stop counts.
  void stop(int signal) {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      return;
    }
    stopped_ = true;
    signal_ = signal;
    if (action_) {
      action_(signal);
    }
  }
  void attach(std::function<void(int signal)> action) {
    std::lock_guard lock(mutex_);
    action_ = std::move(action);
    if (stopped_) {
      action_(signal_);
    }
  }
  void detach() {
    std::lock_guard lock(mutex_);
    action_ = nullptr;
  }
  // The signal that stopped the run; 0 if none did.
  int signal() const {
    std::lock_guard lock(mutex_);
    return signal_;
  }

private:
  mutable std::mutex mutex_;
  bool stopped_ = false;
  int signal_ = 0;
  std::function<void(int signal)> action_;
};

// While it lives, SIGINT, SIGTERM and SIGHUP stop the run (after `say` has
// said so), and so does a failed write to the output, at once. Create it
// before any other thread starts: they inherit the blocked signals. A merge
// that takes the signals itself gets them on its loop only (see
// shutdown::enable).
class StopWhen {
public:
  StopWhen(RunStopper& stopper, std::function<void(int signal)> say, bool merge_takes_signals) {
    shutdown::enable(
        [&stopper, say = std::move(say)](int signal) {
          say(signal);
          stopper.stop(signal);
        },
        !merge_takes_signals);
    set_output_error_handler([&stopper] { stopper.stop(0); });
  }
  ~StopWhen() {
    set_output_error_handler(nullptr);
    shutdown::disable();
  }
  StopWhen(const StopWhen&) = delete;
  StopWhen& operator=(const StopWhen&) = delete;
};

// Removes the output a failed simulated run left, if it is a regular file;
// whether it did.
bool remove_failed_output(const std::filesystem::path& path);

// The inputs of --follow, opened after checking what a command line can get
// wrong: a file given twice (also through a link), the output among the
// inputs, an existing output without --append. Every problem is a UsageError
// naming the path.
Handles open_followed_inputs(const Options& options) {
  reserve_descriptors(options.inputs.size(), 1, "--follow: " + std::to_string(options.inputs.size()) + " input files");
  std::map<std::pair<dev_t, ino_t>, std::filesystem::path> seen;
  std::map<std::filesystem::path, std::filesystem::path> not_there_yet; // by the path they will have
  const auto will_be = [](const std::filesystem::path& path) {
    std::error_code ec;
    return std::filesystem::weakly_canonical(path, ec);
  };
  Handles handles;
  for (const auto& path : options.inputs) {
    try {
      handles.push_back(
          open_input(path, options.from_end ? InputHandle::Start::at_end : InputHandle::Start::at_beginning));
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      const auto [first, inserted] = seen.emplace(std::make_pair(st.st_dev, st.st_ino), path);
      if (!inserted) {
        throw UsageError(path.string() + ": the same file as " + first->second.string() + ", given twice");
      }
    } else if (const auto [first, inserted] = not_there_yet.emplace(will_be(path), path); !inserted) {
      throw UsageError(path.string() + ": the same file as " + first->second.string() + ", given twice");
    }
  }
  if (const auto input = not_there_yet.find(will_be(options.output)); input != not_there_yet.end()) {
    throw UsageError("--output " + options.output.string() + ": is one of the inputs (" + input->second.string() + ")");
  }
  struct stat out {};
  if (::stat(options.output.c_str(), &out) == 0) {
    if (const auto input = seen.find({out.st_dev, out.st_ino}); input != seen.end()) {
      throw UsageError("--output " + options.output.string() + ": is one of the inputs (" + input->second.string() +
                       ")");
    }
    if (S_ISREG(out.st_mode) && !options.append) {
      throw UsageError("--output " + options.output.string() + ": already exists (add --append to add to it)");
    }
  }
  return handles;
}

std::uintmax_t size_or_zero(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

// Lines in `path` from byte `from` on.
std::size_t count_lines(const std::filesystem::path& path, std::uintmax_t from) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(from));
  std::size_t lines = 0;
  std::array<char, 64 * 1024> buffer{};
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    lines += static_cast<std::size_t>(std::count(buffer.data(), buffer.data() + in.gcount(), '\n'));
  }
  return lines;
}

// --follow: merge real files until SIGINT or SIGTERM, then drain and end.
int follow_main(const Options& options, std::string_view stage_name, const CancellableMerge& merge,
                bool merge_takes_signals, std::ostream& out, std::ostream& err) {
  bool merging = false;
  std::uintmax_t size_before = 0;
  try {
    const Handles handles = open_followed_inputs(options);
    size_before = size_or_zero(options.output);
    RunStopper stopper;
    const StopWhen stop_when(
        stopper,
        [&](int signal) {
          err << stage_name << ": " << shutdown::signal_name(signal) << ": merging what was written, then stopping"
              << std::endl;
        },
        merge_takes_signals);
    stopper.attach([&handles, merge_takes_signals](int signal) {
      // A merge that takes SIGINT and SIGTERM cancels its own tails; a
      // hang-up and an output error close the inputs as for every stage.
      if (merge_takes_signals && (signal == SIGINT || signal == SIGTERM)) {
        return;
      }
      for (const auto& handle : handles) {
        handle->close();
      }
    });
    PeakThreads threads;
    if (!options.trace.empty()) {
      trace::start();
    }
    const auto start = std::chrono::steady_clock::now();
    merging = true;
    merge(handles, options.interval, options.output, options.idle_timeout);
    const auto end = std::chrono::steady_clock::now();
    if (!options.trace.empty()) {
      trace::complete("merge", start, end);
      trace::write(options.trace, stage_name);
    }
    const auto peak_threads = threads.stop();
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f", std::chrono::duration<double>(end - start).count());
    out << stage_name << ": followed " << handles.size() << " files, " << count_lines(options.output, size_before)
        << " lines merged in " << seconds << " s, " << peak_text(peak_threads) << std::endl;
    // SIGINT and SIGTERM are how a follow run is meant to end; a hang-up is
    // not. A merge that is cancelled by them says so, as Python's
    // KeyboardInterrupt does.
    return stopper.signal() == SIGHUP || (merge_takes_signals && stopper.signal() != 0) ? 128 + stopper.signal() : 0;
  } catch (const UsageError& e) {
    err << stage_name << ": " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    say_error(err, stage_name, e);
    // Nothing merged is ever removed: what the output holds is right up to the error.
    std::error_code ec;
    if (merging && std::filesystem::is_regular_file(options.output, ec)) {
      err << stage_name << ": " << options.output.string() << " is kept, with the "
          << count_lines(options.output, size_before) << " lines merged\n";
    }
    return 1;
  }
}

bool remove_failed_output(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) && std::filesystem::remove(path, ec);
}

int run_stage(int argc, const char* const argv[], std::string_view stage_name, const CancellableMerge& merge,
              bool merge_takes_signals, std::ostream& out, std::ostream& err) {
  std::optional<Options> options;
  try {
    options = parse_command_line(argc, argv, out, merge_takes_signals);
  } catch (const UsageError& e) {
    err << stage_name << ": " << e.what() << '\n';
    return 2;
  }
  if (!options) {
    return 0; // --help
  }

  set_program_name(std::string(stage_name));
  set_thread_name("main");
  debug::configure({options->debug, debug::Milliseconds(options->slow_threshold_ms),
                    debug::Milliseconds(options->slow_write_ms), std::string(stage_name)});
  set_output_append(options->append);
  set_output_line_buffered(options->follow);
  if (options->follow) {
    return follow_main(*options, stage_name, merge, merge_takes_signals, out, err);
  }

  // A run that takes a while says so first, and how to make it shorter: the
  // writers sleep up to --write-interval before each line, half of it on average.
  if (const double seconds = options->lines * options->write_interval.count() / 2 + options->hold.count();
      !options->prefill && seconds >= 3) {
    err << stage_name << ": this run takes about " << static_cast<int>(seconds + 0.5) << " s (" << options->lines
        << " lines per file, written up to " << options->write_interval.count()
        << " s apart; fewer --lines or a shorter --write-interval take less)" << std::endl;
  }
  std::filesystem::path output_path;
  try {
    RunStopper stopper;
    const StopWhen stop_when(
        stopper,
        [&](int signal) {
          err << stage_name << ": " << shutdown::signal_name(signal)
              << ": stopping the writers, merging what they wrote, then stopping" << std::endl;
        },
        merge_takes_signals);
    if (!options->stats.empty() && !options->prefill) {
      // --stats with live writers: how late each line arrives.
      options->before_writers = [lines = options->lines](const std::vector<std::filesystem::path>& inputs) {
        latency::start(inputs, lines);
      };
    }
    Setup setup(*options);
    output_path = setup.output_path();
    stopper.attach([&setup, merge_takes_signals](int signal) {
      if (merge_takes_signals && signal != 0) {
        setup.stop_writers_and_wait(); // before the same signal cancels the tails
      } else {
        setup.stop_writers();
      }
    });
    struct Detach {
      RunStopper& stopper;
      ~Detach() { stopper.detach(); } // before the writers are joined or gone
    } detach{stopper};
    PeakThreads threads;
    if (!options->trace.empty()) {
      trace::start();
    }
    const double cpu_before = cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    merge(setup.handles(), options->interval, setup.output_path(), options->idle_timeout);
    const auto end = std::chrono::steady_clock::now();
    const double cpu = cpu_seconds() - cpu_before;
    const double rss_mib = peak_rss_mib(); // before confirm_merge reads every file
    const auto latency = latency::stop();
    const std::chrono::duration<double> elapsed = end - start;
    if (!options->trace.empty()) {
      trace::complete("merge", start, end); // the main thread's track spans the whole run
      trace::write(options->trace, stage_name);
    }
    const auto peak_threads = threads.stop();
    stopper.detach();
    setup.join_writers();
    // How long the merge went on after the last input was closed: the drain.
    const std::chrono::duration<double, std::milli> drain = end - std::min(end, setup.last_close());
    const MergeCheck check = confirm_merge(setup.input_paths(), setup.output_path());

    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f", elapsed.count());
    out << stage_name << ": " << options->files << " files, " << check.lines << " lines merged in " << seconds << " s, "
        << peak_text(peak_threads) << ", seed " << options->seed;
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
                   {"peak_threads", peak_threads ? boost::json::value(*peak_threads) : nullptr},
                   {"peak_rss_mib", rss_mib},
                   {"cpu_seconds", cpu},
                   {"latency_lines", latency.lines},
                   {"latency_median_ms", latency.median_ms},
                   {"latency_p99_ms", latency.p99_ms},
                   {"drain_ms", drain.count()},
                   {"confirm_merge", check.ok}},
                  debug::longest_stall());
    }
    if (!check.ok) {
      err << stage_name << ": confirm_merge: " << check.message << '\n';
      return 1;
    }
    // Stopped early, the merge is still exact, but the run did not do its job.
    return stopper.signal() != 0 ? 128 + stopper.signal() : 0;
  } catch (const std::exception& e) {
    say_error(err, stage_name, e);
    // A simulated run's output is only worth its confirm_merge: a failed
    // run's could pass for a good one.
    if (!options->output.empty() && remove_failed_output(output_path)) {
      err << stage_name << ": removed " << output_path.string() << ", the output of a failed run\n";
    }
    return 1;
  }
}

int main_of(int argc, const char* const argv[], const CancellableMerge& merge, bool merge_takes_signals,
            std::ostream& out, std::ostream& err) {
  // Messages start with the program's name, as GNU tools do: the stage's
  // executable is named after its directory.
  const std::string stage_name = argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "stage";
  // A closed standard output (`stage | head -c0`) must not kill the run
  // before it has cleaned up: writing to it fails instead, and is reported.
  std::signal(SIGPIPE, SIG_IGN);
  const int code = run_stage(argc, argv, stage_name, merge, merge_takes_signals, out, err);
  if (!out.flush()) {
    err << stage_name << ": error: standard output: cannot write (closed, or a full disk)\n";
    return code == 0 ? 1 : code;
  }
  return code;
}

} // namespace

int stage_main(int argc, const char* const argv[], const MergeFunction& merge, std::ostream& out, std::ostream& err) {
  const auto without_idle_timeout = [&merge](const Handles& handles, Seconds interval,
                                             const std::filesystem::path& output_path,
                                             std::optional<Seconds>) { merge(handles, interval, output_path); };
  return main_of(argc, argv, without_idle_timeout, false, out, err);
}

int stage_main(int argc, const char* const argv[], const CancellableMerge& merge, std::ostream& out,
               std::ostream& err) {
  return main_of(argc, argv, merge, true, out, err);
}

} // namespace common
