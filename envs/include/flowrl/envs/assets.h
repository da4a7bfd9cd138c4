// flowrl/envs/assets.h — where the MJCF model files are found.
//
// The folder is the first that applies of:
//   1. an explicit folder (EnvOptions::assets_dir);
//   2. the environment variable FLOWRL_ASSETS_DIR;
//   3. next to libflowrl_envs: <libdir>/<relative path to share/flowrl/assets> as installed (CMake
//      computes it from CMAKE_INSTALL_LIBDIR and DATADIR, e.g. ../share/flowrl/assets), then
//      <libdir>/../share/flowrl/assets (the build tree: the build copies envs/assets/ to
//      <build>/share/flowrl/assets, beside <build>/envs/libflowrl_envs.so);
//   4. the same two relative to the running program's folder (static builds, bin/ -> share/);
//   5. the source tree's envs/assets (a build-tree fallback only; used when it exists).
// No absolute install path is compiled in; an installed tree can be moved as a whole.
// An explicit folder (1 or 2) that lacks the file is an error; there is no silent fallback from it.
#pragma once

#include <string>
#include <vector>

namespace flowrl::envs {

/// Name of the environment variable that overrides the assets folder.
inline constexpr const char* kAssetsDirEnvVar = "FLOWRL_ASSETS_DIR";

/// The folders that would be searched for assets, in order (explicit_dir first when non-empty).
std::vector<std::string> assets_search_path(const std::string& explicit_dir = "");

/// Full path of model file `file` (e.g. "hopper.xml"). Throws flowrl::Error naming the folders tried
/// and how to point flowrl at the right one.
std::string find_asset(const std::string& file, const std::string& explicit_dir = "");

}  // namespace flowrl::envs
