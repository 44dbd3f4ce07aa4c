#pragma once

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

// Blocking: merges every handle into `output_path`, one thread per handle.
void run_threads(const common::Handles& handles, common::Seconds interval, const std::filesystem::path& output_path);

} // namespace tail_merge
