// flowrl/core/file.h — writing result files so that an interruption never leaves half of one.
#pragma once

#include <flowrl/core/error.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace flowrl {

/// Checks, before any work is done, that the folder `path` would be written into exists; `what`
/// names the option (e.g. "--json"). Throws flowrl::Error naming the folder.
inline void check_output_folder(const std::string& path, const std::string& what) {
  const auto folder = std::filesystem::path(path).parent_path();
  FLOWRL_CHECK(folder.empty() || std::filesystem::is_directory(folder), what, " ", path, ": the folder ",
               folder.string(), " does not exist; create it first");
}

/// Checks that the output `out` (given as option `out_what`) is not the input `in` (`in_what`),
/// by name or as the same file: writing the one would destroy the other. Throws flowrl::Error.
inline void check_not_input(const std::string& out, const std::string& out_what, const std::string& in,
                            const std::string& in_what) {
  if (out.empty() || in.empty()) return;
  std::error_code e1, e2, e3;
  const auto a = std::filesystem::weakly_canonical(out, e1), b = std::filesystem::weakly_canonical(in, e2);
  const bool same = out == in || (!e1 && !e2 && a == b) || std::filesystem::equivalent(out, in, e3);
  FLOWRL_CHECK(!same, out_what, " ", out, " is ", in_what, " too: one would overwrite the other; choose another path");
}

/// Flushes `path` (a file, or a folder and so the names in it) to the disk: what was written then
/// survives a power loss or a stopped VM, not only a crash of this process. Throws flowrl::Error
/// naming the path.
inline void sync_to_disk(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  FLOWRL_CHECK(fd >= 0, "cannot open ", path, " to flush it to disk: ", std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  // EINVAL: a file system that cannot sync this kind of file (some refuse folders); nothing to wait for
  FLOWRL_CHECK(rc == 0 || err == EINVAL, "cannot flush ", path, " to disk: ", std::strerror(err));
}

/// Writes `text` to `path`, replacing it, in place. For a file inside a folder that is itself
/// published by a rename (a checkpoint); anything else wants write_file_atomically. Throws
/// flowrl::Error naming `shown_as` (default: the path) when the folder is missing or not writable.
inline void write_file(const std::string& path, const std::string& text, const std::string& shown_as = {}) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  FLOWRL_CHECK(out.good(), "cannot write ", shown_as.empty() ? path : shown_as,
               ": check that its folder exists, is writable and has space");
}

/// Writes `text` to `path` through a temporary file next to it (`path.tmp`), flushed to the disk,
/// and a rename: a reader, or a script that resumes on the file's presence, sees the old file or the
/// whole new one, never a part, even after a power loss. Throws flowrl::Error naming the path when
/// the folder is missing or not writable.
inline void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  write_file(tmp, text, path);
  sync_to_disk(tmp);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    fail("cannot write ", path, ": renaming ", tmp, " onto it failed");
  }
  const auto folder = std::filesystem::path(path).parent_path();
  sync_to_disk(folder.empty() ? "." : folder.string());  // the rename itself
}

}  // namespace flowrl
