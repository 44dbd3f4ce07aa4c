#include "asyncio.hpp"

#include "probe.hpp"

#include <boost/asio/steady_timer.hpp>

namespace asyncio {

namespace {

// An Asio service is an object owned by an execution context (here: the
// loop) and destroyed with it: exactly the lifetime of Python's per-loop
// default executor.
class DefaultExecutor : public asio::execution_context::service {
public:
  using key_type = DefaultExecutor;
  static inline asio::execution_context::id id;

  explicit DefaultExecutor(asio::execution_context& context) : service(context) {}
  asio::thread_pool pool;

private:
  void shutdown() override { pool.join(); }
};

} // namespace

asio::thread_pool& default_executor(const asio::any_io_executor& loop) {
  return asio::use_service<DefaultExecutor>(asio::query(loop, asio::execution::context)).pool;
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
  common::probe::Span span(common::probe::Event::wait);
  asio::steady_timer timer(co_await asio::this_coro::executor,
                           std::chrono::duration_cast<asio::steady_timer::duration>(interval));
  co_await timer.async_wait(asio::use_awaitable);
}

} // namespace asyncio
