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

// Coroutine, taking its arguments by value (a coroutine may outlive the
// caller's variables; a copy in its frame cannot dangle): merges every
// handle into `output_path`, one tail_async per handle, all on the caller's
// loop.
awaitable<void> run_tasks(common::Handles handles, common::Seconds interval, std::filesystem::path output_path);

} // namespace tail_merge
