#include "common/program/stage_main.hpp"
#include "tail_merge.hpp"

int main(int argc, char* argv[]) {
  return common::stage_main(argc, argv,
                            [](const common::Handles& handles, common::Seconds interval,
                               const std::filesystem::path& output_path, std::optional<common::Seconds> idle_timeout) {
                              asyncio::run(tail_merge::run_fully_async(handles, interval, output_path, idle_timeout));
                            });
}
