#include "inotify.hpp"

#include "common/system/posix_io.hpp"
#include "common/system/thread_name.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <poll.h>
#include <pthread.h>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#if TAIL_MERGE_HAVE_INOTIFY
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/statfs.h>
#endif

namespace common::inotify {

namespace {

#if TAIL_MERGE_HAVE_INOTIFY

constexpr std::uint32_t file_events = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVE_SELF | IN_DELETE_SELF;
constexpr std::uint32_t directory_events = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;

// The kind of file system `directory` is on, if inotify sees only this
// machine's changes there: a network or FUSE file system (the list GNU
// tail keeps for the same reason).
std::optional<std::string> remote_file_system(const std::filesystem::path& directory) {
  struct statfs fs {};
  if (::statfs(directory.c_str(), &fs) != 0) {
    return std::nullopt;
  }
  switch (static_cast<unsigned long>(fs.f_type)) {
  case 0x6969: // NFS_SUPER_MAGIC
    return "NFS";
  case 0xFF534D42: // CIFS_MAGIC_NUMBER
  case 0xFE534D42: // SMB2_MAGIC_NUMBER
  case 0x517B:     // SMB_SUPER_MAGIC
    return "SMB";
  case 0x65735546: // FUSE_SUPER_MAGIC
    return "FUSE";
  case 0x01021997: // V9FS_MAGIC
    return "9P";
  case 0x00C36400: // CEPH_SUPER_MAGIC
    return "Ceph";
  case 0x47504653: // GPFS_SUPER_MAGIC
    return "GPFS";
  case 0x0BD00BD0: // LUSTRE_SUPER_MAGIC
    return "Lustre";
  case 0x5346414F: // AFS_SUPER_MAGIC
    return "AFS";
  default:
    return std::nullopt;
  }
}

// The one instance. Its lock is held while a handle is woken, and forget()
// takes it too: a handle is never woken while it is being destroyed.
class Watcher {
public:
  static Watcher& instance() {
    static Watcher watcher;
    return watcher;
  }

  bool watch(Wakeable* handle, const std::filesystem::path& path) {
    if (const char* off = std::getenv("TAIL_MERGE_NO_INOTIFY"); off != nullptr && *off != '\0' && *off != '0') {
      return false; // asked for: the polling is what is being tried, no note
    }
    std::lock_guard lock(mutex_);
    if (!start()) {
      return false;
    }
    const auto absolute = std::filesystem::absolute(path).lexically_normal();
    if (const auto remote = remote_file_system(absolute.parent_path())) {
      if (!std::exchange(said_remote_, true)) {
        note(absolute.string() + ": on " + *remote +
             ", where inotify does not see other machines' writes: new lines there are noticed every --interval");
      }
      return false;
    }
    // A file not created yet has no watch of its own until its directory
    // says it was created (run() adds it then).
    const int file = ::inotify_add_watch(fd_, absolute.c_str(), file_events);
    if (file < 0 && errno != ENOENT) {
      give_up(std::string("cannot watch ") + absolute.string() + ": " + std::strerror(errno));
      return false;
    }
    const int directory = ::inotify_add_watch(fd_, absolute.parent_path().c_str(), directory_events | IN_ONLYDIR);
    if (directory < 0) {
      give_up(std::string("cannot watch ") + absolute.parent_path().string() + ": " + std::strerror(errno));
      return false;
    }
    Watched& watched = watched_[handle];
    watched = {absolute, {}, directory};
    if (file >= 0) {
      files_[file].insert(handle);
      watched.files.push_back(file);
    }
    names_[directory].emplace(absolute.filename().string(), handle);
    return true;
  }

  void forget(Wakeable* handle) {
    std::lock_guard lock(mutex_);
    const auto found = watched_.find(handle);
    if (found == watched_.end()) {
      return;
    }
    const Watched& watched = found->second;
    for (const int wd : watched.files) {
      if (const auto file = files_.find(wd); file != files_.end()) {
        file->second.erase(handle);
      }
    }
    auto& names = names_[watched.directory];
    const auto [first, last] = names.equal_range(watched.path.filename().string());
    for (auto it = first; it != last;) {
      it = it->second == handle ? names.erase(it) : std::next(it);
    }
    watched_.erase(found);
    // The watches themselves stay until the file or directory goes: removing
    // one that another handle shares would need counting, and they are cheap.
  }

