// How the tests are registered with ctest (doctest_main.cpp): each test case
// is one ctest entry found by its name, whatever the name holds. A ';' once
// split an entry in two halves whose filters matched nothing, and both
// "passed" with no test case run; now such an entry would fail.
#include <doctest/doctest.h>
#include <string>

TEST_CASE("registration: a name with ';', ',' and '\\' is one ctest entry; does \"*\" or a '?' break it? No") {
  // Reaching this line under ctest is the test; the name must also arrive whole.
  CHECK(std::string(doctest::getContextOptions()->currentTest->m_name) ==
        "registration: a name with ';', ',' and '\\' is one ctest entry; does \"*\" or a '?' break it? No");
}
