#include "common/stage_main.hpp"
#include "tail_merge.hpp"

int main(int argc, char* argv[]) {
  return common::stage_main(
      argc, argv, "stage1_threads",
      [](const common::Handles& handles, common::Seconds interval, const std::filesystem::path& output_path) {
        stage1_threads::run_threads(handles, interval, output_path);
      });
}
