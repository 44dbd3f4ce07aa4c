#include "debug.hpp"

#include <atomic>
#include <iostream>
#include <sstream>

namespace common::debug {

namespace {
Settings settings_;
std::atomic<std::chrono::steady_clock::rep> longest_{-1}; // -1: no loop was watched
} // namespace

void configure(Settings settings) {
  settings_ = std::move(settings);
  longest_ = -1;
}

const Settings& settings() {
  return settings_;
}

void record_stall(std::string_view loop, std::chrono::steady_clock::duration held) {
  auto longest = longest_.load();
  while (held.count() > longest && !longest_.compare_exchange_weak(longest, held.count())) {
  }
  const auto ms = std::chrono::duration_cast<Milliseconds>(held);
  if (ms >= settings_.threshold) {
    std::ostringstream line; // one write, so reports of several loops do not interleave
    line << settings_.stage << ": debug: the event loop on thread " << loop << " was held for " << ms.count()
         << " ms (threshold " << settings_.threshold.count() << " ms)\n";
    std::cerr << line.str() << std::flush;
  }
}

std::optional<Milliseconds> longest_stall() {
  const auto longest = longest_.load();
  if (longest < 0) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<Milliseconds>(std::chrono::steady_clock::duration(longest));
}

} // namespace common::debug
