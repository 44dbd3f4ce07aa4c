#pragma once

#include "common/asyncio.hpp"
#include "common/input.hpp"
#include "common/wait.hpp"

#include <filesystem>
#include <functional>
#include <string>

namespace tail_merge {

// Coroutine: reads lines from `handle` and awaits `write` for each, waiting
// `interval` whenever no new line is there, until the handle is closed and
// drained. Only readline itself runs on a pool thread.
awaitable<void> tail_async(common::Handle handle, common::Seconds interval,
                           std::function<awaitable<void>(std::string)> write);

// Blocking, as in stage 1, but only a wrapper now: runs tail_async to
// completion on an event loop of the calling thread's own.
void tail_file(const common::Handle& handle, common::Seconds interval,
               const std::function<void(const std::string&)>& write);

// Blocking: merges every handle into `output_path`, one thread per handle.
void run_threads(const common::Handles& handles, common::Seconds interval, const std::filesystem::path& output_path);

} // namespace tail_merge
