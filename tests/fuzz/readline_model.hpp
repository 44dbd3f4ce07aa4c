// readline against a reference model of what it must hand out, driven by a
// script of bytes: the fuzz target (readline_fuzz.cpp) runs it on the inputs
// libFuzzer makes up, and test_common runs it on every input of the corpus
// (tests/fuzz/corpus), so that what the fuzzer once found stays found.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tests::fuzz {

// Plays `script` on a fresh input file: appends of any bytes (partial lines,
// CR, NUL, lines of many reads), readline and buffered_line, reads made by
// hand (next_read and add_read, as the io_uring program does), truncation,
// rotation, a writer still appending to the rotated file, a file missing at
// the start or followed from its end, and the close at the end. Returns the
// first difference from the model, or "" if there was none.
std::string readline_against_model(const std::uint8_t* script, std::size_t size);

} // namespace tests::fuzz
