// The practice mode's checker (common/tools/practice.sh), run as a
// participant runs it: on the reference solution, on the untouched starting
// copy, on typical wrong solutions (tests/practice/wrong/*.edit, each naming
// the hint it must get) and on right ones written differently from the
// reference (tests/practice/right/*.edit). A checker that passes a wrong
// solution would teach the wrong thing, and one that fails a right solution
// would teach that there is one way to write it: each of them is a test.
//
// An edit is a search and a replacement of whole lines, so that it still
// applies when the reference stage changes elsewhere:
//     <<<<<<< find
//     the lines of the reference, found exactly once
//     =======
//     what they become
//     >>>>>>> replace
#include "support/files.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <doctest/doctest.h>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path source_dir = PROJECT_SOURCE_DIR;
const fs::path build_dir = PROJECT_BINARY_DIR;

struct Result {
  int code;
  std::string output;
};

// Runs practice.sh with its practice copies in `practice_dir`, in English
// unless `environment` says otherwise (the tests do not take the locale of
// whoever runs them).
Result practice(const fs::path& practice_dir, const std::string& args,
                const std::string& environment = "LANG=C.UTF-8 LC_ALL= LC_MESSAGES=") {
  const std::string command = "cd '" + source_dir.string() + "' && " + environment + " PRACTICE_DIR='" +
                              practice_dir.string() + "' BUILD_DIR='" + build_dir.string() +
                              "' common/tools/practice.sh " + args + " 2>&1";
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
const char* const languages[] = {"en", "ko"};

std::string number(const std::string& stage) {
  return stage.substr(5, 1);
}

// The hint the untouched starting copy must get: that of the step's first TODO.
std::string first_hint(const std::string& stage) {
  if (stage == "stage4_bottom_up") { // stage 1's code runs: the step's claims fail
    return "hint: a readline ran on a tail thread";
  }
  return "is not written yet: ";
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

// The header line `label` of an edit ("Expected hint: ..."); empty if none.
std::string header(const std::string& edit, const std::string& label) {
  const auto from = edit.find(label);
  if (from == std::string::npos) {
    return {};
  }
  const auto start = from + label.size();
  return edit.substr(start, edit.find('\n', start) - start);
}

// Applies every find/replace block of `edit` to the file `target`.
void apply_edit(const fs::path& edit_path, const fs::path& target) {
  const std::string edit = tests::read_file(edit_path);
  std::string text = tests::read_file(target);
  const std::string find = "<<<<<<< find\n";
  const std::string middle = "=======\n";
  const std::string end = ">>>>>>> replace\n";
  int blocks = 0;
  for (auto at = edit.find(find); at != std::string::npos; at = edit.find(find, at)) {
    const auto from = at + find.size();
    const auto split = edit.find(middle, from);
    const auto to = edit.find(end, split);
    REQUIRE_MESSAGE((split != std::string::npos && to != std::string::npos), "an unfinished block in " << edit_path);
    const std::string old_text = edit.substr(from, split - from);
    const std::string new_text = edit.substr(split + middle.size(), to - split - middle.size());
    const auto found = text.find(old_text);
    REQUIRE_MESSAGE(found != std::string::npos, edit_path << ": the reference no longer has these lines:\n"
                                                          << old_text);
    REQUIRE_MESSAGE(text.find(old_text, found + 1) == std::string::npos,
                    edit_path << ": these lines are in the reference more than once:\n"
                              << old_text);
    text.replace(found, old_text.size(), new_text);
    at = to + end.size();
    ++blocks;
  }
  REQUIRE_MESSAGE(blocks > 0, edit_path << " has no find/replace block");
  tests::write_file(target, text);
}

// The stage an edit is for: its name is <stage>-<what it does>.
std::string edit_stage(const fs::path& edit) {
  const std::string name = edit.stem().string();
  return name.substr(0, name.find('-'));
}

// `./workshop check` of the reference stage with `edit` applied.
Result check_edited(const fs::path& edit) {
  const std::string stage = edit_stage(edit);
  tests::TempDir dir;
  apply_edit(edit, exercise(dir.path, stage, true));
  return practice(dir.path, "check " + number(stage));
}

// The edits of tests/practice/<kind>/, sorted.
std::vector<fs::path> edits(const std::string& kind) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(source_dir / "tests/practice" / kind)) {
    if (entry.path().extension() == ".edit") {
      found.push_back(entry.path());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

// The first "co_await NAME(", "co_await NAME<" or "co_await NAME::" in text
// (the awaited expression spelled out), or "" if there is none.
std::string awaited_expression(const std::string& text) {
  const std::string name_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";
  for (std::size_t at = text.find("co_await "); at != std::string::npos; at = text.find("co_await ", at + 1)) {
    const std::size_t name = text.find_first_not_of(' ', at + 8);
    const std::size_t end = text.find_first_not_of(name_chars, name);
    const std::size_t next = text.find_first_not_of(' ', end);
    if (name != std::string::npos && end != name && next != std::string::npos &&
        std::string("(<:").find(text[next]) != std::string::npos) {
      return text.substr(at, next + 1 - at);
    }
  }
  return "";
}

// Every exercise in every language.
std::vector<std::pair<std::string, std::string>> stages_and_languages() {
  std::vector<std::pair<std::string, std::string>> all;
  for (const std::string stage : exercises) {
    for (const std::string language : languages) {
      all.emplace_back(stage, language);
    }
  }
  return all;
}

// What two languages' versions of a text file must share: the keys of a
// catalogue with the number of values each takes, the hint sections with
// their number of hints, the TODO numbers, or the code of the stubs. Each
// line of the result is one such item.
std::string shape(const std::string& text, const std::string& kind) {
  std::istringstream lines(text);
  std::ostringstream out;
  std::string section;
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    if (kind == "messages" && !line.empty() && line[0] != '#') {
      const auto tab = line.find('\t');
      std::size_t values = 0;
      for (auto at = line.find("%s"); at != std::string::npos; at = line.find("%s", at + 2)) {
        ++values;
      }
      out << line.substr(0, tab) << ' ' << values << '\n';
    } else if (kind == "hints" && line.rfind("## ", 0) == 0) {
      if (!section.empty()) {
        out << section << ' ' << count << '\n';
      }
      section = line;
      count = 0;
    } else if (kind == "hints" && !section.empty() && !line.empty() && line[0] != '#') {
      ++count;
    } else if (kind == "todo" && line.find("TODO ") != std::string::npos) {
      out << line.substr(line.find("TODO "), 6) << '\n';
    } else if (kind == "stubs" && line.rfind("//", 0) != 0) {
      const auto quote = line.find('"');
      out << line.substr(0, quote) << (quote == std::string::npos ? "" : line.substr(line.rfind('"'))) << '\n';
    }
  }
  out << section << ' ' << count << '\n';
  return out.str();
}

} // namespace

TEST_CASE("the Korean texts of practice mode have every claim, message, hint, TODO and stub of the English ones") {
  for (const std::string stage : exercises) {
    for (const std::string kind : {"hints", "todo", "stubs"}) {
      CAPTURE(stage);
      CAPTURE(kind);
      const std::string english = tests::read_file(source_dir / "tests/practice/en" / (stage + "." + kind));
      REQUIRE_FALSE(english.empty());
      CHECK(shape(tests::read_file(source_dir / "tests/practice/ko" / (stage + "." + kind)), kind) ==
            shape(english, kind));
    }
  }
  // Every claim of the exercises has a Korean name, and every name is a claim.
  std::string claims;
  for (const std::string stage : exercises) {
    const std::string list = "'" + (build_dir / "tests" / ("test_" + stage)).string() + "' --list-test-cases";
    FILE* pipe = ::popen(list.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::array<char, 4096> buffer{};
    while (const auto n = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
      claims.append(buffer.data(), n);
    }
    ::pclose(pipe);
  }
  std::istringstream korean(tests::read_file(source_dir / "tests/practice/ko/claims"));
  int named = 0;
  for (std::string line; std::getline(korean, line);) {
    if (!line.empty() && line[0] != '#') {
      CAPTURE(line);
      REQUIRE(line.find('\t') != std::string::npos);
      CHECK(claims.find("\n" + line.substr(0, line.find('\t')) + "\n") != std::string::npos);
      ++named;
    }
  }
  std::istringstream listed(claims);
  for (std::string line; std::getline(listed, line);) {
    if (!line.empty() && line.find_first_of("[=") != 0) {
      CAPTURE(line);
      CHECK(tests::read_file(source_dir / "tests/practice/ko/claims").find("\n" + line + "\t") != std::string::npos);
    }
  }
  CHECK(named >= 20);

  CHECK(shape(tests::read_file(source_dir / "tests/practice/ko/steps"), "messages") ==
        shape(tests::read_file(source_dir / "tests/practice/en/steps"), "messages"));
  const std::string english = tests::read_file(source_dir / "tests/practice/en/messages");
  CHECK(shape(english, "messages").size() > 200);
  CHECK(shape(tests::read_file(source_dir / "tests/practice/ko/messages"), "messages") == shape(english, "messages"));
  // Every message practice.sh asks for is in the catalogue.
  const std::string script = tests::read_file(source_dir / "common/tools/practice.sh");
  for (auto at = script.find("msg "); at != std::string::npos; at = script.find("msg ", at + 4)) {
    const auto end = script.find_first_of(" \"\n)", at + 4);
    const std::string key = script.substr(at + 4, end - at - 4);
    if (!key.empty() && key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_0123456789") == std::string::npos) {
      CAPTURE(key);
      CHECK(english.find("\n" + key + "\t") != std::string::npos);
    }
  }
}

TEST_CASE("every hint the claims' tests give is in both languages' catalogue, and every hint there is given") {
  const std::string english = tests::read_file(source_dir / "tests/practice/en/claim_hints");
  CHECK(shape(english, "messages").size() > 1000);
  CHECK(shape(tests::read_file(source_dir / "tests/practice/ko/claim_hints"), "messages") ==
        shape(english, "messages"));
  // The keys the tests ask for (tests/hints.hpp: hint("KEY", ...) and text("KEY", ...)).
  std::set<std::string> asked;
  for (const auto& entry : fs::directory_iterator(source_dir / "tests")) {
    if (entry.path().extension() != ".cpp" || entry.path().filename() == "test_practice.cpp") {
      continue;
    }
    const std::string source = tests::read_file(entry.path());
    for (const std::string call : {"hint(\"", "text(\""}) {
      for (auto at = source.find(call); at != std::string::npos; at = source.find(call, at + 1)) {
        const auto from = at + call.size();
        if (at == 0 || (std::isalnum(static_cast<unsigned char>(source[at - 1])) == 0 && source[at - 1] != '_')) {
          asked.insert(source.substr(from, source.find('"', from) - from));
        }
      }
    }
  }
  CHECK(asked.size() > 60);
  std::set<std::string> listed;
  std::istringstream lines(english);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') {
      listed.insert(line.substr(0, line.find('\t')));
    }
  }
  for (const auto& key : asked) {
    CAPTURE(key);
    CHECK(listed.count(key) == 1);
  }
  for (const auto& key : listed) {
    CAPTURE(key);
    CHECK(asked.count(key) == 1);
  }
}

