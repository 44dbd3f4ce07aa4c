"""The command line of a Python test file that ctest runs one test method at
a time, as it runs the doctest executables (tests/CMakeLists.txt,
add_python_tests):
  SCRIPT --list             the test methods, one per line
  SCRIPT --test-case=NAME   runs that one; a name that selects nothing fails
  SCRIPT --count            how many there are, as doctest's --count says it
"""
import sys
import unittest


def main(script, cases, wanted=lambda name: True):
    names = [name for case in cases for name in unittest.TestLoader().getTestCaseNames(case) if wanted(name)]
    if sys.argv[1:] == ["--count"]:
        print(f"passing the current filters: {len(names)}")
        return 0
    if sys.argv[1:] == ["--list"]:
        print("\n".join(names))
        return 0
    chosen = [argument.split("=", 1)[1] for argument in sys.argv[1:] if argument.startswith("--test-case=")]
    if len(chosen) != 1 or chosen[0] not in names:
        print(f"{script}: no test case {chosen}; the test cases are: {', '.join(names)}", file=sys.stderr)
        return 1
    case = next(case for case in cases if chosen[0] in unittest.TestLoader().getTestCaseNames(case))
    result = unittest.TextTestRunner(verbosity=2).run(unittest.TestSuite([case(chosen[0])]))
    passed = result.wasSuccessful() and not result.skipped
    # The summary line doctest prints, so one grep counts every test case.
    print(f"[{script}] test cases: 1 | {int(passed)} passed | {int(not passed)} failed")
    return 0 if passed else 1
