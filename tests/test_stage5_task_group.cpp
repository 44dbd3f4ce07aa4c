// Beyond the book: stage 5 with its tails in a task group (beyond/task_group/):
// the first tail that fails cancels the others, each cancelled tail drains
// what its input holds, and every error is reported.
#include "beyond/task_group/tail_merge.hpp"
#include "hints.hpp"
#include "merge_harness.hpp"
#include "support/files.hpp"

#include <atomic>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <doctest/doctest.h>
#include <future>
#include <thread>

// The program's top-level call, which the shared confirm_merge scenarios
// (merge_scenarios.cpp) and the tests below run.
void tests::stage_merge(const common::Handles& handles, common::Seconds interval,
                        const std::filesystem::path& output_path) {
  asyncio::run(tail_merge::run_fully_async(handles, interval, output_path, std::nullopt));
}

namespace {

using namespace std::chrono_literals;

// Runs tail_async on `handle` (interval 60 s) on a loop of its own thread,
// with a cancellation slot bound to `cancel`; what it writes goes to `written`.
class CancellableTail {
public:
  CancellableTail(common::Handle handle, std::string& written) : handle_(std::move(handle)) {
    auto write = [&written](std::string line) {
      written += line;
      return asyncio::sleep(common::Seconds(0));
    };
    done_ = asio::co_spawn(loop_, tail_merge::tail_async(handle_, common::Seconds(60), write, std::nullopt),
                           asio::bind_cancellation_slot(cancel_.slot(), asio::use_future));
  }
  ~CancellableTail() {
    handle_->close(); // a tail that did not end on its own does now
    if (runner_.joinable()) {
      runner_.join();
    }
  }
  CancellableTail(const CancellableTail&) = delete;
  CancellableTail& operator=(const CancellableTail&) = delete;

  void start() {
    runner_ = std::thread([this] { loop_.run(); });
  }
  // From any thread: the cancellation, on the loop's thread; returns once emitted.
  void cancel() {
    std::promise<void> emitted;
    asio::post(loop_, [&] {
      cancel_.emit(asio::cancellation_type::terminal);
      emitted.set_value();
    });
    emitted.get_future().wait();
  }
  // Whether the tail ended within `limit` (a hang, not a speed, limit).
  bool ended_within(std::chrono::seconds limit) { return done_.wait_for(limit) == std::future_status::ready; }

private:
  common::Handle handle_;
  asio::io_context loop_{1};
  asio::cancellation_signal cancel_;
  std::future<void> done_;
  std::thread runner_;
};

} // namespace

TEST_CASE("the trap: a cancellation that comes while a readline runs on the pool reaches no operation; the tail looks "
          "for it before its wait, and ends at once") {
  tests::TempDir dir;
  const auto in = dir.path / "in";
  tests::write_file(in, "1\n");
  std::string written;
  CancellableTail tail(common::open_input(in), written);
  // At the end of the file, inside the readline that finds no new data on a
  // pool thread: the cancellation comes, and the readline then goes on.
  std::atomic<bool> once{false};
  common::probe::set_observer([&](common::probe::Event event, bool begin) {
    if (begin && event == common::probe::Event::end_of_file && !once.exchange(true)) {
      tail.cancel();
    }
  });
  tail.start();
  const bool ended = tail.ended_within(10s); // not the 60 s of a wait
  common::probe::set_observer(nullptr);
  CHECK_MESSAGE(ended, tests::hint("task_group_cancel_before_wait"));
  CHECK(written == "1\n");
}

TEST_CASE("a cancelled tail reads what its input already holds before it ends: 5,000 lines, cancelled at once") {
  tests::TempDir dir;
  const auto in = dir.path / "in";
  std::string lines;
  for (int i = 0; i < 5000; ++i) {
    lines += "line " + std::to_string(i) + "\n";
  }
  tests::write_file(in, lines);
  std::string written;
  CancellableTail tail(common::open_input(in), written);
  tail.start();
  tail.cancel();
  CHECK(tail.ended_within(10s));
  CHECK_MESSAGE(written == lines, tests::hint("task_group_drain"));
}

namespace {

// cancel_after_free's standard output and error, run with `how`.
std::string run_cancel_after_free(const std::string& how) {
  std::string output;
  FILE* pipe = ::popen((std::string(CANCEL_AFTER_FREE) + " " + how + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (const std::size_t got = std::fread(buffer, 1, sizeof buffer, pipe)) {
    output.append(buffer, got);
  }
  ::pclose(pipe);
  return output;
}

} // namespace

TEST_CASE("asyncio::shield keeps a tail's cancellation from reaching its readline on the pool (asio#1332)") {
  CHECK(run_cancel_after_free("shielded").rfind("shielded: the cancellation never reached the other executor", 0) == 0);
}

#if defined(__SANITIZE_ADDRESS__)
TEST_CASE("Boost 1.81 is affected by asio#1332: without asyncio::shield, co_spawn's cancellation handler emits on a "
          "freed signal (heap-use-after-free)") {
  const std::string output = run_cancel_after_free("unshielded");
  CAPTURE(output);
  // AddressSanitizer sees the freed memory; or, when it was given out again,
  // UndefinedBehaviorSanitizer (in the same preset) sees the call through
  // what is no longer a handler, and stops the program first.
  const bool freed = output.find("ERROR: AddressSanitizer: heap-use-after-free") != std::string::npos &&
                     output.find("co_spawn_cancellation_handler") != std::string::npos;
  const bool no_longer_a_handler =
      output.find("does not point to an object of type 'cancellation_handler_base'") != std::string::npos;
  CHECK((freed || no_longer_a_handler));
}
#endif
