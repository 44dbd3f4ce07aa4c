#include "asyncio.hpp"

#include "common/probe/probe.hpp"
#include "common/threads.hpp"

#include <algorithm>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>
#include <thread>

namespace asyncio {

template void run_until_complete(asio::io_context& loop, asio::awaitable<void> main);
template void run(asio::awaitable<void> main);

asio::thread_pool& default_executor() {
  // Asio's default size; a ThreadPool, so that a refused thread is an error, not a hang.
  static common::ThreadPool pool(2 * std::max(1u, std::thread::hardware_concurrency()));
  return pool;
}

namespace {

// Starts every task on the caller's executor in one ranged parallel group,
// which ends as `condition` says; returns the failures in the order they
// came. A ranged parallel group never completes on an empty range, so no
// tasks means no wait.
template <class Condition>
asio::awaitable<std::vector<std::exception_ptr>> run_all(std::vector<asio::awaitable<void>> tasks,
                                                         Condition condition) {
  std::vector<std::exception_ptr> failed;
  if (tasks.empty()) {
    co_return failed;
  }
  auto loop = co_await asio::this_coro::executor;
  using Task = decltype(asio::co_spawn(loop, std::move(tasks.front()), asio::deferred));
  std::vector<Task> started;
  for (auto& task : tasks) {
    started.push_back(asio::co_spawn(loop, std::move(task), asio::deferred));
  }
  auto [order, errors] =
      co_await asio::experimental::make_parallel_group(std::move(started)).async_wait(condition, asio::use_awaitable);
  for (const auto index : order) {
    if (errors[index]) {
      failed.push_back(errors[index]);
    }
  }
  co_return failed;
}

} // namespace

asio::awaitable<void> gather(std::vector<asio::awaitable<void>> tasks) {
  const auto failed = co_await run_all(std::move(tasks), asio::experimental::wait_for_all());
  if (!failed.empty()) {
    std::rethrow_exception(failed.front());
  }
}

asio::awaitable<void> task_group(std::vector<asio::awaitable<void>> tasks) {
  auto failed = co_await run_all(std::move(tasks), asio::experimental::wait_for_one_error());
  if (!failed.empty()) {
    throw ExceptionGroup(std::move(failed));
  }
}

namespace {

std::string lines_of(const std::vector<std::exception_ptr>& exceptions) {
  std::string lines;
  for (const auto& exception : exceptions) {
    try {
      std::rethrow_exception(exception);
    } catch (const std::exception& e) {
      lines += (lines.empty() ? "" : "\n") + std::string(e.what());
    } catch (...) {
      lines += (lines.empty() ? "" : "\n") + std::string("an exception that is not a std::exception");
    }
  }
  return lines;
}

} // namespace

ExceptionGroup::ExceptionGroup(std::vector<std::exception_ptr> exceptions)
    : std::runtime_error(lines_of(exceptions)), exceptions_(std::move(exceptions)) {}

asio::awaitable<void> sleep(common::Seconds interval) {
  if (interval <= common::Seconds(0)) {
    // No timer: one trip through the loop's queue, behind every handler
    // that is already waiting there.
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    co_return;
  }
  common::probe::Span span(common::probe::Event::wait, common::probe::Span::Mode::suspends);
  asio::steady_timer timer(co_await asio::this_coro::executor,
                           std::chrono::duration_cast<asio::steady_timer::duration>(interval));
  co_await timer.async_wait(asio::use_awaitable);
}

asio::awaitable<void> wait_for_data(common::Handle handle, common::Seconds interval) {
  common::probe::Span span(common::probe::Event::wait, common::probe::Span::Mode::suspends);
  auto timer = std::make_shared<asio::steady_timer>(
      co_await asio::this_coro::executor,
      std::chrono::duration_cast<asio::steady_timer::duration>(handle->longest_wait(interval)));
  // The posted cancel may run after this wait is over, or never (its loop
  // ended first): it holds the timer weakly, and cancels it only if it is
  // still there.
  const std::weak_ptr<asio::steady_timer> weak = timer;
  if (!handle->on_wake([weak, loop = timer->get_executor()] {
        asio::post(loop, [weak] {
          if (const auto timer = weak.lock()) {
            timer->cancel();
          }
        });
      })) {
    co_return; // changed since the last look already
  }
  boost::system::error_code cancelled;
  co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
  handle->on_wake(nullptr);
}

} // namespace asyncio
