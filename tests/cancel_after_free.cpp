// Whether Boost 1.81 is affected by chriskohlhoff/asio#1332, and whether
// asyncio::shield keeps the task group's tails out of it. Run by ctest: with
// `unshielded`, AddressSanitizer (the asan preset) must report a
// heap-use-after-free; with `shielded`, the program must end cleanly.
//
// What happens: a coroutine on the loop awaits a co_spawn onto another
// executor (as run_in_executor does for a readline on the pool, and
// WriteThread::write for a write on the writer's loop). A cancellation of the
// coroutine reaches co_spawn's cancellation handler, which hands the emit to
// that other executor with asio::dispatch and a raw pointer to a signal of
// its own. The signal dies with the coroutine's cancellation state when the
// coroutine ends; an emit that runs later uses freed memory. Here `other`
// stands for the pool, run one handler at a time, so that the emit always
// runs after the coroutine has ended.
#include "common/asyncio.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <cstdio>
#include <future>
#include <string_view>
#include <thread>

namespace {

asio::awaitable<void> call() {
  co_return; // a readline, done
}

asio::awaitable<void> caller(asio::io_context& other, bool shielded) {
  auto on_other = asio::co_spawn(other, call(), asio::use_awaitable);
  if (shielded) {
    co_await asyncio::shield(std::move(on_other));
  } else {
    co_await std::move(on_other);
  }
}

} // namespace

int main(int argc, char* argv[]) {
  if (argc != 2 || (std::string_view(argv[1]) != "shielded" && std::string_view(argv[1]) != "unshielded")) {
    std::fprintf(stderr, "usage: cancel_after_free shielded|unshielded\n");
    return 2;
  }
  const bool shielded = std::string_view(argv[1]) == "shielded";
  asio::io_context loop(1);
  asio::io_context other(1);
  auto keep_other = asio::make_work_guard(other);
  asio::cancellation_signal cancel;
  std::promise<void> caller_ended, emitted;

  asio::co_spawn(loop, caller(other, shielded),
                 asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr) { caller_ended.set_value(); }));
  std::thread loop_thread([&] { loop.run(); });
  // 1. The call runs on `other` and ends; handing its result back is queued there.
  other.run_one();
  // 2. The cancellation, on the loop's thread. Unshielded, co_spawn's handler
  //    queues its emit on `other`, behind the result.
  asio::post(loop, [&] {
    cancel.emit(asio::cancellation_type::terminal);
    emitted.set_value();
  });
  emitted.get_future().wait();
  // 3. The result goes back to the caller, which ends and frees its state.
  other.run_one();
  caller_ended.get_future().wait();
  // 4. Then the emit runs, if one was queued.
  const auto late = other.poll_one();
  keep_other.reset();
  loop_thread.join();
  if (shielded) {
    std::puts(late == 0 ? "shielded: the cancellation never reached the other executor"
                        : "shielded: an emit reached the other executor");
    return late == 0 ? 0 : 1;
  }
  std::puts(late == 1
                ? "unshielded: an emit ran after the caller had ended (only AddressSanitizer sees the freed memory)"
                : "unshielded: no emit ran late");
  return 0;
}
