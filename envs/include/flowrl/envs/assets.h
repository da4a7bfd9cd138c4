// flowrl/envs/assets.h — where the MJCF model files are found.
//
// The folder is the first that applies of:
//   1. an explicit folder (EnvOptions::assets_dir);
//   2. the environment variable FLOWRL_ASSETS_DIR;
//   3. <folder of libflowrl_envs>/../share/flowrl/assets  (install tree: lib/ -> share/; build tree:
//      the build copies envs/assets/ to <build>/share/flowrl/assets);
//   4. <folder of the running program>/../share/flowrl/assets;
//   5. the source tree's envs/assets (a build-tree fallback only; used when it exists).
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
