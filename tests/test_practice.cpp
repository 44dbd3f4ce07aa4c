// The practice mode's checker (common/tools/practice.sh), run as a
// participant runs it: on the reference solution, on the untouched starting
// copy, and on typical wrong solutions (tests/practice/wrong/*.patch, each
// naming the hint it must get). A checker that passes a wrong solution would
// teach the wrong thing, so each of them is a test.
#include "support/files.hpp"

#include <array>
#include <cstdio>
#include <doctest/doctest.h>
#include <filesystem>
#include <string>
#include <sys/wait.h>

namespace fs = std::filesystem;

namespace {

const fs::path source_dir = PROJECT_SOURCE_DIR;
const std::string preset = fs::path(PROJECT_BINARY_DIR).filename().string();

struct Result {
  int code;
  std::string output;
};

// Runs practice.sh with its practice copies in `practice_dir`.
Result practice(const fs::path& practice_dir, const std::string& args) {
  const std::string command = "cd '" + source_dir.string() + "' && PRACTICE_DIR='" + practice_dir.string() +
                              "' PRESET=" + preset + " common/tools/practice.sh " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  std::array<char, 4096> buffer{};
  while (const auto n = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
    output.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

const char* const exercises[] = {"stage2_mixed", "stage3_coroutines", "stage4_bottom_up", "stage5_nonblocking"};

std::string number(const std::string& stage) {
  return stage.substr(5, 1);
}

// The hint the untouched starting copy must get: that of the step's first TODO.
std::string first_hint(const std::string& stage) {
  if (stage == "stage4_bottom_up") { // stage 1's code runs: the step's claims fail
    return "hint: a readline ran on a tail thread: tail_async hands it to the pool with run_in_executor";
  }
  return "is not written yet: start with TODO 1 at the top of tail_merge.cpp";
}

// `./workshop exercise` for `stage` into `dir`; the practice copy's path.
// With `reference`, the stage's own tail_merge.cpp replaces the starting copy.
fs::path exercise(const fs::path& dir, const std::string& stage, bool reference = false) {
  REQUIRE(practice(dir, "exercise " + number(stage)).code == 0);
  const fs::path mine = dir / stage / "tail_merge.cpp";
  if (reference) {
    fs::copy_file(source_dir / stage / "tail_merge.cpp", mine, fs::copy_options::overwrite_existing);
  }
  return mine;
}

} // namespace

TEST_CASE("the reference solution, copied into the practice copy, passes the check") {
  for (const std::string stage : exercises) {
    CAPTURE(stage);
    tests::TempDir dir;
    exercise(dir.path, stage, true);
    const auto result = practice(dir.path, "check " + number(stage));
    CAPTURE(result.output);
    CHECK(result.code == 0);
    CHECK(result.output.find(" claims hold.") != std::string::npos);
    CHECK(result.output.find("FAIL") == std::string::npos);
  }
}

TEST_CASE("the untouched starting copy builds, and fails with the first step's hint") {
  for (const std::string stage : exercises) {
    CAPTURE(stage);
    tests::TempDir dir;
    const std::string start = tests::read_file(exercise(dir.path, stage));
    CHECK(start.find("TODO 1") != std::string::npos);
    CHECK(tests::read_file(dir.path / stage / "tail_merge.hpp") ==
          tests::read_file(source_dir / stage / "tail_merge.hpp"));
    const auto result = practice(dir.path, "check " + number(stage));
    CAPTURE(result.output);
    CHECK(result.code == 1);
    CHECK(result.output.find("does not build") == std::string::npos);
    CHECK(result.output.find(first_hint(stage)) != std::string::npos);
  }
}

TEST_CASE("each typical wrong solution fails with its own hint") {
  int fixtures = 0;
  for (const auto& entry : fs::directory_iterator(source_dir / "tests/practice/wrong")) {
    const auto patch = entry.path();
    CAPTURE(patch);
    const std::string name = patch.stem().string(); // <stage>-<mistake>
    const std::string stage = name.substr(0, name.find('-'));
    const std::string text = tests::read_file(patch); // its second line: "expected hint: ..."
    const std::string label = "expected hint: ";
    const auto from = text.find(label) + label.size();
    const std::string expected_hint = text.substr(from, text.find('\n', from) - from);
    REQUIRE_FALSE(expected_hint.empty());
    tests::TempDir dir;
    const fs::path mine = exercise(dir.path, stage, true);
    REQUIRE(std::system(("patch -s '" + mine.string() + "' < '" + patch.string() + "'").c_str()) == 0);
    const auto result = practice(dir.path, "check " + number(stage));
    CAPTURE(result.output);
    CHECK(result.code == 1);
    CHECK(result.output.find("does not build") == std::string::npos);
    CHECK(result.output.find("hint: ") != std::string::npos);
    CHECK(result.output.find(expected_hint) != std::string::npos);
    ++fixtures;
  }
  CHECK(fixtures >= 8); // two per exercise at least
}

TEST_CASE("a copy that does not compile is shown with its own file and line") {
  tests::TempDir dir;
  const fs::path mine = exercise(dir.path, "stage3_coroutines");
  tests::append(mine, "int broken = ;\n");
  const auto result = practice(dir.path, "check 3");
  CAPTURE(result.output);
  CHECK(result.code == 1);
  CHECK(result.output.find("Your tail_merge.cpp does not build yet:") != std::string::npos);
  CHECK(result.output.find(fs::canonical(mine).string() + ":") != std::string::npos);
}

TEST_CASE("exercise never overwrites work in progress; reset keeps the old copy") {
  tests::TempDir dir;
  const fs::path mine = exercise(dir.path, "stage2_mixed");
  tests::append(mine, "// my work\n");
  const auto again = practice(dir.path, "exercise 2");
  CHECK(again.code == 0);
  CHECK(again.output.find("holds your work already") != std::string::npos);
  CHECK(tests::read_file(mine).find("// my work") != std::string::npos);
  REQUIRE(practice(dir.path, "reset 2").code == 0);
  CHECK(tests::read_file(mine).find("// my work") == std::string::npos);
  CHECK(tests::read_file(dir.path / "stage2_mixed" / "tail_merge.cpp.previous").find("// my work") !=
        std::string::npos);
  const auto stage1 = practice(dir.path, "exercise 1");
  CHECK(stage1.code == 2);
  CHECK(stage1.output.find("the exercises are stages 2 to 5") != std::string::npos);
}