TEST_CASE("practice mode speaks Korean with --lang ko, a Korean locale, or once ./workshop lang ko is set") {
  tests::TempDir dir;
  const auto exercise = practice(dir.path, "exercise 3 --lang ko");
  CAPTURE(exercise.output);
  CHECK(exercise.code == 0);
  CHECK(exercise.output.find("다음: 고친 뒤 ./workshop check 3") != std::string::npos);
  const std::string copy = tests::read_file(dir.path / "stage3_coroutines/tail_merge.cpp");
  CHECK(copy.rfind("// 연습: 3단계", 0) == 0);
  CHECK(copy.find("tail_async는 아직 작성하지 않았습니다") != std::string::npos);

  const auto by_locale = practice(dir.path, "exercise 3", "LANG=ko_KR.UTF-8 LC_ALL= LC_MESSAGES=");
  CHECK(by_locale.output.find("여러분의 작업이 있어서 그대로 둡니다") != std::string::npos);

  CHECK(practice(dir.path, "lang ko").output.find("한국어로 말합니다") != std::string::npos);
  const auto kept = practice(dir.path, "reset 3");
  CAPTURE(kept.output);
  CHECK(kept.output.find("여러분의 사본은") != std::string::npos);
  CHECK(practice(dir.path, "exercise 3 --lang en").output.find("holds your work already") != std::string::npos);
  CHECK(practice(dir.path, "lang en").output.find("speaks English") != std::string::npos);
  CHECK(practice(dir.path, "lang fr").code == 2);
  CHECK(practice(dir.path, "exercise 3 --lang fr").code == 2);
}

