// The hints a failing claim gives (./workshop check shows them), kept out of
// the code in one catalogue per language: tests/practice/<lang>/claim_hints.
// The language is WORKSHOP_LANG's, which practice mode sets (--lang, the
// locale, ./workshop lang); English when it is unset.
#pragma once

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace tests {

// The text of `key`, each %s filled in with the next of `values`. A key
// missing from the catalogue, or a count of values that does not match its
// %s, throws: the test that asked fails and says so.
std::string hint_text(std::string_view key, const std::vector<std::string>& values);

template <typename Value> std::string to_text(const Value& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

template <typename... Values> std::string text(std::string_view key, const Values&... values) {
  return hint_text(key, {to_text(values)...});
}

// The same, as the checker finds it in a test's output: "hint: " and the text.
template <typename... Values> std::string hint(std::string_view key, const Values&... values) {
  return "hint: " + text(key, values...);
}

} // namespace tests
