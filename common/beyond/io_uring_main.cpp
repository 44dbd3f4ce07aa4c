#include "common/beyond/io_uring.hpp"
#include "common/program/stage_main.hpp"

int main(int argc, char* argv[]) {
  return common::stage_main(
      argc, argv,
      [](const common::Handles& handles, common::Seconds interval, const std::filesystem::path& output_path) {
        io_uring_tail::run(handles, interval, output_path);
      });
}