namespace {

// The lines of `output` that hold an English sentence: four words or more
// in a row made of Latin letters only. Code (co_await, asyncio::sleep(0)),
// paths and numbers are not such words, and a Korean word ends the row.
std::vector<std::string> english_lines(const std::string& output) {
  std::vector<std::string> found;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    int row = 0;
    int longest = 0;
    for (std::string word; words >> word;) {
      while (!word.empty() && std::string(",.:;!?").find(word.back()) != std::string::npos) {
        word.pop_back();
      }
      const bool latin = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '\'';
      });
      row = latin ? row + 1 : 0;
      longest = std::max(longest, row);
    }
    if (longest >= 4) {
      found.push_back(line);
    }
  }
  return found;
}

// The text of `key` in a practice catalogue of `language`, up to its first %s.
std::string catalogue_text(const std::string& language, const std::string& catalogue, const std::string& key) {
  const std::string text = tests::read_file(source_dir / "tests/practice" / language / catalogue);
  const auto at = text.find("\n" + key + "\t");
  REQUIRE(at != std::string::npos);
  const auto from = at + key.size() + 2;
  const std::string line = text.substr(from, text.find('\n', from) - from);
  return line.substr(0, line.find("%s"));
}

} // namespace

TEST_CASE("in Korean, exercise, check and hint print no English sentence: stages 2 to 5") {
  CHECK(english_lines("hint: the tails ran one after another").size() == 1);
  CHECK(english_lines("hint: co_await asyncio::sleep(common::Seconds(0)) 로 양보하세요 (stage3_coroutines/README.md)")
            .empty());
  // A wrong solution of each stage, and the hint the check must give for it.
  const std::map<std::string, std::pair<std::string, std::string>> wrong{
      {"stage2_mixed", {"stage2_mixed-awaited-one-by-one", "one_after_another"}},
      {"stage3_coroutines", {"stage3_coroutines-readline-on-the-loop", "s3_readline_on_loop"}},
      {"stage4_bottom_up", {"stage4_bottom_up-readline-on-the-thread", "s4_readline_on_tail_thread"}},
      {"stage5_nonblocking", {"stage5_nonblocking-write-on-the-loop", "s5_write_on_loop"}},
  };
  for (const auto& [stage_name, edit_and_key] : wrong) {
    const std::string stage = stage_name; // CAPTURE's lambda cannot take a structured binding
    CAPTURE(stage);
    tests::TempDir dir;
    REQUIRE(practice(dir.path, "lang ko").code == 0);
    const auto started = practice(dir.path, "exercise " + number(stage));
    const auto first = practice(dir.path, "check " + number(stage));
    fs::copy_file(source_dir / stage / "tail_merge.cpp", dir.path / stage / "tail_merge.cpp",
                  fs::copy_options::overwrite_existing);
    apply_edit(source_dir / "tests/practice/wrong" / (edit_and_key.first + ".edit"),
               dir.path / stage / "tail_merge.cpp");
    const auto checked = practice(dir.path, "check " + number(stage));
    const auto hinted = practice(dir.path, "hint " + number(stage));
    for (const auto* result : {&started, &first, &checked, &hinted}) {
      const std::string output = result->output;
      CAPTURE(output);
      CHECK(result->code == (result == &started || result == &hinted ? 0 : 1));
      CHECK(english_lines(output) == std::vector<std::string>{});
    }
    const std::string output = checked.output;
    CAPTURE(output);
    CHECK(output.find("힌트: " + catalogue_text("ko", "claim_hints", edit_and_key.second)) != std::string::npos);
    CHECK(output.find(catalogue_text("ko", "messages", "claims_hold")) != std::string::npos);
  }
}

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
  std::map<std::string, int> per_stage;
  for (const auto& edit : edits("wrong")) {
    CAPTURE(edit);
    const std::string stage = edit_stage(edit);
    const std::string expected_hint = header(tests::read_file(edit), "Expected hint: ");
    REQUIRE_FALSE(expected_hint.empty());
    const auto result = check_edited(edit);
    CAPTURE(result.output);
    CHECK(result.code == 1);
    CHECK(result.output.find("does not build") == std::string::npos);
    CHECK(result.output.find("hint: ") != std::string::npos);
    CHECK(result.output.find(expected_hint) != std::string::npos);
    // A hint names the participant's file, never a test's source.
    CHECK(result.output.find("tests/test_") == std::string::npos);
    CHECK(result.output.find("merge_scenarios.cpp") == std::string::npos);
    ++per_stage[stage];
  }
  for (const std::string stage : exercises) {
    CAPTURE(stage);
    CHECK(per_stage[stage] >= 6);
  }
}

