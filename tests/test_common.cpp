// common/: readline and the input handle, confirm_merge, the simulation,
// the output file and the command line.
#include "common/asyncio.hpp"
#include "common/confirm_merge.hpp"
#include "common/input.hpp"
#include "common/instrument/latency.hpp"
#include "common/output.hpp"
#include "common/probe/probe.hpp"
#include "common/program/options.hpp"
#include "common/program/shutdown.hpp"
#include "common/program/stage_main.hpp"
#include "common/simulation.hpp"
#include "common/system/inotify.hpp"
#include "common/system/process.hpp"
#include "fuzz/readline_model.hpp"
#include "support/files.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <doctest/doctest.h>
#include <fstream>
#include <functional>
#include <future>
#include <regex>
#include <sstream>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
using tests::append;
using tests::read_file;
using tests::TempDir;
using tests::write_file;

namespace {

bool no_new_data(const common::Handle& handle) {
  try {
    common::readline(handle);
  } catch (const common::NoNewData&) {
    return true;
  }
  return false;
}

} // namespace

TEST_CASE("readline: an empty file has no new data") {
  TempDir dir;
  write_file(dir.path / "in", "");
  auto handle = common::open_input(dir.path / "in");
  CHECK(no_new_data(handle));
  CHECK_FALSE(handle->closed());
}

TEST_CASE("readline: returns complete lines in order, with their newline") {
  TempDir dir;
  write_file(dir.path / "in", "one\ntwo\n");
  auto handle = common::open_input(dir.path / "in");
  CHECK(common::readline(handle) == "one\n");
  CHECK(common::readline(handle) == "two\n");
  CHECK(no_new_data(handle));
  append(dir.path / "in", "three\n");
  CHECK(common::readline(handle) == "three\n");
}

TEST_CASE("readline: a partial line waits for its newline") {
  TempDir dir;
  write_file(dir.path / "in", "par");
  auto handle = common::open_input(dir.path / "in");
  CHECK(no_new_data(handle));
  append(dir.path / "in", "tial");
  CHECK(no_new_data(handle));
  append(dir.path / "in", " line\nnext");
  CHECK(common::readline(handle) == "partial line\n");
  CHECK(no_new_data(handle));
}

TEST_CASE("readline: a 1 MiB line arrives whole") {
  TempDir dir;
  std::string line(1 << 20, 'x');
  for (std::size_t i = 0; i < line.size(); i += 4099) {
    line[i] = static_cast<char>('a' + i % 26);
  }
  line += '\n';
  write_file(dir.path / "in", line.substr(0, 300000));
  auto handle = common::open_input(dir.path / "in");
  CHECK(no_new_data(handle));
  append(dir.path / "in", line.substr(300000));
  append(dir.path / "in", "short\n");
  CHECK(common::readline(handle) == line);
  CHECK(common::readline(handle) == "short\n");
}

TEST_CASE("readline: a line of max_line_length bytes passes; one byte more is an error naming file and offset") {
  TempDir dir;
  const std::string longest = std::string(common::max_line_length - 1, 'x') + "\n";
  write_file(dir.path / "in", "first\n" + longest + "x" + longest);
  auto handle = common::open_input(dir.path / "in");
  CHECK(common::readline(handle) == "first\n");
  CHECK(common::readline(handle) == longest);
  const std::string error = (dir.path / "in").string() + ": the line at byte " + std::to_string(6 + longest.size()) +
                            " is longer than 64 MiB, the longest line this program takes";
  CHECK_THROWS_WITH(common::readline(handle), error.c_str());
}

TEST_CASE("readline: the longest line passes also when it arrives without its newline first") {
  TempDir dir;
  const std::string longest(common::max_line_length - 1, 'x'); // with its newline, max_line_length bytes
  write_file(dir.path / "in", longest);
  auto handle = common::open_input(dir.path / "in");
  CHECK(no_new_data(handle)); // unfinished, and not too long: its newline may still come
  append(dir.path / "in", "\n");
  CHECK(common::readline(handle) == longest + "\n");
}

TEST_CASE("output file: after a write error nothing more is written, and the file keeps its whole lines") {
  TempDir dir;
  const auto path = dir.path / "out";
  common::OutputFile output(path);
  output.write("whole\n");
  output.close();
  // A file size limit (ulimit -f) fails a write part-way, as a full disk does.
  common::set_output_append(true);
  rlimit old{};
  ::getrlimit(RLIMIT_FSIZE, &old);
  const rlimit small{100, old.rlim_max};
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  std::signal(SIGXFSZ, SIG_IGN);
  int errors = 0;
  std::string message;
  bool called = false;
  common::set_output_error_handler([&] { called = true; });
  {
    common::OutputFile more(path);
    for (int i = 0; i < 30000; ++i) { // past the 64 KiB buffer
      try {
        more.write("0123456789\n");
      } catch (const std::runtime_error& e) {
        message = e.what();
        ++errors;
      }
    }
    CHECK_THROWS(more.close());
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, SIG_DFL);
  common::set_output_error_handler(nullptr);
  common::set_output_append(false);
  CHECK(called);
  CHECK(errors > 20000); // every write after the first error throws at once, the same error
  CHECK(message == path.string() + ": cannot write: File too large");
  // The first flush (64 KiB) got 94 bytes in, part of a line: cut off again.
  CHECK(read_file(path) == "whole\n");
}