  ~Watcher() {
    if (thread_.joinable()) {
      const std::uint64_t one = 1;
      [[maybe_unused]] const auto ignored = ::write(stop_, &one, sizeof one);
      thread_.join();
    }
    if (fd_ >= 0) {
      ::close(fd_);
      ::close(stop_);
    }
  }

private:
  Watcher() = default;

  // Starts the instance and its thread on first use; false if inotify is off.
  bool start() {
    if (fd_ >= 0) {
      return true;
    }
    if (failed_) {
      return false;
    }
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    stop_ = fd_ >= 0 ? ::eventfd(0, EFD_CLOEXEC) : -1;
    if (fd_ < 0 || stop_ < 0) {
      give_up(std::string("inotify: ") + std::strerror(errno));
      return false;
    }
    // The thread takes no signals: it starts with all of them blocked (a
    // thread inherits its creator's mask), so SIGINT and friends go to the
    // thread or loop that waits for them, whenever the watcher was started.
    sigset_t all;
    sigset_t old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &old);
    thread_ = std::thread([this] { run(); });
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return true;
  }

  void give_up(const std::string& why) {
    if (!failed_) {
      note(why + ": new lines are noticed every --interval instead of at once");
    }
    failed_ = true;
  }

  void run() {
    set_thread_name("inotify");
    std::array<pollfd, 2> fds{{{fd_, POLLIN, 0}, {stop_, POLLIN, 0}}};
    alignas(inotify_event) std::array<char, 64 * 1024> buffer{};
    for (;;) {
      if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
        return;
      }
      if (fds[1].revents != 0) {
        return;
      }
      const auto n = ::read(fd_, buffer.data(), buffer.size());
      if (n <= 0) {
        continue;
      }
      std::lock_guard lock(mutex_);
      std::set<Wakeable*> woken;
      for (auto offset = 0L; offset < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + offset);
        offset += static_cast<long>(sizeof(inotify_event) + event->len);
        if ((event->mask & IN_Q_OVERFLOW) != 0) {
          for (const auto& [handle, watched] : watched_) {
            woken.insert(handle);
          }
          continue;
        }
        if ((event->mask & IN_IGNORED) != 0) { // the file is gone, and its watch with it
          if (const auto file = files_.find(event->wd); file != files_.end()) {
            for (auto* handle : file->second) {
              std::erase(watched_.at(handle).files, event->wd);
            }
            files_.erase(file);
          }
          continue;
        }
        if (const auto file = files_.find(event->wd); file != files_.end()) {
          woken.insert(file->second.begin(), file->second.end());
        }
        if (const auto directory = names_.find(event->wd); directory != names_.end() && event->len > 0) {
          const auto [first, last] = directory->second.equal_range(event->name);
          for (auto it = first; it != last; ++it) {
            woken.insert(it->second);
            // A new file at the name: watch it too (the handle moves to it
            // once it has read the old one to its end).
            if ((event->mask & (IN_CREATE | IN_MOVED_TO)) != 0) {
              auto& watched = watched_[it->second];
              const int wd = ::inotify_add_watch(fd_, watched.path.c_str(), file_events);
              if (wd >= 0 && files_[wd].insert(it->second).second) {
                watched.files.push_back(wd);
              }
            }
          }
        }
      }
      for (auto* handle : woken) {
        handle->wake();
      }
    }
  }

  std::mutex mutex_;
  int fd_ = -1;
  int stop_ = -1;
  bool failed_ = false;
  bool said_remote_ = false;
  // What is watched for a handle, so that forget() finds it without a search.
  struct Watched {
    std::filesystem::path path;
    std::vector<int> files; // the file's watches: the first one's, and a new file's at the name
    int directory = -1;
  };

  std::map<int, std::set<Wakeable*>> files_;                   // a file's watch: its handles
  std::map<int, std::multimap<std::string, Wakeable*>> names_; // a directory's watch: followed names
  std::map<Wakeable*, Watched> watched_;                       // every handle watched
  std::thread thread_;
};

#endif

} // namespace

bool built_in() {
  return TAIL_MERGE_HAVE_INOTIFY;
}

bool watch(Wakeable* handle, const std::filesystem::path& path) {
#if TAIL_MERGE_HAVE_INOTIFY
  return Watcher::instance().watch(handle, path);
#else
  (void)handle;
  (void)path;
  return false;
#endif
}

void forget(Wakeable* handle) {
#if TAIL_MERGE_HAVE_INOTIFY
  Watcher::instance().forget(handle);
#else
  (void)handle;
#endif
}

} // namespace common::inotify
