#include "claims.hpp"

#include "common/input.hpp"
#include "common/output.hpp"
#include "common/probe/probe.hpp"
#include "common/system/inotify.hpp"
#include "hints.hpp"
#include "merge_harness.hpp"
#include "support/files.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <sstream>
#include <sys/resource.h>
#include <vector>

namespace tests {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Polls `condition` until it holds or `patience` is used up; says which.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

common::Handles open_inputs(const std::vector<fs::path>& paths) {
  common::Handles handles;
  for (const auto& path : paths) {
    handles.push_back(common::open_input(path));
  }
  return handles;
}

// Runs `merge` on a thread of its own, as the shared main runs it on the
// main thread; the test thread meanwhile plays the files' writers.
class Runner {
public:
  Runner(const common::MergeFunction& merge, const common::Handles& handles, common::Seconds interval,
         const fs::path& output)
      : thread_([=, this] {
          try {
            merge(handles, interval, output);
          } catch (const std::exception& e) {
            error_ = e.what();
            failed_ = true;
          } catch (...) {
            error_ = "an exception that is not a std::exception";
            failed_ = true;
          }
          ended_ = true;
        }) {}
  ~Runner() {
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Waits for the merge to end, at most `limit`, then ends the program with `hint`.
  void join(std::chrono::seconds limit, const std::string& hint) {
    HangGuard guard(limit, hint);
    thread_.join();
  }
  bool failed() const { return failed_; }
  bool ended() const { return ended_; }
  const std::string& error() const { return error_; }

private:
  std::string error_;
  std::atomic<bool> ended_ = false;
  bool failed_ = false;
  std::thread thread_;
};

} // namespace

HangGuard::HangGuard(std::chrono::seconds limit, std::string hint)
    : watch_([this, limit, hint = std::move(hint)] {
        std::unique_lock lock(mutex_);
        if (!done_.wait_for(lock, limit, [this] { return ended_; })) {
          std::printf("hint: %s\n", hint.c_str());
          std::fflush(stdout);
          std::_Exit(3); // the merge's threads still run: nothing can be cleaned up
        }
      }) {}

HangGuard::~HangGuard() {
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
  }
  done_.notify_one();
  watch_.join();
}

