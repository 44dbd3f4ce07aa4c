#include "asyncio.hpp"

#include "common/instrument/probe.hpp"
#include "common/threads.hpp"

#include <algorithm>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>

namespace asyncio {

template void run_until_complete(asio::io_context& loop, asio::awaitable<void> main);
template void run(asio::awaitable<void> main);

asio::thread_pool& default_executor() {
  // Asio's default size; a ThreadPool, so that a refused thread is an error, not a hang.
  static common::ThreadPool pool(2 * std::max(1u, std::thread::hardware_concurrency()));
  return pool;
}

asio::awaitable<void> gather(std::vector<asio::awaitable<void>> tasks) {
  if (tasks.empty()) {
    co_return;
  }
  auto loop = co_await asio::this_coro::executor;
  using Task = decltype(asio::co_spawn(loop, std::move(tasks.front()), asio::deferred));
  std::vector<Task> started;
  for (auto& task : tasks) {
    started.push_back(asio::co_spawn(loop, std::move(task), asio::deferred));
  }
  auto [order, errors] = co_await asio::experimental::make_parallel_group(std::move(started))
                             .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  for (const auto index : order) {
    if (errors[index]) {
      std::rethrow_exception(errors[index]);
    }
  }
}

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

} // namespace asyncio
