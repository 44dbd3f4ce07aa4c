// Beyond the book: stage 5's merge with every read made through io_uring
// (io_uring.cpp says how, and why stage 5 cannot do without its pool).
#pragma once

#include "common/asyncio.hpp"
#include "common/input.hpp"
#include "common/wait.hpp"

#include <filesystem>

namespace io_uring_tail {

// Stage 5's asyncio.run(run_fully_async(...)), with no readline on a pool
// thread while io_uring is there to use; with a note on stderr and stage 5's
// own tails where the system refuses it.
void run(const common::Handles& handles, common::Seconds interval, const std::filesystem::path& output_path);

} // namespace io_uring_tail