TEST_CASE("right solutions written differently from the reference pass") {
  std::map<std::string, int> per_stage;
  for (const auto& edit : edits("right")) {
    CAPTURE(edit);
    const std::string stage = edit_stage(edit);
    const auto result = check_edited(edit);
    CAPTURE(result.output);
    CHECK(result.code == 0);
    CHECK(result.output.find("FAIL") == std::string::npos);
    ++per_stage[stage];
  }
  for (const std::string stage : exercises) {
    CAPTURE(stage);
    CHECK(per_stage[stage] >= 2);
  }
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

TEST_CASE("each TODO list states goals: no line of the reference's code, no co_await to copy") {
  for (const auto& stage_and_language : stages_and_languages()) {
    const std::string& stage = stage_and_language.first;
    const std::string& language = stage_and_language.second;
    CAPTURE(stage);
    CAPTURE(language);
    const std::string todo = tests::read_file(source_dir / "tests/practice" / language / (stage + ".todo"));
    REQUIRE_FALSE(todo.empty());
    // co_await may be named, but no awaited expression spelled out.
    CHECK_MESSAGE(awaited_expression(todo).empty(), awaited_expression(todo));
    CHECK(todo.find("co_spawn(") == std::string::npos);
    // Every statement of the reference, spaces dropped, against the list with its spaces dropped.
    const auto squeeze = [](const std::string& text) {
      std::string out;
      for (const char c : text) {
        if (c != ' ' && c != '\n' && c != '/') {
          out += c;
        }
      }
      return out;
    };
    const std::string todo_text = squeeze(todo);
    std::istringstream reference(tests::read_file(source_dir / stage / "tail_merge.cpp"));
    for (std::string line; std::getline(reference, line);) {
      const std::string code = squeeze(line);
      if (code.size() >= 20 && code.rfind("//", 0) != 0 && line.find("//") == std::string::npos) {
        CAPTURE(line);
        CHECK(todo_text.find(code) == std::string::npos);
      }
    }
  }
}

TEST_CASE("hint tells one hint more at each call for the first failing claim, and check counts them") {
  tests::TempDir dir;
  const fs::path mine = exercise(dir.path, "stage3_coroutines", true);
  apply_edit(source_dir / "tests/practice/wrong/stage3_coroutines-no-turns.edit", mine);
  const auto first = practice(dir.path, "check 3");
  CAPTURE(first.output);
  CHECK(first.code == 1);
  CHECK(first.output.find("Hints used: 0.") != std::string::npos);
  for (const std::string level : {"1", "2", "3"}) {
    const auto hint = practice(dir.path, "hint 3");
    CAPTURE(hint.output);
    CHECK(hint.code == 0);
    CHECK(hint.output.find("Hint " + level + " of 3 for \"the loop is fair") != std::string::npos);
  }
  const auto more = practice(dir.path, "hint 3");
  CHECK(more.output.find("No more hints") != std::string::npos);
  const auto again = practice(dir.path, "check 3");
  CHECK(again.output.find("Hints used: 3.") != std::string::npos);

  // Fixed: no hint is needed, and the copy is checked anew first.
  fs::copy_file(source_dir / "stage3_coroutines/tail_merge.cpp", mine, fs::copy_options::overwrite_existing);
  const auto done = practice(dir.path, "hint 3");
  CAPTURE(done.output);
  CHECK(done.output.find("every claim holds") != std::string::npos);
}

TEST_CASE("the errors coroutines are known for get a line on what they mean") {
  const std::pair<std::string, std::string> cases[] = {
      {"awaitable<void> broken() { try { throw 1; } catch (...) { co_await asyncio::sleep(common::Seconds(0)); } }\n",
       "co_await may not appear inside a catch block"},
      {"awaitable<void> broken() { }\n",
       "a function returning awaitable<...> is a coroutine only if its body uses co_await"},
      {"void take(std::string) {}\nawaitable<void> broken() { std::optional<std::string> line; take(line); "
       "co_return; }\n",
       "an std::optional where a value is expected"},
      {"int broken() { co_await asyncio::sleep(common::Seconds(0)); return 1; }\n",
       "co_await and co_return only work in a coroutine"},
  };
  for (const auto& item : cases) {
    const std::string& code = item.first; // not a structured binding: CAPTURE's lambda could not use one
    const std::string& why = item.second;
    CAPTURE(code);
    tests::TempDir dir;
    const fs::path mine = exercise(dir.path, "stage3_coroutines", true);
    tests::append(mine, "namespace tail_merge {\n" + code + "}\n");
    const auto result = practice(dir.path, "check 3");
    CAPTURE(result.output);
    CHECK(result.code == 1);
    CHECK(result.output.find("does not build") != std::string::npos);
    CHECK(result.output.find("why: " + why) != std::string::npos);
  }
}

TEST_CASE("a crash is shown at the line of the participant's file, with its usual cause") {
  tests::TempDir dir;
  const fs::path mine = exercise(dir.path, "stage3_coroutines", true);
  apply_edit(source_dir / "tests/practice/crash/stage3_coroutines-dangling-lambda.edit", mine);
  const auto result = practice(dir.path, "check 3");
  CAPTURE(result.output);
  CHECK(result.code == 1);
  CHECK(result.output.find("your code crashed") != std::string::npos);
  CHECK(result.output.find("a lambda coroutine whose captures outlive the lambda") != std::string::npos);
  CHECK(result.output.find("tests/") == std::string::npos);
  if (std::system("command -v gdb >/dev/null") == 0) {
    CHECK(result.output.find("where: " + fs::canonical(mine).string() + ":") != std::string::npos);
  }
}
