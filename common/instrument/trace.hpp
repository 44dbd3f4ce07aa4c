// --trace FILE: a recording of which thread did what and when, written as
// Chrome Trace Event Format JSON that Perfetto UI (ui.perfetto.dev) and
// chrome://tracing open: one track per thread, named as in thread_name.hpp.
//
// It records what the lesson announces to the probe (readline, waiting for
// data, the output's writes, the pool wrapper; see probe/probe.hpp), so neither the
// stage files nor the lesson's carry tracing code.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace common::trace {

using Clock = std::chrono::steady_clock;

// Starts a recording; call before a run starts, not during one.
void start();
bool enabled() noexcept;

// A duration event ("X") on the calling thread's track. `name` must be a
// string literal: only the pointer is kept.
void complete(const char* name, Clock::time_point begin, Clock::time_point end);
// A duration that does not occupy its thread: a coroutine suspended while
// its loop runs others. Recorded as an async event pair ("b"/"e").
void async_span(const char* name, std::uint64_t id, Clock::time_point begin, Clock::time_point end);
// A moment ("i") on the calling thread's track.
void instant(const char* name);

// Writes what was recorded to `file` and stops recording; throws
// std::runtime_error naming the file if it cannot be written.
void write(const std::filesystem::path& file, std::string_view process_name);

} // namespace common::trace
