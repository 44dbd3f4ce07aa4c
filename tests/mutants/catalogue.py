"""The mutants ./workshop mutants applies: each a plausible bug, the mistake a
participant or a maintainer could make, as a snippet of a file (found exactly
once) and what it becomes. labels: the ctest labels whose tests should catch it.
ci: in the set CI runs. equivalent: why no test can tell it from the original
(then it is listed, not run).
"""
import re
from dataclasses import dataclass


@dataclass
class Mutant:
    name: str
    file: str
    find: str
    replace: str
    labels: tuple
    ci: bool = False
    equivalent: str = ""

    @property
    def slug(self):
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")[:60]


S1, S2, S3, S4, S5 = (f"{stage}/tail_merge.cpp" for stage in (
    "stage1_threads", "stage2_mixed", "stage3_coroutines", "stage4_bottom_up", "stage5_nonblocking"))
INPUT, OUTPUT, CONFIRM = "common/input.cpp", "common/output.cpp", "common/confirm_merge.cpp"
ASYNCIO_HPP, ASYNCIO_CPP = "common/asyncio.hpp", "common/asyncio.cpp"
FAIRNESS = "        co_await asyncio::sleep(common::Seconds(0));\n"
READ_ON_POOL = "line = co_await asyncio::run_in_executor(asyncio::default_executor(), common::readline, handle);"
AWAIT_WAIT = "      co_await asyncio::wait_for_data(handle, interval);"
LOCKED = "    boost::lock_guard<boost::mutex> guard(lock);\n"
AWAIT_WRITE = "      co_await write(std::move(*line));"
SPAWN_WRITE = ("      asio::co_spawn(co_await asio::this_coro::executor, write(std::move(*line)), "
               "[](const std::exception_ptr&) {});")
RETHROW = """  for (const auto& error : errors) {
    if (error) {
      std::rethrow_exception(error);
    }
  }
"""

