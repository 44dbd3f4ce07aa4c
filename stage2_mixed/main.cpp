#include "common/stage_main.hpp"
#include "tail_merge.hpp"

int main(int argc, char* argv[]) {
  return common::stage_main(
      argc, argv, "stage2_mixed",
      [](const common::Handles& handles, common::Seconds interval, const std::filesystem::path& output_path) {
        asyncio::run(stage2_mixed::run_tasks_mixed(handles, interval, output_path));
      });
}
