#pragma once

#include "common/asyncio.hpp"
#include "common/input.hpp"
#include "common/wait.hpp"

#include <filesystem>
#include <functional>
#include <string>

namespace tail_merge {

// Blocking: reads lines from `handle` and hands each to `write`, waiting
// `interval` whenever no new line is there, until the handle is closed and
// drained.
void tail_file(const common::Handle& handle, common::Seconds interval,
               const std::function<void(const std::string&)>& write);

// Coroutine, taking its arguments by value (a coroutine may outlive the
// caller's variables; a copy in its frame cannot dangle): merges every
// handle into `output_path`, each tail_file on a pool thread.
awaitable<void> run_tasks_mixed(common::Handles handles, common::Seconds interval, std::filesystem::path output_path);

} // namespace tail_merge
