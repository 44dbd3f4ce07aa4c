#include "simulation.hpp"

#include "common/probe/probe.hpp"
#include "common/system/posix_io.hpp"
#include "common/system/thread_name.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <stdexcept>
#include <sys/resource.h>
#include <unistd.h>

namespace common {

namespace fs = std::filesystem;

namespace {

// A distinct, reproducible random stream per input file. std::seed_seq and
// mt19937_64 are fully specified by the standard, so a seed gives the same
// lines with every compiler (the std:: distributions are not, hence the
// arithmetic below).
std::uint64_t file_seed(std::uint64_t seed, std::size_t index) {
  std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                         static_cast<std::uint32_t>(index)};
  std::array<std::uint64_t, 1> out{};
  sequence.generate(out.begin(), out.end());
  return out[0];
}

fs::path make_temporary_directory() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = (fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") / "tail-merge-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw io_error(pattern, "cannot create a temporary directory", errno);
  }
  return pattern;
}

} // namespace

void write_random_data(const fs::path& path, int write_count, Seconds interval, std::uint64_t seed) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    throw io_error(path, "cannot open for writing", errno);
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  std::mt19937_64 random(seed);
  std::string pending;
  for (int i = 0; i < write_count; ++i) {
    if (interval.count() > 0) {
      const double fraction = static_cast<double>(random() >> 11) * 0x1.0p-53; // [0, 1)
      boost::this_thread::sleep_for(boost::chrono::duration<double>(fraction * interval.count()));
    }
    std::array<char, 16> index{};
    std::snprintf(index.data(), index.size(), "%02d", i);
    std::string line = path.string() + '-' + index.data() + '-';
    for (int k = 0; k < 10; ++k) {
      line += static_cast<char>('a' + random() % 26);
    }
    line += '\n';
    if (interval.count() > 0) {
      probe::Span span(probe::Event::append, line); // --stats: when the line left its writer
      write_all(fd, path, line);                    // flushed at once: a reader may be waiting for it
    } else {
      pending += line;
      if (pending.size() >= 64 * 1024) {
        write_all(fd, path, pending);
        pending.clear();
      }
    }
  }
  write_all(fd, path, pending);
}

Setup::Setup(const Simulation& options) {
  // A handle per input, and a descriptor per writer while it writes.
  reserve_descriptors(static_cast<std::size_t>(options.files), options.prefill ? 1 : 2,
                      "--files " + std::to_string(options.files));
  if (options.inputs_dir.empty()) {
    directory_ = make_temporary_directory();
  } else {
    directory_ = options.inputs_dir;
    remove_directory_ = false;
    std::error_code ec;
    std::filesystem::create_directories(directory_, ec);
    if (ec) {
      throw std::runtime_error(directory_.string() + ": cannot create the directory: " + ec.message());
    }
  }
  try {
    output_path_ = options.output.empty() ? directory_ / "merged" : options.output;
    for (int i = 0; i < options.files; ++i) {
      // Create every file before any reader opens it, as the book does.
      input_paths_.push_back(directory_ / std::to_string(i));
      const int fd = ::open(input_paths_.back().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) {
        throw io_error(input_paths_.back(), "cannot create", errno);
      }
      ::close(fd);
    }
    for (const auto& path : input_paths_) {
      handles_.push_back(open_input(path));
    }
    if (options.before_writers) {
      options.before_writers(input_paths_);
    }
    start_write_threads(options);
  } catch (...) {
    stop_writers_and_wait();
    if (remove_directory_) {
      std::error_code ignored;
      fs::remove_all(directory_, ignored);
    }
    throw;
  }
}

void Setup::start_write_threads(const Simulation& options) {
  errors_.resize(input_paths_.size());
  closed_at_.resize(input_paths_.size(), std::chrono::steady_clock::now());
  for (std::size_t i = 0; i < input_paths_.size(); ++i) {
    const std::uint64_t seed = file_seed(options.seed, i);
    if (options.prefill) {
      write_random_data(input_paths_[i], options.lines, Seconds(0), seed);
      handles_[i]->close();
      continue;
    }
    writers_.emplace_back(
        [this, i, seed, lines = options.lines, interval = options.write_interval, hold = options.hold] {
          set_thread_name("sim-" + std::to_string(i));
          try {
            write_random_data(input_paths_[i], lines, interval, seed);
            // --hold: the file stays open, with nothing new in it (the idle run)
            boost::this_thread::sleep_for(boost::chrono::duration<double>(hold.count()));
          } catch (const boost::thread_interrupted&) {
            // Stopped by ~Setup after an error elsewhere: not an error of its own.
          } catch (...) {
            errors_[i] = std::current_exception();
          }
          closed_at_[i] = std::chrono::steady_clock::now();
          handles_[i]->close(); // whatever happened, this file gets no more data
        });
  }
}

void Setup::join_writers() {
  for (auto& writer : writers_) {
    if (writer.joinable()) {
      writer.join();
    }
  }
  for (const auto& error : errors_) {
    if (error) {
      std::rethrow_exception(error);
    }
  }
}

std::chrono::steady_clock::time_point Setup::last_close() const {
  return *std::max_element(closed_at_.begin(), closed_at_.end());
}

void Setup::stop_writers() {
  for (auto& writer : writers_) {
    writer.interrupt(); // ends its sleep: see write_random_data
  }
}

void Setup::stop_writers_and_wait() {
  stop_writers();
  for (auto& writer : writers_) {
    if (writer.joinable()) {
      writer.join();
    }
  }
}

Setup::~Setup() {
  stop_writers_and_wait();
  handles_.clear();
  if (remove_directory_) {
    std::error_code ignored;
    fs::remove_all(directory_, ignored);
  }
}

} // namespace common