namespace {

using Clock = std::chrono::steady_clock;

// A handle on a new empty file that readline() has just looked at.
common::Handle looked_at(const fs::path& path) {
  write_file(path, "");
  auto handle = common::open_input(path);
  REQUIRE(no_new_data(handle));
  return handle;
}

// Runs `change` on a thread of its own 50 ms from now.
std::thread soon(std::function<void()> change) {
  return std::thread([change = std::move(change)] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    change();
  });
}

} // namespace

TEST_CASE("wait_for_data: an append ends the wait at once, not at the end of the interval") {
  if (!common::inotify::built_in()) { // the wait lasts its interval: the TAIL_MERGE_NO_INOTIFY case below
    MESSAGE("not checked: this build has no inotify");
    return;
  }
  TempDir dir;
  auto handle = looked_at(dir.path / "in");
  const auto start = Clock::now();
  auto writer = soon([&] { append(dir.path / "in", "new\n"); });
  common::wait_for_data(handle, common::Seconds(60)); // inotify wakes it
  writer.join();
  CHECK(Clock::now() - start < std::chrono::seconds(10));
  CHECK(common::readline(handle) == "new\n");
  // A readline sees every wake before it: with nothing new, a wait after it
  // goes on (until close() here), else an idle tail would look again and
  // again, a core busy. (The append's last inotify events may still end a
  // wait or two.)
  bool waited = false;
  for (int look = 0; look < 5 && !waited; ++look) {
    CHECK_THROWS_AS(common::readline(handle), common::NoNewData);
    std::atomic<bool> returned{false};
    std::thread waiter([&] {
      common::wait_for_data(handle, common::Seconds(60));
      returned = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    waited = !returned;
    if (waited) {
      handle->close(); // ends the wait
    }
    waiter.join();
  }
  CHECK_MESSAGE(waited, "every wait after the wake ended at once, with nothing new to read");
}

TEST_CASE("wait_for_data: close() ends the wait at once; a drained handle does not wait at all") {
  TempDir dir;
  auto handle = looked_at(dir.path / "in");
  const auto start = Clock::now();
  auto closer = soon([&] { handle->close(); });
  common::wait_for_data(handle, common::Seconds(60));
  closer.join();
  CHECK(no_new_data(handle)); // drains
  CHECK(handle->closed());
  common::wait_for_data(handle, common::Seconds(60));
  CHECK(Clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("wait_for_data: a change that came before the wait is not missed") {
  TempDir dir;
  auto handle = looked_at(dir.path / "in");
  append(dir.path / "in", "early\n");
  handle->wake(); // as the watcher would, between readline() and the wait
  const auto start = Clock::now();
  common::wait_for_data(handle, common::Seconds(60));
  CHECK(Clock::now() - start < std::chrono::seconds(10));
  CHECK(common::readline(handle) == "early\n");
}

TEST_CASE("asyncio::wait_for_data: the coroutine's wait ends at an append or a close, on its own loop") {
  if (!common::inotify::built_in()) { // the wait lasts its interval: the TAIL_MERGE_NO_INOTIFY case below
    MESSAGE("not checked: this build has no inotify");
    return;
  }
  TempDir dir;
  auto handle = looked_at(dir.path / "in");
  const auto start = Clock::now();
  auto writer = soon([&] { append(dir.path / "in", "new\n"); });
  asyncio::run(asyncio::wait_for_data(handle, common::Seconds(60)));
  writer.join();
  CHECK(common::readline(handle) == "new\n");
  CHECK_THROWS_AS(common::readline(handle), common::NoNewData);
  auto closer = soon([&] { handle->close(); });
  asyncio::run(asyncio::wait_for_data(handle, common::Seconds(60)));
  closer.join();
  CHECK(Clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("wait_for_data: with TAIL_MERGE_NO_INOTIFY=1 the tail polls: the wait lasts its interval") {
  ::setenv("TAIL_MERGE_NO_INOTIFY", "1", 1);
  TempDir dir;
  auto handle = looked_at(dir.path / "in");
  ::unsetenv("TAIL_MERGE_NO_INOTIFY");
  const auto start = Clock::now();
  auto writer = soon([&] { append(dir.path / "in", "new\n"); });
  common::wait_for_data(handle, common::Seconds(0.5)); // nothing wakes it but the interval
  writer.join();
  CHECK(Clock::now() - start >= std::chrono::milliseconds(450));
  CHECK(common::readline(handle) == "new\n");
}

TEST_CASE("readline: NUL, CR and high bytes pass through unchanged") {
  TempDir dir;
  const std::string line("a\0b\r\xff\x01z\r\n", 9);
  write_file(dir.path / "in", line);
  auto handle = common::open_input(dir.path / "in");
  CHECK(common::readline(handle) == line);
}

TEST_CASE("readline: after truncation, reading restarts at the beginning") {
  TempDir dir;
  write_file(dir.path / "in", "old line one\nold line two\n");
  auto handle = common::open_input(dir.path / "in");
  CHECK(common::readline(handle) == "old line one\n");
  CHECK(common::readline(handle) == "old line two\n");
  write_file(dir.path / "in", "new\n"); // shorter than what was read
  CHECK(common::readline(handle) == "new\n");
  CHECK(no_new_data(handle));
}

TEST_CASE("readline: close() means drain first, then closed()") {
  TempDir dir;
  write_file(dir.path / "in", "a\nb\nlast without newline");
  auto handle = common::open_input(dir.path / "in");
  CHECK(common::readline(handle) == "a\n");
  handle->close();
  CHECK_FALSE(handle->closed()); // there is still data to deliver
  CHECK(common::readline(handle) == "b\n");
  CHECK(common::readline(handle) == "last without newline\n");
  CHECK_FALSE(handle->closed());
  CHECK(no_new_data(handle));
  CHECK(handle->closed());
}

namespace {

// Runs `act` once, on the reading thread, the next time a readline has read
// to the end of its file (probe::Event::end_of_file): the window in which a
// writer's last line, a rotation or a close comes between the read that found
// nothing and what the readline does next. Each test below fails every time
// on the bug it is about, not only when a thread happens to be slow.
class AtEndOfFile {
public:
  explicit AtEndOfFile(std::function<void()> act) {
    common::probe::set_observer([this, act = std::move(act)](common::probe::Event event, bool begin) {
      if (begin && event == common::probe::Event::end_of_file && !std::exchange(done_, true)) {
        act();
      }
    });
  }
  ~AtEndOfFile() { common::probe::set_observer(nullptr); }
  AtEndOfFile(const AtEndOfFile&) = delete;
  AtEndOfFile& operator=(const AtEndOfFile&) = delete;

private:
  bool done_ = false;
};

// A handle on `in`, which holds `first` and nothing after it, once `first` is read.
common::Handle read_first_line(const fs::path& in, const std::string& first) {
  write_file(in, first);
  auto handle = common::open_input(in);
  CHECK(common::readline(handle) == first);
  return handle;
}

} // namespace

TEST_CASE("readline, paused at the end of the file: the old file's last line comes before a rotation's new file") {
  TempDir dir;
  const auto in = dir.path / "in";
  auto handle = read_first_line(in, "old 1\n");
  AtEndOfFile rotate([&] {
    append(in, "old 2\n"); // the writer's last line, written after the read that found the end
    fs::rename(in, dir.path / "in.1");
    write_file(in, "new 1\n");
  });
  CHECK(common::readline(handle) == "old 2\n");
  CHECK(common::readline(handle) == "new 1\n");
  CHECK(no_new_data(handle));
}

TEST_CASE("readline, paused at the end of the file: a line written just before close() is still read") {
  TempDir dir;
  const auto in = dir.path / "in";
  auto handle = read_first_line(in, "1\n");
  AtEndOfFile close([&] {
    append(in, "2\n"); // the writer's last line, then its close, after the read that found the end
    handle->close();
  });
  CHECK(no_new_data(handle)); // this look began before the close: it is not the drained one
  CHECK_FALSE(handle->closed());
  CHECK(common::readline(handle) == "2\n");
  CHECK(no_new_data(handle));
  CHECK(handle->closed());
}

TEST_CASE("input handle: closing from another thread while it is read loses nothing") {
  TempDir dir;
  write_file(dir.path / "in", "");
  auto handle = common::open_input(dir.path / "in");
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      append(dir.path / "in", std::to_string(i) + "\n");
    }
    handle->close();
  });
  int expected = 0;
  while (!handle->closed()) {
    std::string line;
    try {
      line = common::readline(handle);
    } catch (const common::NoNewData&) {
      std::this_thread::yield();
      continue;
    }
    CHECK(line == std::to_string(expected) + "\n");
    ++expected;
  }
  writer.join();
  CHECK(expected == 2000);
}

TEST_CASE("input handle: a path in a missing directory and a directory are refused by name") {
  TempDir dir;
  CHECK_THROWS_WITH(
      common::open_input(dir.path / "no-dir" / "missing"),
      doctest::Contains(((dir.path / "no-dir" / "missing").string() + ": cannot open for reading").c_str()));
  CHECK_THROWS_WITH(common::open_input(dir.path), doctest::Contains("Is a directory"));
}

TEST_CASE("input handle: a file not there yet is waited for, and read from its start once created") {
  TempDir dir;
  const auto path = dir.path / "later.log";
  const auto handle = common::open_input(path, common::InputHandle::Start::at_end);
  CHECK_THROWS_AS(common::readline(handle), common::NoNewData);
  tests::append(path, "first\nsecond\n");
  CHECK(common::readline(handle) == "first\n");
  CHECK(common::readline(handle) == "second\n");
  handle->close();
  CHECK_THROWS_AS(common::readline(handle), common::NoNewData);
  CHECK(handle->closed());
}

TEST_CASE("input handle: a file closed before it was ever created ends drained") {
  TempDir dir;
  const auto handle = common::open_input(dir.path / "never.log");
  handle->close();
  CHECK_THROWS_AS(common::readline(handle), common::NoNewData);
  CHECK(handle->closed());
}

TEST_CASE("input handle: another reader's bytes (add_read) are handed out as lines, and next_read moves on") {
  TempDir dir;
  const auto path = dir.path / "a.log";
  tests::append(path, "");
  const auto handle = common::open_input(path);
  const auto at = common::next_read(handle);
  CHECK(at.fd >= 0);
  CHECK(at.offset == 0);
  common::add_read(handle, "one\ntw");
  CHECK(common::buffered_line(handle) == "one\n");
  CHECK(common::buffered_line(handle) == std::nullopt);
  common::add_read(handle, "o\n");
  CHECK(common::next_read(handle).offset == 8);
  CHECK(common::buffered_line(handle) == "two\n");
  CHECK_THROWS_WITH(common::add_read(handle, std::string(common::max_line_length + 1, 'x')),
                    doctest::Contains("a.log: the line at byte 8 is longer than 64 MiB"));
}

TEST_CASE("input handle: add_read takes a line of max_line_length bytes, newline included, and refuses one byte more") {
  TempDir dir;
  const auto path = dir.path / "a.log";
  tests::append(path, "");
  const std::string longest = std::string(common::max_line_length - 1, 'x') + "\n";
  const auto handle = common::open_input(path);
  common::add_read(handle, longest + "y"); // more than max_line_length bytes in memory, but the line fits
  CHECK(common::buffered_line(handle) == longest);
  const auto other = common::open_input(path);
  CHECK_THROWS_WITH(common::add_read(other, "x" + longest),
                    doctest::Contains("a.log: the line at byte 0 is longer than 64 MiB"));
}

TEST_CASE("latency: a line counts once its tail follows the file; lines written before its first look do not") {
  common::latency::start({"in/0", "in/1"}, 3);
  common::latency::written("in/0", 0); // before the tail started: a start-up delay, not a wake-up's
  common::latency::looked("in/0");
  common::latency::looked("in/0"); // (only the first look counts)
  common::latency::written("in/0", 1);
  common::latency::written("in/1", 0); // in/1's tail never looked
  common::latency::arrived("in/0-0-abc\n");
  common::latency::arrived("in/0-1-abc\n");
  common::latency::arrived("in/1-0-abc\n");
  common::latency::arrived("not a line of ours\n");
  const auto summary = common::latency::stop();
  CHECK(summary.lines == 1);
  CHECK(summary.median_ms >= 0);
  CHECK_FALSE(common::latency::enabled());
}

TEST_CASE("output file: a full disk is reported when the output is closed") {
  common::OutputFile output("/dev/full");
  output.write("a line that cannot be stored\n");
  CHECK_THROWS_WITH(output.close(), "/dev/full: cannot write: No space left on device");
}

TEST_CASE("output file: a missing directory is reported by name") {
  CHECK_THROWS_WITH(common::OutputFile("/nonexistent/dir/x"),
                    "/nonexistent/dir/x: cannot open for writing: No such file or directory");
}

// confirm_merge on hand-made inputs and outputs.
struct MergeFiles {
  TempDir dir;
  std::vector<fs::path> inputs;
  fs::path output;
  MergeFiles() : output(dir.path / "merged") {
    for (const char* name : {"1", "10", "2"}) {
      inputs.push_back(dir.path / name);
      std::string content;
      for (int i = 0; i < 3; ++i) {
        content += (dir.path / name).string() + "-0" + std::to_string(i) + "-abcdefghij\n";
      }
      write_file(inputs.back(), content);
    }
  }
  std::string line(std::size_t input, int index) const {
    return inputs[input].string() + "-0" + std::to_string(index) + "-abcdefghij\n";
  }
};

TEST_CASE("confirm_merge: an interleaved merge passes") {
  MergeFiles m;
  write_file(m.output, m.line(0, 0) + m.line(1, 0) + m.line(2, 0) + m.line(1, 1) + m.line(0, 1) + m.line(2, 1) +
                           m.line(2, 2) + m.line(1, 2) + m.line(0, 2));
  const auto check = common::confirm_merge(m.inputs, m.output);
  CHECK_MESSAGE(check.ok, check.message);
  CHECK(check.lines == 9);
}

TEST_CASE("confirm_merge: a missing line is caught") {
  MergeFiles m;
  write_file(m.output, m.line(0, 0) + m.line(0, 1) + m.line(0, 2) + m.line(1, 0) + m.line(1, 2) + m.line(2, 0) +
                           m.line(2, 1) + m.line(2, 2));
  const auto check = common::confirm_merge(m.inputs, m.output);
  CHECK_FALSE(check.ok);
  CHECK(check.message.find("input " + m.inputs[1].string() + ": expected 3 lines, found 2") == 0);
  CHECK(check.message.find("first difference at line 2") != std::string::npos);
}

TEST_CASE("confirm_merge: a missing last line of the last input is caught") {
  MergeFiles m;
  write_file(m.output, m.line(0, 0) + m.line(0, 1) + m.line(0, 2) + m.line(1, 0) + m.line(1, 1) + m.line(1, 2) +
                           m.line(2, 0) + m.line(2, 1));
  const auto check = common::confirm_merge(m.inputs, m.output);
  CHECK_FALSE(check.ok);
  CHECK(check.message.find("input " + m.inputs[2].string() + ": expected 3 lines, found 2") == 0);
  CHECK(check.message.find("first difference at line 3") != std::string::npos);
}

TEST_CASE("confirm_merge: a duplicated line is caught") {
  MergeFiles m;
  write_file(m.output, m.line(0, 0) + m.line(0, 1) + m.line(0, 1) + m.line(0, 2) + m.line(1, 0) + m.line(1, 1) +
                           m.line(1, 2) + m.line(2, 0) + m.line(2, 1) + m.line(2, 2));
  const auto check = common::confirm_merge(m.inputs, m.output);
  CHECK_FALSE(check.ok);
  CHECK(check.message.find("expected 3 lines, found 4; first difference at line 3") != std::string::npos);
}

TEST_CASE("confirm_merge: a reordered line is caught") {
  MergeFiles m;
  write_file(m.output, m.line(0, 0) + m.line(0, 1) + m.line(0, 2) + m.line(1, 0) + m.line(1, 1) + m.line(1, 2) +
                           m.line(2, 1) + m.line(2, 0) + m.line(2, 2));
  const auto check = common::confirm_merge(m.inputs, m.output);
  CHECK_FALSE(check.ok);
  CHECK(check.message.find("input " + m.inputs[2].string() +
                           ": expected 3 lines, found 3; first difference at line 1") == 0);
}

TEST_CASE("confirm_merge: a line from no input is caught") {
  MergeFiles m;
  write_file(m.output, m.line(0, 0) + m.line(0, 1) + m.line(0, 2) + m.line(1, 0) + m.line(1, 1) + m.line(1, 2) +
                           "stranger\n" + m.line(2, 0) + m.line(2, 1) + m.line(2, 2));
  const auto check = common::confirm_merge(m.inputs, m.output);
  CHECK_FALSE(check.ok);
  CHECK(check.message == "output line 7 came from no input: 'stranger\\n'");
}

TEST_CASE("confirm_merge: lines of dir/10 are not counted for dir/1") {
  MergeFiles m;
  // Every line of "10" but none of "1": a path-prefix match would count the
  // lines of "10" for "1" and miss the loss.
  write_file(m.output, m.line(1, 0) + m.line(1, 1) + m.line(1, 2) + m.line(2, 0) + m.line(2, 1) + m.line(2, 2));
  const auto check = common::confirm_merge(m.inputs, m.output);
  CHECK_FALSE(check.ok);
  CHECK(check.message.find("input " + m.inputs[0].string() + ": expected 3 lines, found 0") == 0);
}

TEST_CASE("confirm_merge: an input named like another's lines (\"a\" and \"a-01\") owns its own lines") {
  TempDir dir;
  const std::vector<fs::path> inputs{dir.path / "a", dir.path / "a-01"};
  const std::string of_a = inputs[0].string() + "-00-abcdefghij\n";
  const std::string of_a01 = inputs[1].string() + "-00-abcdefghij\n"; // starts with "a-" too: the longest path owns it
  write_file(inputs[0], of_a);
  write_file(inputs[1], of_a01);
  write_file(dir.path / "merged", of_a01 + of_a);
  const auto check = common::confirm_merge(inputs, dir.path / "merged");
  CHECK_MESSAGE(check.ok, check.message);
}

TEST_CASE("confirm_merge: an input's unfinished last line passes merged with its newline, as the tails end it") {
  MergeFiles m;
  const std::string unfinished = m.inputs[2].string() + "-03-unfinished";
  append(m.inputs[2], unfinished);
  write_file(m.output, m.line(0, 0) + m.line(0, 1) + m.line(0, 2) + m.line(1, 0) + m.line(1, 1) + m.line(1, 2) +
                           m.line(2, 0) + m.line(2, 1) + m.line(2, 2) + unfinished + "\n");
  const auto check = common::confirm_merge(m.inputs, m.output);
  CHECK_MESSAGE(check.ok, check.message);
}

TEST_CASE("confirm_merge: an output cut in the middle of its last line is caught") {
  // A merge stopped halfway through a write: every line is there, the last
  // one without the end it had in its input.
  MergeFiles m;
  std::string merged = m.line(0, 0) + m.line(0, 1) + m.line(0, 2) + m.line(1, 0) + m.line(1, 1) + m.line(1, 2) +
                       m.line(2, 0) + m.line(2, 1) + m.line(2, 2);
  merged.pop_back();
  write_file(m.output, merged);
  const auto check = common::confirm_merge(m.inputs, m.output);
  CHECK_FALSE(check.ok);
  CHECK(check.message.find("input " + m.inputs[2].string()) == 0);
}

TEST_CASE("simulation: lines have the book's shape, and a seed repeats them") {
  auto letters_of = [](std::uint64_t seed) {
    common::Simulation options;
    options.files = 3;
    options.lines = 12;
    options.prefill = true;
    options.seed = seed;
    common::Setup setup(options);
    std::string letters;
    for (const auto& path : setup.input_paths()) {
      const std::string content = read_file(path);
      const std::regex shape(std::regex_replace(path.string(), std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                             R"(-\d\d-[a-z]{10}\n)");
      std::size_t index = 0;
      for (auto it = std::sregex_iterator(content.begin(), content.end(), shape); it != std::sregex_iterator();
           ++it, ++index) {
        CHECK(it->position() == static_cast<std::ptrdiff_t>(index * it->length()));
        letters += it->str().substr(it->str().size() - 11);
      }
      CHECK(index == 12);
    }
    return letters;
  };
  CHECK(letters_of(7) == letters_of(7));
  CHECK(letters_of(7) != letters_of(8));
}

TEST_CASE("simulation: handles are closed only when their writer has finished") {
  common::Simulation options;
  options.files = 4;
  options.lines = 5;
  options.write_interval = common::Seconds(0.005);
  options.seed = 1;
  common::Setup setup(options);
  setup.join_writers();
  for (std::size_t i = 0; i < setup.handles().size(); ++i) {
    const auto& handle = setup.handles()[i];
    int lines = 0;
    while (!handle->closed()) {
      try {
        common::readline(handle);
        ++lines;
      } catch (const common::NoNewData&) {
      }
    }
    CHECK(lines == 5);
  }
}

TEST_CASE("simulation: more inputs than the descriptor limit allows is a clear error") {
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  if (limit.rlim_max == RLIM_INFINITY || limit.rlim_max > (1u << 20)) {
    return; // no limit to run into on this machine
  }
  common::Simulation options;
  options.files = static_cast<int>(limit.rlim_max);
  CHECK_THROWS_WITH(common::Setup{options}, doctest::Contains("open files, but this process may open only"));
}

// The shared main() with a command line; returns its exit code and stderr.
struct MainResult {
  int code;
  std::string out;
  std::string err;
};

// A correct merge at its simplest: each input to its end, one after another.
void merge_one_after_another(const common::Handles& handles, common::Seconds, const fs::path& output_path) {
  common::OutputFile out(output_path);
  for (const auto& handle : handles) {
    while (!handle->closed()) {
      try {
        out.write(common::readline(handle));
      } catch (const common::NoNewData&) {
      }
    }
  }
  out.close();
}

MainResult run_main(
    std::vector<const char*> args,
    const common::MergeFunction& merge = [](const common::Handles&, common::Seconds, const fs::path&) {
      FAIL("the merge must not start");
    }) {
  args.insert(args.begin(), "/path/to/stage_test"); // messages name the program by its file name
  std::ostringstream out;
  std::ostringstream err;
  const int code = common::stage_main(static_cast<int>(args.size()), args.data(), merge, out, err);
  return {code, out.str(), err.str()};
}

TEST_CASE("command line: each bad option is one line naming it, and exit code 2") {
  struct Case {
    std::vector<const char*> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--files", "-1"}, "stage_test: --files: must be at least 1 (got -1)\n"},
      {{"--files", "0"}, "stage_test: --files: must be at least 1 (got 0)\n"},
      {{"--files", "abc"}, "stage_test: the argument ('abc') for option '--files' is invalid\n"},
      {{"--lines", "-3"}, "stage_test: --lines: must not be negative (got -3)\n"},
      {{"--interval", "0"}, "stage_test: --interval: must be between 0.001 and 60 seconds (got 0)\n"},
      {{"--interval", "1e-9"}, "stage_test: --interval: must be between 0.001 and 60 seconds (got 1e-09)\n"},
      {{"--seed", "-1"}, "stage_test: --seed: must be a whole number from 0 to 18446744073709551615 (got -1)\n"},
      {{"--seed", "18446744073709551616"},
       "stage_test: --seed: must be a whole number from 0 to 18446744073709551615 (got 18446744073709551616)\n"},
      {{"--seed", "12abc"}, "stage_test: --seed: must be a whole number from 0 to 18446744073709551615 (got 12abc)\n"},
      {{"--write-interval", "x"}, "stage_test: the argument ('x') for option '--write-interval' is invalid\n"},
      {{"--frobnicate"}, "stage_test: unrecognised option '--frobnicate'\n"},
      {{"--output", "/nonexistent/dir/x"},
       "stage_test: --output /nonexistent/dir/x: directory /nonexistent/dir does not exist\n"},
      {{"--output", "/tmp"}, "stage_test: --output /tmp: is a directory\n"},
      {{"--trace", "/nonexistent/t.json"},
       "stage_test: --trace /nonexistent/t.json: directory /nonexistent does not exist\n"},
      {{"--slow-write", "-5"}, "stage_test: --slow-write: must be between 0 and 60000 milliseconds (got -5)\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    const auto result = run_main(c.args);
    CHECK(result.code == 2);
    CHECK(result.err == c.message);
    CHECK(result.out.empty());
  }
}

TEST_CASE("the build has inotify and reads /proc on Linux, and neither in the portable build (as on macOS)") {
  // A check that failed at configure time would leave a Linux build polling
  // and counting nothing, and every test that needs the part would say only
  // "not checked".
#if defined(__linux__) && !TAIL_MERGE_PORTABLE
  const bool linux_parts = true;
#else
  const bool linux_parts = false;
#endif
  CHECK(common::inotify::built_in() == linux_parts);
  CHECK(common::process::reads_proc() == linux_parts);
#if TAIL_MERGE_PORTABLE && defined(BOOST_ASIO_HAS_IO_URING)
  FAIL("the portable build has io_uring");
#endif
}

TEST_CASE("process: the thread count where /proc is read; a process's state, blocked and caught signals and name") {
  // The count is known exactly where the build reads /proc, and not elsewhere.
  // join() returns when a thread has cleared its id, a little before the
  // kernel takes it off the count: wait for that, up to a generous limit.
  const auto settle = [](const auto& done) {
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < limit) {
      std::this_thread::yield();
    }
  };
  // A runtime may start a helper thread with the process's first new thread
  // (ThreadSanitizer does): start and join one first, so that 'before'
  // counts the threads that stay.
  pid_t first = 0;
  std::thread([&first] { first = ::gettid(); }).join();
  settle([&] { return !fs::exists(fs::path("/proc/self/task") / std::to_string(first)); });
  const auto before = common::process::threads(::getpid());
  CHECK(before.has_value() == common::process::reads_proc());
  if (before) {
    std::promise<void> go;
    std::shared_future<void> gate = go.get_future().share();
    std::vector<std::thread> three;
    for (int i = 0; i < 3; ++i) {
      three.emplace_back([gate] { gate.wait(); });
    }
    CHECK(common::process::threads(::getpid()).value_or(-1) == *before + 3);
    go.set_value();
    for (auto& thread : three) {
      thread.join();
    }
    settle([&] { return common::process::threads(::getpid()) == *before; });
    CHECK(common::process::threads(::getpid()).value_or(-1) == *before);
  }
  // The status, from /proc or from ps: a child that blocks SIGUSR1, catches
  // SIGUSR2, and stops itself.
  const pid_t child = ::fork();
  if (child == 0) {
    sigset_t usr1;
    ::sigemptyset(&usr1);
    ::sigaddset(&usr1, SIGUSR1);
    ::sigprocmask(SIG_BLOCK, &usr1, nullptr);
    ::signal(
        SIGUSR2, +[](int) {});
    ::raise(SIGSTOP);
    ::_exit(0);
  }
  REQUIRE(child > 0);
  int stopped = 0;
  REQUIRE(::waitpid(child, &stopped, WUNTRACED) == child);
  const auto status = common::process::status(child);
  REQUIRE(status.has_value());
  CHECK(status->state == 'T');
  CHECK((status->blocked & (1ULL << (SIGUSR1 - 1))) != 0);
  CHECK((status->blocked & (1ULL << (SIGUSR2 - 1))) == 0);
  CHECK((status->caught & (1ULL << (SIGUSR2 - 1))) != 0);
  CHECK((status->caught & (1ULL << (SIGUSR1 - 1))) == 0);
  CHECK(status->command == "test_common"); // a fork keeps the name
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  CHECK_FALSE(common::process::status(child).has_value()); // gone
}

TEST_CASE("shutdown: each run is stopped by its first signal, also a run after one that a signal stopped") {
  // A process-directed signal goes to any thread that does not block it: with
  // threads left by earlier test cases in this process, the case runs again
  // alone, in a process of its own (as ctest runs it).
  // Where the count is not known (no /proc), it always runs so.
  if (std::getenv("TEST_ALONE") == nullptr && common::process::threads(::getpid()).value_or(2) > 1) {
    CHECK(std::system("TEST_ALONE=1 '" TEST_COMMON_BINARY "' --test-case='shutdown: each run is stopped*' >/dev/null "
                      "2>&1") == 0);
    return;
  }
  for (int run = 1; run <= 2; ++run) {
    CAPTURE(run);
    std::promise<int> stopped;
    auto signal = stopped.get_future();
    common::shutdown::enable([&](int number) { stopped.set_value(number); });
    ::kill(::getpid(), SIGTERM); // blocked in this thread: the signal-waiting thread takes it
    const bool stopped_in_time = signal.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    common::shutdown::disable();
    REQUIRE(stopped_in_time);
    CHECK(signal.get() == SIGTERM);
  }
}

TEST_CASE("stage main: a correct merge prints one summary line with confirm_merge OK") {
  TempDir dir;
  const std::string output = (dir.path / "out").string();
  const auto result = run_main({"--prefill", "--files", "3", "--lines", "4", "--seed", "5", "--output", output.c_str()},
                               merge_one_after_another);
  CHECK(result.code == 0);
  CAPTURE(result.out);
  // Where the thread count is not known (no /proc), the line says so instead.
  const std::string threads =
      common::process::threads(::getpid()) ? "peak [0-9]+ threads" : "threads not counted \\(no /proc\\)";
  CHECK(std::regex_match(result.out, std::regex("stage_test: 3 files, 12 lines merged in [0-9.]+ s, " + threads +
                                                ", seed 5, confirm_merge OK\n")));
  CHECK(result.err.empty());
}

TEST_CASE("stage main: a merge that loses a line exits 1 with confirm_merge FAILED") {
  const auto result = run_main({"--prefill", "--files", "2", "--lines", "3"},
                               [](const common::Handles& handles, common::Seconds, const fs::path& output_path) {
                                 common::OutputFile out(output_path);
                                 out.write(common::readline(handles[0]));
                                 out.close();
                               });
  CHECK(result.code == 1);
  CHECK(result.out.find("confirm_merge FAILED") != std::string::npos);
  CHECK(result.err.find("stage_test: confirm_merge: input ") == 0);
  CHECK(result.err.find("expected 3 lines, found 1") != std::string::npos);
}

TEST_CASE("stage main: a failing simulated run says its error, exit 1, and removes its output, saying so") {
  TempDir dir;
  const std::string output = (dir.path / "out").string();
  const auto result = run_main({"--prefill", "--files", "2", "--output", output.c_str()},
                               [](const common::Handles&, common::Seconds, const fs::path& output_path) {
                                 common::OutputFile out(output_path);
                                 out.write("half a result\n");
                                 out.close();
                                 throw std::runtime_error(output_path.string() + ": cannot write: disk on fire");
                               });
  CHECK(result.code == 1);
  CHECK(result.err == "stage_test: error: " + output + ": cannot write: disk on fire\nstage_test: removed " + output +
                          ", the output of a failed run\n");
  CHECK_FALSE(fs::exists(output));
}

TEST_CASE("buffered_line: a carriage return inside a line is not its end") {
  TempDir dir;
  write_file(dir.path / "in", "one\r\ntwo\rthree\n");
  auto handle = common::open_input(dir.path / "in");
  CHECK(common::readline(handle) == "one\r\n");
  CHECK(common::buffered_line(handle) == "two\rthree\n");
}

TEST_CASE("buffered_line: hands out lines readline already read, never a partial one") {
  TempDir dir;
  write_file(dir.path / "in", "one\ntwo\nthr");
  auto handle = common::open_input(dir.path / "in");
  CHECK_FALSE(common::buffered_line(handle).has_value()); // nothing read yet
  CHECK(common::readline(handle) == "one\n");             // reads the whole file into memory
  append(dir.path / "in", "ee\n");
  CHECK(common::buffered_line(handle) == "two\n");
  CHECK_FALSE(common::buffered_line(handle).has_value()); // "thr" is partial, and the rest is not read yet
  CHECK(common::readline(handle) == "three\n");
}

TEST_CASE("stage main: --stats writes the run's figures as JSON, with latency for live writers") {
  TempDir dir;
  const std::string stats = (dir.path / "stats.json").string();
  const auto result = run_main({"--files", "2", "--lines", "5", "--write-interval", "0.001", "--stats", stats.c_str()},
                               merge_one_after_another);
  CHECK(result.code == 0);
  const std::string json = read_file(stats);
  CAPTURE(json);
  for (const char* key : {"\"stage\":\"stage_test\"", "\"files\":2", "\"lines\":10", "\"latency_lines\":",
                          "\"drain_ms\":", "\"peak_rss_mib\":", "\"cpu_seconds\":", "\"confirm_merge\":true"}) {
    CHECK_MESSAGE(json.find(key) != std::string::npos, key);
  }
  // (How many lines latency_lines counts depends on when each tail first
  // looked: the "latency:" test case checks that rule.)
}

TEST_CASE("simulation: --inputs-dir keeps the inputs, --hold keeps them open") {
  TempDir dir;
  common::Simulation options;
  options.files = 2;
  options.lines = 1;
  options.write_interval = common::Seconds(0);
  options.hold = common::Seconds(0.05);
  options.inputs_dir = dir.path / "inputs";
  {
    const auto start = std::chrono::steady_clock::now();
    common::Setup setup(options);
    for (const auto& handle : setup.handles()) {
      while (!handle->closed()) {
        try {
          common::readline(handle);
        } catch (const common::NoNewData&) {
          std::this_thread::yield();
        }
      }
    }
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(50));
  }
  CHECK(fs::exists(dir.path / "inputs" / "0"));
  CHECK(fs::exists(dir.path / "inputs" / "1"));
  CHECK(run_main({"--inputs-dir", (dir.path / "inputs").c_str()}).err ==
        "stage_test: --inputs-dir " + (dir.path / "inputs").string() + ": must be a new or empty directory\n");
}

TEST_CASE("readline against its model: every script of the fuzzer's corpus (tests/fuzz/corpus)") {
  int scripts = 0;
  for (const auto& entry : fs::directory_iterator(FUZZ_CORPUS)) {
    CAPTURE(entry.path());
    const std::string script = read_file(entry.path());
    CHECK(tests::fuzz::readline_against_model(reinterpret_cast<const std::uint8_t*>(script.data()), script.size()) ==
          "");
    ++scripts;
  }
  CHECK(scripts >= 10);
}
