// flowrl/core/file.h — writing result files so that an interruption never leaves half of one.
#pragma once

#include <flowrl/core/error.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace flowrl {

/// Writes `text` to `path` through a temporary file next to it (`path.tmp`) and a rename: a reader,
/// or a script that resumes on the file's presence, sees the old file or the whole new one, never a
/// part. Throws flowrl::Error naming the path when the folder is missing or not writable.
inline void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    FLOWRL_CHECK(out.good(), "cannot write ", path, ": check that its folder exists, is writable and has space");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    fail("cannot write ", path, ": renaming ", tmp, " onto it failed");
  }
}

}  // namespace flowrl
