// The merged output file, the counterpart of Python's open(path, 'wb').
//
// Every stage opens it itself, as the book does, and closes it when all its
// tails are done. Writes are buffered like Python's: a line costs a copy, and
// the file sees one write() per 64 KiB. Nothing here is thread-safe; each stage
// decides who may write (a mutex in stage 1, the event loop's thread later).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace common {

// --append: the output files opened from now on add to an existing file
// instead of replacing it. Set once by the shared main() before a run.
void set_output_append(bool append);
// --follow: every line reaches the file at once, for a reader such as
// `tail -f merged.log`, instead of 64 KiB at a time.
void set_output_line_buffered(bool line_buffered);

// Called on the writing thread when a write to an output fails. The shared
// main() ends the run there and then: with the output gone no tail can make
// progress, and a follow run would otherwise read on and drop every line
// (GNU tail stops at a write error too).
void set_output_error_handler(std::function<void()> handler);

class OutputFile {
public:
  // Creates or truncates `path` (or appends to it, see set_output_append);
  // throws std::runtime_error naming the path.
  explicit OutputFile(std::filesystem::path path);
  // Writes what is buffered and closes, without reporting errors (a
  // destructor cannot throw): call close() on the normal path so a failed
  // last write is not silently dropped.
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Throws on a write error (a full disk, for one), naming the path. After
  // one, every call throws it again and nothing more is written: the file
  // stays correct up to the error, as a retry could write part of a line twice.
  void write(std::string_view data);
  // Writes what is buffered and closes the file; throws on a write error.
  void close();

private:
  void flush();

  std::filesystem::path path_;
  int fd_ = -1;
  std::string buffer_;
  std::string error_;      // the first write error; empty while there was none
  off_t whole_lines_ = -1; // a regular file's size after the last whole line written; -1 for a device or FIFO
};

} // namespace common
