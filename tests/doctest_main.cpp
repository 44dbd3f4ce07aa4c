// doctest's main() for every test executable, with two additions so that a
// green ctest run always means tests ran:
//
// - A run that selects no test case fails. A --test-case filter that
//   matches nothing (a misspelt name, a name mangled on its way through a
//   build script) would otherwise print "test cases: 0" and exit 0.
// - --write-ctest=FILE writes FILE, the CMake script that registers one
//   ctest entry per TEST_CASE (tests/add_doctest_tests.cmake includes it).
//   Test names go straight from here into CMake bracket arguments, never
//   through a CMake list, where a ';' in a name would split it in two.
#define DOCTEST_CONFIG_IMPLEMENT
#include <cctype>
#include <cstring>
#include <doctest/doctest.h>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

// A reporter that does nothing; the two below override what they need.
struct QuietReporter : doctest::IReporter {
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

// Counts the test cases a run starts; query runs (--count, --list-...) start
// no run at all.
struct RunCounter : QuietReporter {
  static inline bool run_started = false;
  static inline unsigned test_cases = 0;

  explicit RunCounter(const doctest::ContextOptions&) {}
  void test_run_start() override { run_started = true; }
  void test_case_start(const doctest::TestCaseData&) override { ++test_cases; }
};
REGISTER_LISTENER("run_counter", 1, RunCounter);

// What --write-ctest asked for.
struct CtestRequest {
  std::string file;
  std::string executable;
  std::string prefix;     // put before each test case's name
  std::string properties; // CMake code after set_tests_properties(NAME PROPERTIES
};
std::optional<CtestRequest> ctest_request;
bool ctest_written = false;

std::optional<std::string> option(int argc, char** argv, std::string_view name) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.substr(0, name.size()) == name) {
      return std::string(arg.substr(name.size()));
    }
  }
  return std::nullopt;
}

// doctest's --test-case takes a comma-separated list of wildcard patterns:
// a ',' or '\' in a name is escaped with '\'. '*' and '?' cannot be escaped;
// they still match themselves, and matches() below finds a name they would
// also let through.
std::string filter_for(std::string_view name) {
  std::string filter;
  for (const char c : name) {
    if (c == ',' || c == '\\') {
      filter += '\\';
    }
    filter += c;
  }
  return filter;
}

// The way doctest matches a pattern: '*' any run, '?' any one character,
// letters regardless of case.
bool matches(std::string_view name, std::string_view pattern) {
  if (pattern.empty()) {
    return name.empty();
  }
  if (pattern.front() == '*') {
    for (std::size_t skip = 0; skip <= name.size(); ++skip) {
      if (matches(name.substr(skip), pattern.substr(1))) {
        return true;
      }
    }
    return false;
  }
  return !name.empty() &&
         (pattern.front() == '?' || std::tolower(static_cast<unsigned char>(pattern.front())) ==
                                        std::tolower(static_cast<unsigned char>(name.front()))) &&
         matches(name.substr(1), pattern.substr(1));
}

// A CMake bracket argument holding `text` exactly, whatever it contains.
std::string bracket(std::string_view text) {
  std::string equals;
  while (text.find("]" + equals + "]") != std::string_view::npos) {
    equals += '=';
  }
  return "[" + equals + "[" + std::string(text) + "]" + equals + "]";
}

// Lists the test cases, as --list-test-cases does, into the ctest script.
struct CtestWriter : QuietReporter {
  explicit CtestWriter(const doctest::ContextOptions&) {}

  void report_query(const doctest::QueryData& query) override {
    if (!ctest_request || query.data == nullptr) {
      return;
    }
    const auto& request = *ctest_request;
    std::vector<std::string> names;
    for (unsigned i = 0; i < query.num_data; ++i) {
      names.emplace_back(query.data[i]->m_name);
    }
    for (const auto& name : names) {
      for (const auto& other : names) {
        if (&name != &other && matches(other, filter_for(name))) {
          std::cerr << request.executable << ": the test cases \"" << name << "\" and \"" << other
                    << "\" cannot be run one at a time (doctest matches names regardless of case, and '*' and "
                       "'?' are wildcards): rename one of them\n";
          return;
        }
      }
    }
    std::ofstream out(request.file, std::ios::trunc);
    out << "# Written by " << request.executable << " --write-ctest: one ctest entry per TEST_CASE.\n";
    for (const auto& name : names) {
      const auto test = bracket(request.prefix + name);
      out << "add_test(" << test << " " << bracket(request.executable) << " "
          << bracket("--test-case=" + filter_for(name)) << ")\n";
      out << "set_tests_properties(" << test << " PROPERTIES " << request.properties << ")\n";
    }
    out.close();
    if (!out) {
      std::cerr << request.file << ": cannot write: " << std::strerror(errno) << "\n";
      return;
    }
    ctest_written = true;
  }
};
REGISTER_REPORTER("ctest", 1, CtestWriter);

} // namespace

int main(int argc, char** argv) {
  if (auto file = option(argc, argv, "--write-ctest=")) {
    ctest_request = CtestRequest{*file, option(argc, argv, "--ctest-executable=").value_or(argv[0]),
                                 option(argc, argv, "--ctest-prefix=").value_or(""),
                                 option(argc, argv, "--ctest-properties=").value_or("")};
    const char* list[] = {argv[0], "--list-test-cases", "--reporters=ctest"};
    doctest::Context context(3, list);
    context.run();
    return ctest_written ? 0 : 1;
  }

  doctest::Context context(argc, argv);
  const int result = context.run();
  if (RunCounter::run_started && RunCounter::test_cases == 0) {
    std::cerr
        << argv[0]
        << ": no test case matches the filters given: nothing was tested, so the run fails (see --list-test-cases)\n";
    return 1;
  }
  return result;
}
