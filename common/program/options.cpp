#include "options.hpp"

#include <boost/program_options.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <sstream>
#include <sys/stat.h>
#ifdef __linux__
#include <linux/magic.h>
#include <sys/statfs.h>
#endif
#include <unistd.h>

namespace common {

namespace po = boost::program_options;

namespace {

template <class T> void require(bool ok, const char* option, const char* reason, T value) {
  if (!ok) {
    std::ostringstream message;
    message << option << ": " << reason << " (got " << value << ")";
    throw UsageError(message.str());
  }
}

} // namespace

std::optional<Options> parse_command_line(int argc, const char* const argv[], std::ostream& out, bool idle_timeout) {
  Options options;
  double idle_seconds = 0;
  double interval = options.interval.count();
  double write_interval = options.write_interval.count();
  std::string output;
  std::string trace;
  std::string stats;
  std::string inputs_dir;
  std::string seed;
  double hold = 0;

  po::options_description described("Tail every input and merge its new lines into one output file");
  described.add_options()                                                                                //
      ("help,h", "show this help")                                                                       //
      ("files", po::value(&options.files), "number of input files (default 5)")                          //
      ("lines", po::value(&options.lines), "lines each writer appends (default 10)")                     //
      ("interval", po::value(&interval), "seconds a tail waits when there is no new data (default 0.1)") //
      ("write-interval", po::value(&write_interval),
       "a writer sleeps a random time below this many seconds before each line (default 0.1)")          //
      ("seed", po::value(&seed), "random seed from 0 to 2^64-1, to repeat a run (default: random)")     //
      ("prefill", po::bool_switch(&options.prefill), "write every line before the merge starts")        //
      ("output", po::value(&output), "merged output file (default: 'merged' in a temporary directory)") //
      ("debug", po::bool_switch(&options.debug),
       "report each time an event loop was held longer than --slow-threshold, like asyncio's debug mode")  //
      ("slow-threshold", po::value(&options.slow_threshold_ms), "milliseconds; see --debug (default 100)") //
      ("slow-write", po::value(&options.slow_write_ms),
       "opening the output, every write and its close take this many milliseconds, as on a slow disk (default 0)") //
      ("trace", po::value(&trace),
       "write a trace of the run to this file (Chrome Trace Event Format: open it in ui.perfetto.dev)")              //
      ("stats", po::value(&stats), "write the run's figures to this file as JSON (used by ./workshop bench)")        //
      ("inputs-dir", po::value(&inputs_dir), "write the input files into this new or empty directory and keep them") //
      ("hold", po::value(&hold), "seconds the writers keep their files open after their last line (default 0)");

  po::options_description follow("Following real files instead (until SIGINT or SIGTERM)");
  follow.add_options()                                                                             //
      ("follow", po::bool_switch(&options.follow), "merge the FILEs given after the options")      //
      ("from-end", po::bool_switch(&options.from_end), "follow only what is appended from now on") //
      ("append", po::bool_switch(&options.append), "add to an existing --output instead of refusing it");
  described.add(follow);
  if (idle_timeout) {
    po::options_description cancelling("Ending tails early (beyond/task_group)");
    cancelling.add_options()("idle-timeout", po::value(&idle_seconds),
                             "a tail whose input gets no new data for this many seconds ends (default: never)");
    described.add(cancelling);
  }

  po::options_description hidden;
  hidden.add_options()("input", po::value<std::vector<std::string>>(), "input file");
  po::options_description all;
  all.add(described).add(hidden);
  po::positional_options_description positional;
  positional.add("input", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (vm.count("help") != 0) {
    out << "Usage: " << (argc > 0 ? argv[0] : "stage") << " [options]\n"
        << "       " << (argc > 0 ? argv[0] : "stage") << " --follow FILE... --output PATH [options]\n\n"
        << described;
    return std::nullopt;
  }

  require(options.files >= 1, "--files", "must be at least 1", options.files);
  require(options.lines >= 0, "--lines", "must not be negative", options.lines);
  // Below a millisecond, idle tails would only burn CPU looking again and again.
  require(interval >= 0.001 && interval <= 60, "--interval", "must be between 0.001 and 60 seconds", interval);
  require(write_interval >= 0 && write_interval <= 60, "--write-interval", "must be between 0 and 60 seconds",
          write_interval);
  require(options.slow_threshold_ms >= 1, "--slow-threshold", "must be at least 1 millisecond",
          options.slow_threshold_ms);
  require(options.slow_write_ms >= 0 && options.slow_write_ms <= 60000, "--slow-write",
          "must be between 0 and 60000 milliseconds", options.slow_write_ms);
  options.interval = Seconds(interval);
  if (vm.count("idle-timeout") != 0) {
    require(idle_seconds >= 0.001 && idle_seconds <= 86400, "--idle-timeout", "must be between 0.001 and 86400 seconds",
            idle_seconds);
    options.idle_timeout = Seconds(idle_seconds);
  }
  options.write_interval = Seconds(write_interval);
  if (vm.count("seed") == 0) {
    options.seed = std::random_device{}();
  } else {
    // Parsed here: program_options would turn "-1" into 2^64-1 without a word.
    const auto [end, error] = std::from_chars(seed.data(), seed.data() + seed.size(), options.seed);
    if (seed.empty() || error != std::errc() || end != seed.data() + seed.size()) {
      throw UsageError("--seed: must be a whole number from 0 to 18446744073709551615 (got " + seed + ")");
    }
  }
  if (vm.count("input") != 0) {
    if (!options.follow) {
      throw UsageError("input files are only taken with --follow (got " +
                       vm["input"].as<std::vector<std::string>>()[0] + ")");
    }
    for (const auto& input : vm["input"].as<std::vector<std::string>>()) {
      options.inputs.emplace_back(input);
    }
  }
  if (options.follow && options.inputs.empty()) {
    throw UsageError("--follow: no input files given");
  }
  if (options.follow && output.empty()) {
    throw UsageError("--follow: --output is required");
  }
  if ((options.from_end || options.append) && !options.follow) {
    throw UsageError(std::string(options.from_end ? "--from-end" : "--append") + ": only with --follow");
  }
  if (!output.empty()) {
    options.output = output;
    // With --follow the output is checked against the inputs first (see stage_main.cpp).
    check_output_path("--output", options.output, options.append || options.follow, options.follow);
  }
  if (!trace.empty()) {
    options.trace = trace;
    check_output_path("--trace", options.trace, true);
  }
  if (!stats.empty()) {
    options.stats = stats;
    check_output_path("--stats", options.stats, true);
  }
  require(hold >= 0 && hold <= 3600, "--hold", "must be between 0 and 3600 seconds", hold);
  options.hold = Seconds(hold);
  if (!inputs_dir.empty()) {
    options.inputs_dir = inputs_dir;
    std::error_code ec;
    if (std::filesystem::exists(options.inputs_dir, ec) && (!std::filesystem::is_directory(options.inputs_dir, ec) ||
                                                            !std::filesystem::is_empty(options.inputs_dir, ec))) {
      throw UsageError("--inputs-dir " + inputs_dir + ": must be a new or empty directory");
    }
  }
  return options;
}

void check_output_path(const char* option, const std::filesystem::path& path, bool may_exist, bool may_be_stream) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string name = option + (" " + path.string());
  if (fs::is_directory(path, ec)) {
    throw UsageError(name + ": is a directory");
  }
  if (struct stat st{}; ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (!may_be_stream) {
      throw UsageError(name + ": not a regular file (what is written there could not be checked or read back)");
    }
    if (S_ISFIFO(st.st_mode)) {
      // Opened without a reader, a FIFO would block the run in open().
      const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) {
        throw UsageError(name + ": a FIFO that nobody reads");
      }
      ::close(fd);
    } else if (!S_ISCHR(st.st_mode)) {
      throw UsageError(name + ": not a regular file, a FIFO or a device");
    }
  }
  const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (!fs::is_directory(parent, ec)) {
    throw UsageError(name + ": directory " + parent.string() + " does not exist");
  }
  if (!may_exist && fs::is_regular_file(path, ec)) {
    throw UsageError(name + ": already exists (add --append to add to it)");
  }
  if (fs::exists(path, ec) ? ::access(path.c_str(), W_OK) != 0 : ::access(parent.c_str(), W_OK) != 0) {
    throw UsageError(name + ": permission denied");
  }
  // access() says yes to root almost everywhere: what the run will do at its
  // end is tried now instead, rather than fail after the whole run.
  if (!fs::exists(path, ec)) {
    // Creating a file there (a scratch file, removed at once).
    std::string scratch = (parent / ("." + path.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkstemp(scratch.data());
    if (fd < 0) {
      throw UsageError(name + ": cannot create files in " + parent.string() + " (" + std::strerror(errno) + ")");
    }
    ::close(fd);
    ::unlink(scratch.c_str());
  }
#ifdef __linux__
  else if (struct statfs fs_info{}; fs::is_regular_file(path, ec) && ::statfs(path.c_str(), &fs_info) == 0 &&
                                    (fs_info.f_type == PROC_SUPER_MAGIC || fs_info.f_type == SYSFS_MAGIC)) {
    // /proc and /sys take an open() for writing, then fail the write.
    throw UsageError(name + ": a file of the kernel's (/proc, /sys), not one to write to");
  }
#endif
}

} // namespace common
