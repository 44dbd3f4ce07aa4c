// The merged output file, the counterpart of Python's open(path, 'wb').
//
// Every stage opens it itself, as the book does, and closes it when all its
// tails are done. Writes are buffered like Python's: a line costs a copy, and
// the file sees one write() per 64 KiB. Nothing here is thread-safe; each stage
// decides who may write (a mutex in stage 1, the event loop's thread later).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace common {

// --append: the output files opened from now on add to an existing file
// instead of replacing it. Set once by the shared main() before a run.
void set_output_append(bool append);
// --follow: every line reaches the file at once, for a reader such as
// `tail -f merged.log`, instead of 64 KiB at a time.
void set_output_line_buffered(bool line_buffered);

class OutputFile {
public:
  // Creates or truncates `path` (or appends to it, see set_output_append);
  // throws std::runtime_error naming the path.
  explicit OutputFile(std::filesystem::path path);
  // Closes without reporting errors (a destructor cannot throw): call close()
  // on the normal path so a failed last write is not silently dropped.
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view data);
  // Writes what is buffered and closes the file; throws on a write error
  // (a full disk, for one), naming the path.
  void close();

private:
  void flush();

  std::filesystem::path path_;
  int fd_ = -1;
  std::string buffer_;
};

} // namespace common
