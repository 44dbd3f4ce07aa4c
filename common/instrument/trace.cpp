#include "trace.hpp"

#include "common/probe/probe.hpp"
#include "common/system/thread_name.hpp"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace common::trace {

namespace {

struct Record {
  char phase; // 'X', 'b' (with its 'e'), 'i'
  const char* name;
  Clock::time_point begin;
  Clock::time_point end;
  std::uint64_t id;
};

// One log per thread, so threads do not contend while recording. The
// registry owns the logs: a thread may end before the trace is written.
struct ThreadLog {
  std::mutex mutex; // only ever contended by write()
  std::string thread;
  std::vector<Record> records;
};

std::atomic<bool> enabled_{false};
std::mutex registry_mutex;
std::vector<std::shared_ptr<ThreadLog>> registry;
Clock::time_point origin;
std::atomic<std::uint64_t> generation_{0}; // a new start() gives every thread a new log

ThreadLog& log() {
  thread_local std::shared_ptr<ThreadLog> mine;
  thread_local std::uint64_t my_generation = 0;
  if (!mine || my_generation != generation_.load()) {
    mine = std::make_shared<ThreadLog>();
    mine->thread = thread_name();
    my_generation = generation_.load();
    std::lock_guard lock(registry_mutex);
    registry.push_back(mine);
  }
  return *mine;
}

void add(const Record& record) {
  auto& mine = log();
  std::lock_guard lock(mine.mutex);
  mine.records.push_back(record);
}

std::pair<int, long> track_order(const std::string& thread) {
  static const char* const roles[] = {"main", "loop-", "writer", "pool-", "tail-", "sim-"};
  int rank = 0;
  for (const char* role : roles) {
    if (thread.rfind(role, 0) == 0) {
      const auto digits = thread.find_first_of("0123456789");
      return {rank, digits == std::string::npos ? 0 : std::atol(thread.c_str() + digits)};
    }
    ++rank;
  }
  return {rank, 0};
}

double micros(Clock::time_point t) {
  return std::chrono::duration<double, std::micro>(t - origin).count();
}

} // namespace

void start() {
  std::lock_guard lock(registry_mutex);
  registry.clear();
  origin = Clock::now();
  ++generation_;
  enabled_ = true;
  // What the lesson announces: each span a duration on its thread's track
  // (or, for a coroutine that waits, an async pair), each write a moment.
  static std::atomic<std::uint64_t> next_id{0};
  probe::subscribe("trace", {[](probe::Event event, std::string_view) {
                               if (event == probe::Event::write && enabled()) {
                                 instant("line merged");
                               }
                             },
                             [](probe::Event event, probe::Mode mode, Clock::time_point began) {
                               if (!enabled() || event == probe::Event::append || event == probe::Event::end_of_file) {
                                 return; // the simulated writers are the workload, not the merge; the end of a
                                         // file is a moment for the tests, not work
                               }
                               if (mode == probe::Mode::suspends) {
                                 async_span(probe::name(event), ++next_id, began, Clock::now());
                               } else {
                                 complete(probe::name(event), began, Clock::now());
                               }
                             }});
}

bool enabled() noexcept {
  return enabled_.load(std::memory_order_relaxed);
}

void complete(const char* name, Clock::time_point begin, Clock::time_point end) {
  add({'X', name, begin, end, 0});
}

void async_span(const char* name, std::uint64_t id, Clock::time_point begin, Clock::time_point end) {
  add({'b', name, begin, end, id});
}

void instant(const char* name) {
  const auto now = Clock::now();
  add({'i', name, now, now, 0});
}

void write(const std::filesystem::path& file, std::string_view process_name) {
  enabled_ = false;
  probe::subscribe("trace", {});
  namespace json = boost::json;
  json::array events;
  // Metadata events carry ts and tid too, which some readers require.
  events.push_back(
      {{"name", "process_name"}, {"ph", "M"}, {"ts", 0}, {"pid", 1}, {"tid", 0}, {"args", {{"name", process_name}}}});
  std::lock_guard registry_lock(registry_mutex);
  // Tracks in the order a reader looks for them: main, the loops, the
  // writer, the pool, the tails, each numbered group in its numeric order.
  auto logs = registry;
  std::stable_sort(logs.begin(), logs.end(),
                   [](const auto& a, const auto& b) { return track_order(a->thread) < track_order(b->thread); });
  int tid = 0;
  for (const auto& thread_log : logs) {
    ++tid;
    std::lock_guard lock(thread_log->mutex);
    events.push_back({{"name", "thread_name"},
                      {"ph", "M"},
                      {"ts", 0},
                      {"pid", 1},
                      {"tid", tid},
                      {"args", {{"name", thread_log->thread}}}});
    events.push_back({{"name", "thread_sort_index"},
                      {"ph", "M"},
                      {"ts", 0},
                      {"pid", 1},
                      {"tid", tid},
                      {"args", {{"sort_index", tid}}}});
    for (const auto& r : thread_log->records) {
      json::object event{
          {"name", r.name}, {"ph", std::string(1, r.phase)}, {"pid", 1}, {"tid", tid}, {"ts", micros(r.begin)}};
      if (r.phase == 'X') {
        event["dur"] = micros(r.end) - micros(r.begin);
      } else if (r.phase == 'i') {
        event["s"] = "t";
      } else { // an async pair: 'b' now, its 'e' below
        event["cat"] = "wait";
        event["id"] = r.id;
        json::object end = event;
        end["ph"] = "e";
        end["ts"] = micros(r.end);
        events.push_back(std::move(event));
        events.push_back(std::move(end));
        continue;
      }
      events.push_back(std::move(event));
    }
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << json::object{{"traceEvents", std::move(events)}, {"displayTimeUnit", "ms"}};
  out.close();
  if (!out) {
    throw std::runtime_error(file.string() + ": cannot write the trace: " + std::strerror(errno));
  }
}

} // namespace common::trace
