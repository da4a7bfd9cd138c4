// temp_dir.h — a fresh temporary folder for a test, removed at scope exit.
#pragma once

#include <filesystem>
#include <random>
#include <string>

namespace flowrl::test {

/// A new folder under the system's temporary directory, named `<prefix>-<random>`; removed with
/// everything in it when the object goes out of scope.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& prefix) {
    path = std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  /// path / name, as a string.
  std::string file(const std::string& name) const { return (path / name).string(); }
};

}  // namespace flowrl::test
