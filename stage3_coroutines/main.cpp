#include "common/stage_main.hpp"
#include "tail_merge.hpp"

int main(int argc, char* argv[]) {
  return common::stage_main(
      argc, argv, "stage3_coroutines",
      [](const common::Handles& handles, common::Seconds interval, const std::filesystem::path& output_path) {
        asyncio::run(stage3_coroutines::run_tasks(handles, interval, output_path));
      });
}
