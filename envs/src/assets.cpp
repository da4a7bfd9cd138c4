// assets.cpp — locating the MJCF files: explicit folder, $FLOWRL_ASSETS_DIR, next to the library or
// the program (<prefix>/lib -> <prefix>/share/flowrl/assets), then the source tree (build tree only).
#include <flowrl/envs/assets.h>

#include <flowrl/core/error.h>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace flowrl::envs {
namespace {

namespace fs = std::filesystem;

// relative to the folder of the library / program: the install layout (computed by CMake from
// CMAKE_INSTALL_LIBDIR/BINDIR/DATADIR), then the build tree's <build>/<dir>/ -> <build>/share
#ifndef FLOWRL_ENVS_LIB_TO_ASSETS
#define FLOWRL_ENVS_LIB_TO_ASSETS "../share/flowrl/assets"
#endif
#ifndef FLOWRL_ENVS_BIN_TO_ASSETS
#define FLOWRL_ENVS_BIN_TO_ASSETS "../share/flowrl/assets"
#endif
constexpr const char* kBuildTreeSuffix = "../share/flowrl/assets";

// folder of the shared object (or executable) that contains this function
std::string library_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&library_dir), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  fs::path lib = fs::canonical(info.dli_fname, ec);
  return ec ? std::string() : lib.parent_path().string();
}

// folder of the running program
std::string program_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

std::string normal(const fs::path& p) { return p.lexically_normal().string(); }

}  // namespace

std::vector<std::string> assets_search_path(const std::string& explicit_dir) {
  std::vector<std::string> dirs;
  if (!explicit_dir.empty()) dirs.push_back(explicit_dir);
  if (const char* env = std::getenv(kAssetsDirEnvVar); env != nullptr && *env != '\0') dirs.push_back(env);
  auto add = [&](const std::string& dir) {
    if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
  };
  if (const std::string lib = library_dir(); !lib.empty()) {
    add(normal(fs::path(lib) / FLOWRL_ENVS_LIB_TO_ASSETS));
    add(normal(fs::path(lib) / kBuildTreeSuffix));
  }
  if (const std::string bin = program_dir(); !bin.empty()) {
    add(normal(fs::path(bin) / FLOWRL_ENVS_BIN_TO_ASSETS));
    add(normal(fs::path(bin) / kBuildTreeSuffix));
  }
#ifdef FLOWRL_ENVS_SOURCE_ASSETS_DIR
  add(FLOWRL_ENVS_SOURCE_ASSETS_DIR);
#endif
  return dirs;
}

std::string find_asset(const std::string& file, const std::string& explicit_dir) {
  const char* env = std::getenv(kAssetsDirEnvVar);
  const bool env_set = env != nullptr && *env != '\0';
  // an explicit choice is final: no silent fallback to another folder
  if (!explicit_dir.empty() || env_set) {
    const std::string dir = !explicit_dir.empty() ? explicit_dir : std::string(env);
    fs::path path = fs::path(dir) / file;
    FLOWRL_CHECK(fs::is_regular_file(path), "model file ", file, " not found in ", dir,
                 !explicit_dir.empty() ? " (EnvOptions::assets_dir)" : " ($FLOWRL_ASSETS_DIR)",
                 "; point it at the folder holding flowrl's MJCF files (envs/assets in the source tree, "
                 "share/flowrl/assets in an install)");
    return path.string();
  }
  std::ostringstream tried;
  for (const auto& dir : assets_search_path()) {
    fs::path path = fs::path(dir) / file;
    if (fs::is_regular_file(path)) return path.string();
    tried << "\n  " << dir;
  }
  fail("model file ", file, " not found; looked in:", tried.str(),
       "\nset ", kAssetsDirEnvVar, " (or EnvOptions::assets_dir) to the folder holding flowrl's MJCF "
       "files (share/flowrl/assets in an install, envs/assets in the source tree)");
}

}  // namespace flowrl::envs
