// What wakes a waiting tail when its input changes: one inotify instance for
// the whole process, watching every input file and its directory, read by one
// thread that calls InputHandle::wake(). A tail then looks again at once,
// instead of at the end of its --interval, and an idle tail costs nothing.
//
// Where inotify cannot be had (no instances or watches left, or
// TAIL_MERGE_NO_INOTIFY=1 in the environment), a tail is woken only by
// close() and by its interval, as before: stderr says so once. A build
// without inotify (another system, or TAIL_MERGE_INOTIFY=OFF) always works so,
// and says nothing. So it is for a
// file on a network or FUSE file system, where inotify sees only this
// machine's writes (tail -F polls there too).
#pragma once

#include <filesystem>

namespace common::inotify {

// Whether this build has inotify at all (TAIL_MERGE_INOTIFY, CMakeLists.txt).
bool built_in();

// What a watch wakes, from the watcher's thread: the lesson's input handle
// (common/input.hpp) is one.
class Wakeable {
public:
  virtual void wake() noexcept = 0;

protected:
  ~Wakeable() = default;
};

// Watches `path` (the file, and its directory for a file created or renamed
// onto that name) for `handle`, until forget(handle); whether it does.
bool watch(Wakeable* handle, const std::filesystem::path& path);
// Before `handle` is destroyed.
void forget(Wakeable* handle);

} // namespace common::inotify
