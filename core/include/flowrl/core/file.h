// flowrl/core/file.h — writing result files so that an interruption never leaves half of one.
#pragma once

#include <flowrl/core/error.h>

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

/// Writes `text` to `path` through a temporary file next to it (`path.tmp`) and a rename: a reader,
/// or a script that resumes on the file's presence, sees the old file or the whole new one, never a
/// part. Throws flowrl::Error naming the path when the folder is missing or not writable.
inline void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  write_file(tmp, text, path);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    fail("cannot write ", path, ": renaming ", tmp, " onto it failed");
  }
}

}  // namespace flowrl
