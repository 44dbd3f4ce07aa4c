#include "thread_name.hpp"

#include <atomic>

namespace common {

namespace {
thread_local std::string name_;
std::atomic<int> unnamed_{0};
std::atomic<int> pool_threads_{0};
std::atomic<int> loop_threads_{0};
} // namespace

void set_thread_name(std::string name) {
  name_ = std::move(name);
}

bool thread_has_name() {
  return !name_.empty();
}

void name_pool_thread() {
  if (name_.empty()) {
    name_ = "pool-" + std::to_string(++pool_threads_);
  }
}

void name_loop_thread() {
  if (name_.empty()) {
    name_ = "loop-" + std::to_string(++loop_threads_);
  }
}

const std::string& thread_name() {
  if (name_.empty()) {
    name_ = "thread-" + std::to_string(++unnamed_);
  }
  return name_;
}

} // namespace common
