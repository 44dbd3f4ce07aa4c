#include "readline_model.hpp"

#include "common/input.hpp"
#include "common/probe/probe.hpp"

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace tests::fuzz {

namespace fs = std::filesystem;

namespace {

// What readline must hand out, in a few lines: the unread bytes of each file
// the reader has yet to finish, oldest first; the last is the file at the path.
// A line ends at '\n'; a file's unfinished last line is ended with one when a
// newer file follows it, or when the handle is closed.
struct Model {
  std::deque<std::string> files{std::string()};
  bool closed = false;

  std::optional<std::string> next_line() {
    for (;;) {
      std::string& first = files.front();
      if (const auto newline = first.find('\n'); newline != std::string::npos) {
        std::string line = first.substr(0, newline + 1);
        first.erase(0, newline + 1);
        return line;
      }
      if (files.size() == 1 && !(closed && !first.empty())) {
        return std::nullopt;
      }
      if (!first.empty()) {
        std::string line = std::move(first) + '\n';
        first.clear();
        return line;
      }
      files.pop_front();
    }
  }
};

// The script: each byte chooses the next step or its size; past its end,
// zeros.
struct Script {
  const std::uint8_t* at;
  std::size_t left;

  bool done() const { return left == 0; }
  unsigned byte() {
    if (left == 0) {
      return 0;
    }
    --left;
    return *at++;
  }
  std::string bytes(std::size_t count) {
    count = std::min(count, left);
    std::string taken(reinterpret_cast<const char*>(at), count);
    at += count;
    left -= count;
    return taken;
  }
};

// A scratch directory for the whole process, on a file system in memory where
// there is one (the fuzzer creates and renames files thousands of times a
// second), removed at exit. (Not tests::TempDir: that one reports with
// doctest, which the fuzzer does not link.)
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    std::string pattern = (base / "tail-merge-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("readline_against_model: mkdtemp");
      std::abort();
    }
    path = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

// A line as a test message shows it: escaped, and cut short when long.
std::string shown(const std::optional<std::string>& line) {
  if (!line) {
    return "no new data";
  }
  std::string text = "\"";
  for (const char c : line->substr(0, 40)) {
    if (c == '\n') {
      text += "\\n";
    } else if (c == '\r') {
      text += "\\r";
    } else if (c == '\0') {
      text += "\\0";
    } else {
      text += c;
    }
  }
  text += line->size() > 40 ? "...\" (" + std::to_string(line->size()) + " bytes)" : "\"";
  return text;
}

// One play of a script: the writer's side, the handle and the model.
class Play {
public:
  explicit Play(const fs::path& dir) : path_(dir / "input"), rotated_(dir / "input.1") {
    common::probe::set_observer([this](common::probe::Event event, bool begin) {
      if (begin && event == common::probe::Event::end_of_file) {
        at_end_of_file();
      }
    });
  }
  ~Play() {
    common::probe::set_observer(nullptr);
    for (const int fd : {writer_, old_writer_}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
    std::error_code ignored;
    fs::remove(path_, ignored);
    fs::remove(rotated_, ignored);
  }
  Play(const Play&) = delete;
  Play& operator=(const Play&) = delete;

  std::string run(Script& script) {
    const unsigned start = script.byte();
    if ((start & 1) == 0) { // else the file is missing at the start
      writer_ = open_writer();
      if ((start & 2) != 0) { // followed from its end: what is there already is not read
        write_all(writer_, script.bytes(script.byte() % 64));
      }
    }
    handle_ = common::open_input(path_, (start & 2) != 0 ? common::InputHandle::Start::at_end
                                                         : common::InputHandle::Start::at_beginning);

    while (!script.done() && difference_.empty() && !model_.closed) {
      ++step_;
      switch (script.byte() % 12) {
      case 0:
      case 1: // a few bytes of anything
        append(script.bytes(script.byte() % 64));
        break;
      case 2: { // a long run of one byte, many reads long
        const std::size_t length = 1 + script.byte() * 256 + script.byte();
        std::string run(length, static_cast<char>(script.byte()));
        if ((script.byte() & 1) != 0) {
          run.back() = '\n';
        }
        append(run);
        break;
      }
      case 3:
      case 4:
        compare_readline();
        break;
      case 5:
        compare_buffered_line();
        break;
      case 6: // a read made by hand, as the io_uring program makes it
        read_by_hand(1 + script.byte() * 32);
        break;
      case 7:
        truncate(script.bytes(script.byte() % 16));
        break;
      case 8:
        rotate();
        break;
      case 9: // the writer's last lines into the file it had before the rotation
        if (old_writer_ >= 0 && model_.files.size() > 1) {
          const std::string bytes = script.bytes(script.byte() % 64);
          write_all(old_writer_, bytes);
          model_.files.front() += bytes;
        }
        break;
      case 10: // in the window after the next read that finds the end: a last line, then a rotation
        armed_ = Armed::rotate;
        armed_bytes_ = script.bytes(script.byte() % 16);
        break;
      case 11: // in that window: a last line, then the close
        armed_ = Armed::close;
        armed_bytes_ = script.bytes(script.byte() % 16);
        break;
      }
    }
    armed_ = Armed::nothing;
    if (difference_.empty()) {
      close_and_drain();
    }
    return difference_;
  }

private:
  int open_writer() const {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::perror("readline_against_model: open");
      std::abort();
    }
    return fd;
  }

  static void write_all(int fd, std::string_view bytes) {
    for (std::string_view rest = bytes; !rest.empty();) {
      const auto n = ::write(fd, rest.data(), rest.size());
      if (n <= 0) {
        std::perror("readline_against_model: write");
        std::abort();
      }
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  void append(std::string bytes) {
    if (written_ + bytes.size() > 1024 * 1024) { // keeps one play short
      return;
    }
    written_ += bytes.size();
    if (writer_ < 0) {
      writer_ = open_writer();
    }
    model_.files.back() += bytes;
    write_all(writer_, bytes);
  }

  void differ(const std::string& what) {
    if (difference_.empty()) {
      difference_ = "step " + std::to_string(step_) + ": " + what;
    }
  }

  // What was armed, done at the moment a readline has found the end of its
  // file and is about to look at what happened to it (probe::Event::end_of_file).
  void at_end_of_file() {
    const Armed armed = std::exchange(armed_, Armed::nothing);
    if (armed == Armed::rotate && on_the_file_at_the_path()) {
      append(armed_bytes_);
      rotate();
    } else if (armed == Armed::close && on_the_file_at_the_path()) {
      append(armed_bytes_);
      handle_->close();
      model_.closed = true;
      closed_in_this_look_ = true;
    }
  }

  // One readline, and what the model says it must give; whether that was a line.
  bool compare_readline() {
    closed_in_this_look_ = false;
    std::optional<std::string> got;
    try {
      got = common::readline(handle_);
    } catch (const common::NoNewData&) {
    } catch (const std::exception& e) {
      differ(std::string("readline threw: ") + e.what());
      return false;
    }
    // The look in which the close came saw no close, and had read what was
    // there before the last line: on the file at the path, it finds nothing.
    const auto expected = closed_in_this_look_ ? std::nullopt : model_.next_line();
    if (got != expected) {
      differ("readline gave " + shown(got) + ", the model " + shown(expected));
    } else if ((!model_.closed || closed_in_this_look_) && handle_->closed()) {
      differ("closed() before a look that began after close()");
    }
    return expected.has_value() && difference_.empty();
  }

  // buffered_line may give nothing at any time; a line it gives is the next.
  void compare_buffered_line() {
    const auto got = common::buffered_line(handle_);
    if (!got) {
      return;
    }
    const std::string& first = model_.files.front();
    const auto newline = first.find('\n');
    const std::optional<std::string> expected =
        newline == std::string::npos ? std::nullopt : std::optional(first.substr(0, newline + 1));
    if (got != expected) {
      differ("buffered_line gave " + shown(got) + ", the model " + shown(expected));
      return;
    }
    model_.files.front().erase(0, got->size());
  }

  void read_by_hand(std::size_t most) {
    const auto at = common::next_read(handle_);
    if (at.fd < 0) {
      return;
    }
    std::string bytes(most, '\0');
    const auto n = ::pread(at.fd, bytes.data(), bytes.size(), at.offset);
    if (n > 0) {
      bytes.resize(static_cast<std::size_t>(n));
      try {
        common::add_read(handle_, bytes);
      } catch (const std::exception& e) {
        differ(std::string("add_read threw: ") + e.what());
      }
    }
  }

  // The reader has opened the file at the path, and has no older one to finish.
  bool on_the_file_at_the_path() const {
    return writer_ >= 0 && model_.files.size() == 1 && common::next_read(handle_).fd >= 0;
  }

  // Everything written is read first: bytes written and cut away before the
  // reader saw them are lost, as they are for tail -F, and no model says which.
  void drain() {
    while (compare_readline()) {
    }
  }

  // Truncated, and `rewritten` written from its start: the unfinished line
  // read before is dropped, and the next look reads from the beginning. (Only
  // when the file is left shorter than what was read: a file that was
  // truncated and grew past that point cannot be told from one that grew.)
  void truncate(const std::string& rewritten) {
    drain();
    struct stat st {};
    if (!on_the_file_at_the_path() || model_.closed || ::fstat(writer_, &st) != 0 ||
        static_cast<std::size_t>(st.st_size) <= rewritten.size()) {
      return;
    }
    if (::ftruncate(writer_, 0) != 0) {
      std::perror("readline_against_model: ftruncate");
      std::abort();
    }
    model_.files.back().clear();
    append(rewritten);
    compare_readline();
  }

  // Renamed away and created again, as logrotate does; the writer keeps the
  // old file open for a while.
  void rotate() {
    if (!on_the_file_at_the_path()) {
      return;
    }
    fs::rename(path_, rotated_);
    if (old_writer_ >= 0) {
      ::close(old_writer_);
    }
    old_writer_ = writer_;
    writer_ = open_writer();
    model_.files.emplace_back();
  }

  void close_and_drain() {
    ++step_;
    handle_->close();
    model_.closed = true;
    drain();
    if (difference_.empty() && !handle_->closed()) {
      differ("not closed() once drained after close()");
    }
  }

  fs::path path_;
  fs::path rotated_;
  int writer_ = -1;
  int old_writer_ = -1;
  std::size_t written_ = 0;
  common::Handle handle_;
  Model model_;
  enum class Armed { nothing, rotate, close } armed_ = Armed::nothing;
  std::string armed_bytes_;
  bool closed_in_this_look_ = false;
  int step_ = 0;
  std::string difference_;
};

} // namespace

std::string readline_against_model(const std::uint8_t* script, std::size_t size) {
  static const ScratchDir dir;
  Script steps{script, size};
  Play play(dir.path);
  return play.run(steps);
}

} // namespace tests::fuzz
