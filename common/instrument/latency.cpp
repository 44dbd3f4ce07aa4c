#include "latency.hpp"

#include "common/probe/probe.hpp"
#include "common/system/posix_io.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace common::latency {

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> enabled_{false};
int lines_ = 0;
PathMap<std::size_t> inputs_;
// When each line was written, in nanoseconds of the steady clock; atomic
// because the writer and the thread that merges the line never synchronise
// except through the file itself.
std::unique_ptr<std::atomic<Clock::rep>[]> written_;
std::unique_ptr<std::atomic<Clock::rep>[]> first_look_; // per input, 0 until its tail first looked
std::mutex arrived_mutex_;
std::vector<double> latencies_ms_;

// A simulated line, "<path>-<index>-<letters>\n": its input's path and its
// index, which sits between the last two '-'. An index of -1 when it is not one.
std::pair<std::string_view, int> split(std::string_view line) {
  const auto last = line.rfind('-');
  const auto before = last == std::string_view::npos || last == 0 ? std::string_view::npos : line.rfind('-', last - 1);
  if (before == std::string_view::npos) {
    return {{}, -1};
  }
  return {line.substr(0, before), std::atoi(std::string(line.substr(before + 1, last - before - 1)).c_str())};
}

} // namespace

void start(const std::vector<std::filesystem::path>& inputs, int lines) {
  inputs_.clear();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    inputs_.emplace(inputs[i].string(), i);
  }
  lines_ = lines;
  written_ = std::make_unique<std::atomic<Clock::rep>[]>(inputs.size() * static_cast<std::size_t>(lines));
  first_look_ = std::make_unique<std::atomic<Clock::rep>[]>(inputs.size());
  latencies_ms_.clear();
  latencies_ms_.reserve(inputs.size() * static_cast<std::size_t>(lines));
  enabled_ = true;
  // A tail's readline is its look at the file; a write is a line arriving.
  probe::subscribe("latency", {[](probe::Event event, std::string_view detail) {
                                 if (event == probe::Event::append) {
                                   const auto [path, index] = split(detail);
                                   written(path, index);
                                 } else if (event == probe::Event::readline) {
                                   looked(detail);
                                 } else if (event == probe::Event::write) {
                                   arrived(detail);
                                 }
                               },
                               {}});
}

bool enabled() noexcept {
  return enabled_.load(std::memory_order_relaxed);
}

void written(std::string_view path, int index) {
  if (!enabled()) {
    return;
  }
  const auto input = inputs_.find(path);
  if (input != inputs_.end() && index >= 0 && index < lines_) {
    written_[input->second * static_cast<std::size_t>(lines_) + static_cast<std::size_t>(index)].store(
        Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  }
}

void looked(std::string_view path) {
  if (!enabled()) {
    return;
  }
  if (const auto input = inputs_.find(path); input != inputs_.end()) {
    Clock::rep none = 0;
    first_look_[input->second].compare_exchange_strong(none, Clock::now().time_since_epoch().count(),
                                                       std::memory_order_relaxed);
  }
}

void arrived(std::string_view line) {
  const auto now = Clock::now().time_since_epoch().count();
  const auto [path, index] = split(line);
  const auto input = inputs_.find(path);
  if (input == inputs_.end() || index < 0 || index >= lines_) {
    return;
  }
  const auto at = written_[input->second * static_cast<std::size_t>(lines_) + static_cast<std::size_t>(index)].load(
      std::memory_order_relaxed);
  const auto looked_at = first_look_[input->second].load(std::memory_order_relaxed);
  if (at == 0 || looked_at == 0 || at < looked_at) {
    return;
  }
  std::lock_guard lock(arrived_mutex_);
  latencies_ms_.push_back(std::chrono::duration<double, std::milli>(Clock::duration(now - at)).count());
}

Summary stop() {
  enabled_ = false;
  probe::subscribe("latency", {});
  std::lock_guard lock(arrived_mutex_);
  Summary summary;
  summary.lines = latencies_ms_.size();
  if (latencies_ms_.empty()) {
    return summary;
  }
  auto at = [&](double fraction) {
    const auto k = static_cast<std::size_t>(fraction * static_cast<double>(latencies_ms_.size() - 1));
    std::nth_element(latencies_ms_.begin(), latencies_ms_.begin() + static_cast<std::ptrdiff_t>(k),
                     latencies_ms_.end());
    return latencies_ms_[k];
  };
  summary.median_ms = at(0.5);
  summary.p99_ms = at(0.99);
  return summary;
}

} // namespace common::latency