namespace {

struct IdleRun {
  bool merged;                               // the line reached the output while the others stayed open
  common::debug::Milliseconds longest_stall; // the longest time an event loop was held (0: no loop)
  common::debug::Milliseconds held;          // how long the loops were held in all, summed over them
  common::debug::Milliseconds took;          // how long the run took
};

// Follows an empty input for each of `names` in a new directory, appends
// `line` to the one named `busy`, and says whether the line was merged
// within `limit`. The other inputs stay open and idle `linger` longer, then
// every input is closed and the merge must end.
bool append_while_others_idle(const common::MergeFunction& merge, const std::vector<std::string>& names,
                              const std::string& busy, const std::string& line, std::chrono::seconds limit,
                              std::chrono::milliseconds linger) {
  TempDir dir;
  std::vector<fs::path> paths;
  for (const auto& name : names) {
    paths.push_back(dir.path / name);
    write_file(paths.back(), "");
  }
  const auto handles = open_inputs(paths);
  const auto output = dir.path / "merged";
  // Every line reaches the file at once, as in follow mode.
  common::set_output_line_buffered(true);
  // A poll interval long enough that a thread sleeping it on a loop shows.
  Runner runner(merge, handles, common::Seconds(0.3), output);
  append(dir.path / busy, line);
  const bool merged = eventually([&] { return read_file(output).find(line) != std::string::npos; }, limit);
  std::this_thread::sleep_for(linger);
  for (const auto& handle : handles) {
    handle->close();
  }
  runner.join(20s, text("hung_after_close"));
  common::set_output_line_buffered(false);
  CHECK_MESSAGE(!runner.failed(), hint("merge_failed", runner.error()));
  return merged;
}

IdleRun merge_while_others_idle(const common::MergeFunction& merge) {
  // Every loop is watched as by --debug (the threshold keeps it quiet), and
  // every readline takes 200 ms, so that a loop that waits for one is held
  // that long.
  common::debug::configure(
      {true, common::debug::Milliseconds(60'000), {}, "test", {}, common::debug::Milliseconds(200)});
  const auto start = std::chrono::steady_clock::now();
  // The idle inputs stay open 500 ms after the line is merged: where each
  // tail has a loop of its own (stage 4), a wait that blocks one shows only
  // as that loop's stall.
  const bool merged = append_while_others_idle(merge, {"idle-1", "busy", "idle-2"}, "busy",
                                               "appended while the other inputs stay open and idle\n", 3s, 500ms);
  const auto stall = common::debug::longest_stall();
  const auto held = common::debug::total_held();
  const auto took = std::chrono::duration_cast<common::debug::Milliseconds>(std::chrono::steady_clock::now() - start);
  common::debug::configure({});
  return {merged, stall.value_or(common::debug::Milliseconds(0)), held, took};
}

// A hundred followed inputs, more than a pool of any fixed size a tail
// might be given, all open and idle: a line appended to the last one must be
// merged, so every tail is running (no slow reads here: only the start of
// every tail is in question). Whether it was merged within 5 s.
bool merge_one_of_many(const common::MergeFunction& merge) {
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) {
    names.push_back(std::to_string(i));
  }
  return append_while_others_idle(merge, names, names.back(), "appended to the last of a hundred inputs\n", 5s, 0ms);
}

struct FailedRun {
  std::string error;     // what the merge threw; empty if it returned
  std::string bad_input; // the failing input's path
  bool others_kept;      // every line of the other two inputs is in the output
  bool own_kept;         // every line the failing input held before its error is in the output
};

FailedRun merge_with_one_failing(const common::MergeFunction& merge) {
  TempDir dir;
  const std::vector<fs::path> paths{dir.path / "good-1", dir.path / "bad", dir.path / "good-2"};
  std::map<fs::path, std::string> lines;
  for (const auto& path : paths) {
    // The failing input is short, so its tail fails while the others still
    // have most of their lines to merge: cancelling them loses those.
    const int count = path == paths[1] ? 20 : 2000;
    std::ostringstream text;
    for (int i = 0; i < count; ++i) {
      text << path.filename().string() << "-" << i << "\n";
    }
    lines[path] = text.str();
    write_file(path, lines[path]);
  }
  const auto handles = open_inputs(paths);
  // The open handle's file is gone from its path, and a directory is there:
  // its tail reads what the old file held, then fails.
  fs::remove(paths[1]);
  fs::create_directory(paths[1]);
  for (const auto& handle : handles) {
    handle->close(); // nothing more comes: every tail that works ends
  }
  const auto output = dir.path / "merged";
  Runner runner(merge, handles, common::Seconds(0.01), output);
  runner.join(5s, text("hung_after_error"));
  const std::string merged = read_file(output);
  const auto kept = [&](const fs::path& path) {
    std::istringstream in(lines[path]);
    bool all = true;
    for (std::string line; std::getline(in, line);) {
      all = all && merged.find(line + "\n") != std::string::npos;
    }
    return all;
  };
  return {runner.failed() ? runner.error() : std::string(), paths[1].string(), kept(paths[0]) && kept(paths[2]),
          kept(paths[1])};
}

} // namespace

void check_tails_run_at_once(const common::MergeFunction& merge, const AtOnceHints& hints) {
  const auto run = merge_while_others_idle(merge);
  const bool never_held_long = run.longest_stall.count() < 150;
  // Short naps add up: a loop that polls by sleeping is held most of the time.
  const bool held_little = run.held.count() * 4 < run.took.count();
  CHECK_MESSAGE(never_held_long, hint("held_once", hints.blocked, run.longest_stall.count(), hints.why_blocked));
  CHECK_MESSAGE(held_little, hint("held_in_all", hints.blocked, run.held.count(), run.took.count(), hints.why_blocked));
  CHECK_MESSAGE(run.merged, hint("one_after_another", hints.start_all));
  // Only where three tails ran at once: a loop blocked by each idle tail
  // would take a hundred times as long, and its hint is given above.
  if (run.merged && never_held_long && held_little) {
    CHECK_MESSAGE(merge_one_of_many(merge), hint("not_every_tail_started", hints.start_all));
  }
}

void check_first_error_reaches_caller(const common::MergeFunction& merge, const std::string& function,
                                      const std::string& how, const std::string& and_then) {
  const auto run = merge_with_one_failing(merge);
  CHECK_MESSAGE(
      run.error.find(run.bad_input) != std::string::npos,
      hint("error_lost", function, run.error.empty() ? text("returned_as_if_fine") : text("threw", run.error), how));
  CHECK_MESSAGE(run.others_kept, hint("others_lost", and_then));
  CHECK_MESSAGE(run.own_kept, hint("failed_input_lines_lost"));
}

namespace {

// Three inputs of 100 short lines, already closed: one read brings all of an
// input's lines into memory, so from then on each tail always has a line.
common::Handles short_line_inputs(const fs::path& dir) {
  std::vector<fs::path> paths;
  for (int i = 0; i < 3; ++i) {
    paths.push_back(dir / std::to_string(i));
    std::string text;
    for (int j = 0; j < 100; ++j) {
      text += std::to_string(i) + ":" + std::to_string(j) + "\n";
    }
    write_file(paths.back(), text);
  }
  auto handles = open_inputs(paths);
  for (const auto& handle : handles) {
    handle->close();
  }
  return handles;
}

} // namespace

namespace {

// The CPU time this process has used so far, every thread's, in seconds.
double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

} // namespace

void check_idle_inputs_keep_no_core_busy(const common::MergeFunction& merge) {
  TempDir dir;
  const std::vector<fs::path> paths{dir.path / "a", dir.path / "b", dir.path / "c"};
  for (const auto& path : paths) {
    write_file(path, "");
  }
  // Inotify off for these handles, as on a file system it cannot watch: a
  // wait then lasts the interval it is given, and nothing else wakes it.
  ::setenv("TAIL_MERGE_NO_INOTIFY", "1", 1);
  const auto handles = open_inputs(paths);
  ::unsetenv("TAIL_MERGE_NO_INOTIFY");
  Runner runner(merge, handles, common::Seconds(0.05), dir.path / "merged");
  // The tails start, then a second of nothing to read is measured: the
  // test's own threads sleep meanwhile, so the CPU time is the merge's.
  std::this_thread::sleep_for(200ms);
  const double cpu_before = process_cpu_seconds();
  const auto before = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(1s);
  const double share = (process_cpu_seconds() - cpu_before) /
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count();
  for (const auto& handle : handles) {
    handle->close();
  }
  runner.join(20s, text("hung_after_close"));
  CHECK_MESSAGE(!runner.failed(), hint("merge_failed", runner.error()));
  CHECK_MESSAGE(share < 0.25, hint("idle_busy", static_cast<int>(share * 100)));
}

void check_tail_wakes(const common::MergeFunction& merge) {
  TempDir dir;
  const auto path = dir.path / "in";
  write_file(path, "in the file before the merge\n");
  const auto handles = open_inputs({path});
  const auto output = dir.path / "merged";
  common::set_output_line_buffered(true);
  // An interval no check waits for: whatever comes within seconds came
  // because the tail looked, or was woken.
  Runner runner(merge, handles, common::Seconds(60), output);
  const auto merged = [&](const std::string& line) {
    return eventually([&] { return read_file(output).find(line) != std::string::npos; }, 10s);
  };
  CHECK_MESSAGE(merged("in the file before the merge\n"), hint("waited_before_reading"));
  if (common::inotify::built_in()) { // elsewhere nothing but the interval ends a wait
    append(path, "appended while the tail waits\n");
    CHECK_MESSAGE(merged("appended while the tail waits\n"), hint("not_woken_by_change"));
  }
  handles[0]->close();
  runner.join(10s, text("not_woken_by_close"));
  common::set_output_line_buffered(false);
  CHECK_MESSAGE(!runner.failed(), hint("merge_failed", runner.error()));
}

void check_removed_input_is_drained(const common::MergeFunction& merge) {
  TempDir dir;
  const std::vector<fs::path> paths{dir.path / "removed", dir.path / "kept"};
  for (const auto& path : paths) {
    for (int i = 0; i < 50; ++i) {
      append(path, path.filename().string() + "-" + std::to_string(i) + "\n");
    }
  }
  const auto handles = open_inputs(paths);
  // Gone from its path, as a log rotated away is: the open handle still
  // holds the file, and readline reads what it held.
  fs::remove(paths[0]);
  for (const auto& handle : handles) {
    handle->close(); // nothing more comes
  }
  const auto output = dir.path / "merged";
  Runner runner(merge, handles, common::Seconds(0.01), output);
  runner.join(20s, text("hung_after_close"));
  CHECK_MESSAGE(!runner.failed(), hint("merge_failed", runner.error()));
  const std::string merged = read_file(output);
  CHECK_MESSAGE(merged.find("removed-49\n") != std::string::npos, hint("removed_input_lost"));
  CHECK_MESSAGE(std::count(merged.begin(), merged.end(), '\n') == 100, hint("lines_missing"));
}

void check_write_error_ends_merge(const common::MergeFunction& merge, const std::string& hint) {
  TempDir dir;
  const auto path = dir.path / "in";
  write_file(path, "a line the output cannot take\n");
  const auto handles = open_inputs({path});
  common::set_output_line_buffered(true); // the write fails at once, not at the close
  Runner runner(merge, handles, common::Seconds(0.01), "/dev/full");
  const bool ended = eventually([&] { return runner.ended(); }, 5s);
  handles[0]->close(); // a tail that read on now ends too
  // One that never learned of the error may wait for it for ever.
  runner.join(20s, text("write_error_read_on", hint));
  common::set_output_line_buffered(false);
  CHECK_MESSAGE((ended && runner.error().find("/dev/full: cannot write") != std::string::npos),
                tests::hint("write_error_read_on", hint));
}

void check_each_write_awaited(const common::MergeFunction& merge, const std::string& hint) {
  std::mutex mutex;
  std::condition_variable read_began;
  int reads = 0;       // readlines and buffered_lines begun
  bool held = false;   // the first write has been held
  int reads_ahead = 0; // begun beyond the read of the first line, until its write ended
  common::probe::set_observer([&](common::probe::Event event, bool begin) {
    using common::probe::Event;
    if (begin && (event == Event::readline || event == Event::buffered_line)) {
      std::lock_guard lock(mutex);
      ++reads;
      read_began.notify_all();
    } else if (begin && event == Event::write) {
      std::unique_lock lock(mutex);
      if (!std::exchange(held, true)) {
        read_began.wait_for(lock, 2s, [&] { return reads > 1; });
        reads_ahead = reads - 1;
      }
    }
  });
  struct Unobserve {
    ~Unobserve() { common::probe::set_observer(nullptr); }
  } unobserve;
  check_merge({1, 3, 0, true, 0.01}, merge);
  CHECK(held);
  CHECK_MESSAGE(reads_ahead == 0, tests::hint("read_ahead", hint));
}

namespace {

// A write to a slow output: it suspends a while before the line is written.
int lines_written = 0;
awaitable<void> slow_write(std::string) {
  co_await asyncio::sleep(common::Seconds(0.005));
  ++lines_written;
}

} // namespace

void check_tail_awaits_each_write(const TailAsync& tail_async) {
  constexpr int lines = 20;
  TempDir dir;
  std::string text;
  for (int i = 0; i < lines; ++i) {
    text += "line " + std::to_string(i) + "\n";
  }
  write_file(dir.path / "input", text);
  const auto handle = common::open_input(dir.path / "input");
  handle->close(); // read to its end, then done
  lines_written = 0;
  int written_at_return = -1;
  asyncio::run([](const TailAsync& tail_async, common::Handle handle, int& written_at_return) -> awaitable<void> {
    co_await tail_async(std::move(handle), common::Seconds(0.01), slow_write);
    written_at_return = lines_written;
  }(tail_async, handle, written_at_return));
  CHECK_MESSAGE(written_at_return == lines, tests::hint("write_not_awaited", written_at_return, lines));
}

namespace {

// Merges the short-line inputs with 2 ms writes, watched by --debug or not;
// returns the merged output. By the end of the first write, every tail has
// read its lines into memory.
std::string merge_short_lines(const common::MergeFunction& merge, bool watch) {
  TempDir dir;
  common::debug::configure({watch, common::debug::Milliseconds(60'000), common::debug::Milliseconds(2), "test"});
  merge(short_line_inputs(dir.path), common::Seconds(0.01), dir.path / "merged");
  return read_file(dir.path / "merged");
}

} // namespace

common::debug::Milliseconds longest_hold(const common::MergeFunction& merge) {
  merge_short_lines(merge, true);
  const auto stall = common::debug::longest_stall().value_or(common::debug::Milliseconds(0));
  common::debug::configure({});
  return stall;
}

std::size_t longest_run(const common::MergeFunction& merge) {
  std::istringstream merged(merge_short_lines(merge, false));
  common::debug::configure({});
  std::size_t longest = 0;
  std::size_t run = 0;
  std::string previous;
  for (std::string line; std::getline(merged, line);) {
    const auto input = line.substr(0, line.find(':'));
    run = input == previous ? run + 1 : 1;
    longest = std::max(longest, run);
    previous = input;
  }
  return longest;
}

} // namespace tests