MUTANTS = [
    # Each stage's step: what its tests claim.
    Mutant("stage 1: the output written without the mutex", S1, LOCKED, "", ("stage1",)),
    Mutant("stage 1: a tail's error is dropped", S1, RETHROW, "", ("stage1",), ci=True),
    Mutant("stage 1: the output is never closed, so its last flush's error is lost", S1,
           "  }\n  output.close();\n}", "  }\n}", ("stage1",)),
    Mutant("stage 2: a pool thread writes the output itself instead of hopping to the loop", S2,
           "asyncio::run_coroutine_threadsafe(write_async(output, data), loop).get();", "output.write(data);",
           ("stage2",), ci=True),
    Mutant("stage 2: a pool of one thread for every tail", S2, "common::ThreadPool pool(handles.size());",
           "common::ThreadPool pool(1);", ("stage2",)),
    Mutant("stage 2: the write is not waited for", S2, "write_async(output, data), loop).get();",
           "write_async(output, data), loop);", ("stage2",)),
    Mutant("stage 2: the write is waited for, but its error is dropped (wait() for get())", S2,
           "write_async(output, data), loop).get();", "write_async(output, data), loop).wait();", ("stage2",)),
    Mutant("stage 3: no turn given up between lines in memory", S3, FAIRNESS, "", ("stage3",), ci=True),
    Mutant("stage 3: readline on the loop's thread", S3, READ_ON_POOL, "line = common::readline(handle);",
           ("stage3",)),
    Mutant("stage 3: waiting for data blocks the loop", S3, AWAIT_WAIT,
           "      common::wait_for_data(handle, interval);", ("stage3",)),
    Mutant("stage 4: the output written without the mutex", S4, LOCKED, "", ("stage4",)),
    Mutant("stage 4: a tail's error is dropped", S4, RETHROW, "", ("stage4",)),
    Mutant("stage 4: readline on the tail thread's own loop", S4, READ_ON_POOL, "line = common::readline(handle);",
           ("stage4",)),
    Mutant("stage 5: the write runs on the tails' loop, not on the writer thread", S5,
           "  co_await asio::co_spawn(loop_, real_write(std::move(data)), asio::use_awaitable);",
           "  co_await real_write(std::move(data));", ("stage5",), ci=True),
    Mutant("stage 5: stop() without the last close, so a full disk at the end goes unseen", S5,
           "  output_->close();      // the last flush", "  // the last flush", ("stage5",)),
    Mutant("stage 5: the writer thread started on the loop's thread, which waits for the output to open", S5,
           """  co_await asyncio::run_in_executor(asyncio::default_executor(), [this] {
    thread_ = boost::thread(&WriteThread::run, this);
    opened_.get_future().get(); // rethrows the error of opening the output
  });""", """  thread_ = boost::thread(&WriteThread::run, this);
  opened_.get_future().get(); // rethrows the error of opening the output
  co_return;""", ("stage5",)),
    Mutant("stage 5: no turn given up between lines in memory", S5, FAIRNESS, "", ("stage5",),
           equivalent="each line's write is awaited on the writer thread, so the tail gives up the loop at every line "
           "anyway; the sleep(0) keeps stage 5's tail loop the same as stage 3's, and costs nothing"),
    Mutant("stage 5: the writer thread joined on the loop's thread", S5,
           "  co_await asyncio::run_in_executor(asyncio::default_executor(), [this] { thread_.join(); });",
           "  thread_.join();", ("stage5",)),
    Mutant("stage 5: the write spawned on the writer thread and not awaited", S5, AWAIT_WRITE, SPAWN_WRITE,
           ("stage5",)),
    Mutant("io_uring: the write spawned on the writer thread and not awaited", "beyond/io_uring/tail_merge.cpp",
           AWAIT_WRITE, SPAWN_WRITE, ("beyond",)),
    Mutant("io_uring: a tail woken for a read slot takes it without looking again (if, not while)",
           "beyond/io_uring/tail_merge.cpp", "  while (free_ == 0) {", "  if (free_ == 0) {", ("beyond",)),

    # readline and NoNewData.
    Mutant("readline: a partial line handed out before it is finished", INPUT,
           "    if (closing && !h.buffer_.empty()) {", "    if (!h.buffer_.empty()) {", ("common", "stage3"),
           ci=True),
    Mutant("readline: the unfinished last line dropped at close", INPUT,
           "    if (closing && !h.buffer_.empty()) {\n      return take_unfinished_line(h.buffer_, h.scanned_);\n"
           "    }\n", "", ("common", "stage3")),
    Mutant("readline: rotation without reading the old file once more", INPUT,
           "      if (::fstat(h.fd_, &st) == 0 && st.st_size > h.file_offset_) {\n        continue;\n      }\n", "",
           ("common", "stage3")),
    Mutant("readline: the close looked at after the read, so a line written just before it is lost", INPUT,
           "    if (closing) {\n      h.drained_.store(true, std::memory_order_release);",
           "    if (h.close_requested_.load(std::memory_order_acquire)) {\n"
           "      h.drained_.store(true, std::memory_order_release);", ("common",), ci=True),
    Mutant("readline: a truncated file read on from the old offset", INPUT,
           "reading it again from the start\");\n      h.file_offset_ = 0;\n",
           "reading it again from the start\");\n", ("common", "stage3")),
    Mutant("readline: an unfinished line of exactly the longest length refused", INPUT,
           "found ? length > max_line_length : length >= max_line_length",
           "found ? length > max_line_length : length + 1 >= max_line_length", ("common",)),
    Mutant("add_read: the longest line's boundary off by one", INPUT,
           "h.buffer_.find('\\n') >= max_line_length", "h.buffer_.find('\\n') > max_line_length", ("common",)),
    Mutant("buffered_line: a carriage return taken for the end of a line", INPUT,
           "  const auto newline = h.buffer_.find('\\n', h.scanned_);\n  if (newline == std::string::npos) {",
           "  const auto newline = h.buffer_.find_first_of(\"\\r\\n\", h.scanned_);\n"
           "  if (newline == std::string::npos) {", ("common", "stage3")),
    Mutant("wake: a change to the file is not counted", INPUT, "    ++wakes_;\n", "", ("common", "stage1")),
    Mutant("wake: a change between the look and the wait is missed", INPUT,
           "  if (waker && (wakes_ != wakes_seen_ || closed())) {", "  if (waker && closed()) {",
           ("common", "stage3")),

    # The output.
    Mutant("output: a failed write leaves its partial line in the file", OUTPUT,
           "      [[maybe_unused]] const int ignored = ::ftruncate(fd_, whole_lines_);\n", "",
           ("common", "stage3"), ci=True),
    Mutant("output: an error cuts the file back to where it started, removing merged lines", OUTPUT,
           "    whole_lines_ += static_cast<off_t>(buffer_.size()); // the buffer holds whole lines only\n", "",
           ("common", "stage3")),
    Mutant("output: writes go on after an error", OUTPUT,
           "  if (!error_.empty()) {\n    throw std::runtime_error(error_);\n  }\n  buffer_.append(data);",
           "  buffer_.append(data);", ("common",)),

    # confirm_merge: every way an output can be wrong must be refused.
    Mutant("confirm_merge: only the number of lines compared", CONFIRM, "    if (expected == found[i]) {",
           "    if (expected.lines == found[i].lines) {", ("common",), ci=True),
    Mutant("confirm_merge: the order of an input's lines ignored", CONFIRM,
           "    fnv = (fnv ^ static_cast<unsigned char>(c)) * 1099511628211ULL;\n",
           "    fnv += static_cast<unsigned char>(c);\n", ("common",),
           equivalent="the digest keeps two hashes of each input's lines in order (fnv over the bytes, mix over the "
           "lines); with one weakened the other still tells every wrong output apart, and the second is there only "
           "against a collision of the first, which no test can make on purpose"),
    Mutant("confirm_merge: a line with no input is skipped", CONFIRM,
           "    if (input == input_paths.size()) {", "    if (input == input_paths.size()) {\n      continue;\n    }\n"
           "    if (false) {", ("common",)),
    Mutant("confirm_merge: a line goes to the first input whose path is its prefix", CONFIRM,
           "        best = it->second;\n", "        return it->second;\n", ("common",)),
    Mutant("confirm_merge: an input's unfinished last line expected without its newline", CONFIRM,
           "    if (!line.empty() && line.back() != '\\n') {", "    if (false) {", ("common",)),
    Mutant("confirm_merge: an output cut in its last line read as if the line were whole", CONFIRM,
           "    if (!in_.eof()) {\n      line += '\\n';\n    }\n", "    line += '\\n';\n", ("common",)),

    # The asyncio vocabulary.
    Mutant("gather: the failure of the first task in the list rethrown, not the first in time", ASYNCIO_CPP,
           "  for (const auto index : order) {", "  for (std::size_t index = 0; index < order.size(); ++index) {",
           ("common",), ci=True),
    Mutant("gather: failures dropped", ASYNCIO_CPP, "    std::rethrow_exception(failed.front());\n", "",
           ("common",)),
    Mutant("run_in_executor: the call runs on the caller's thread", ASYNCIO_HPP,
           "co_return co_await asio::co_spawn(pool, detail::call(std::move(fn), std::move(args)...), "
           "asio::use_awaitable);", "co_return co_await detail::call(std::move(fn), std::move(args)...);",
           ("common", "stage3")),
    Mutant("async_with: the resource not stopped when the body throws", ASYNCIO_HPP,
           "  try {\n    co_await resource.stop();\n  } catch (...) {\n    // the body's error is the one to report\n  }\n", "", ("common", "stage5")),
    Mutant("sleep(0): returns without giving up its turn", ASYNCIO_CPP,
           "    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);\n", "",
           ("common", "stage3")),
    Mutant("wait_for_data: a change already seen is waited for all the same", ASYNCIO_CPP,
           "    co_return; // changed since the last look already", "    // changed since the last look already",
           ("common", "stage3")),

    # Signals and shutdown.
    Mutant("shutdown: SIGHUP not taken over on the loop, so it kills the run undrained", "common/program/shutdown.cpp",
           "      signals_->add(SIGHUP);\n", "", ("stage3",)),
    Mutant("shutdown: a run after one that a signal stopped ignores its signals", "common/program/shutdown.cpp",
           "  requested_ = false;\n", "", ("common",)),
]
