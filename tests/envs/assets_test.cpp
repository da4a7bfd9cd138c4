// assets_test.cpp — finding model files: explicit folder, FLOWRL_ASSETS_DIR, defaults; load errors.
#include <flowrl/core/error.h>
#include <flowrl/envs/assets.h>
#include <flowrl/envs/gym_locomotion.h>
#include <flowrl/envs/registry.h>
#include <mujoco/mujoco.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include <unistd.h>

using namespace flowrl;
using namespace flowrl::envs;
namespace fs = std::filesystem;

namespace {

// a scratch folder, removed on scope exit
struct TempDir {
  fs::path path;
  TempDir() : path(fs::temp_directory_path() / ("flowrl_assets_test_" + std::to_string(::getpid()))) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// sets an environment variable for a scope
struct ScopedEnv {
  std::string name;
  std::optional<std::string> old;
  ScopedEnv(const std::string& n, const std::string& value) : name(n) {
    if (const char* v = std::getenv(n.c_str())) old = v;
    ::setenv(n.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old)
      ::setenv(name.c_str(), old->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};

}  // namespace

TEST_CASE("the default search finds the shipped models without absolute configuration", "[envs][assets]") {
  ::unsetenv(kAssetsDirEnvVar);
  for (const char* file : {"hopper.xml", "walker2d.xml", "half_cheetah.xml", "ant.xml"}) {
    const std::string path = find_asset(file);
    CHECK(fs::is_regular_file(path));
    CHECK(fs::path(path).filename() == file);
  }
  auto dirs = assets_search_path();
  REQUIRE(dirs.size() >= 2);
  CHECK(dirs[0].find("share/flowrl/assets") != std::string::npos);  // next to the library first
}

TEST_CASE("an explicit folder or FLOWRL_ASSETS_DIR overrides, without silent fallback", "[envs][assets]") {
  TempDir tmp;
  fs::copy_file(find_asset("hopper.xml"), tmp.path / "hopper.xml");
  CHECK(find_asset("hopper.xml", tmp.path.string()) == (tmp.path / "hopper.xml").string());
  CHECK(make_hopper(EnvOptions().assets_dir(tmp.path.string()))->model_path() == (tmp.path / "hopper.xml").string());
  CHECK_THROWS_WITH(find_asset("walker2d.xml", tmp.path.string()),
                    Catch::Contains("walker2d.xml not found in " + tmp.path.string()) && Catch::Contains("assets_dir"));
  {
    ScopedEnv env(kAssetsDirEnvVar, tmp.path.string());
    CHECK(assets_search_path()[0] == tmp.path.string());
    CHECK(make_hopper()->model_path() == (tmp.path / "hopper.xml").string());
    CHECK_THROWS_WITH(make_walker2d(), Catch::Contains("FLOWRL_ASSETS_DIR"));
  }
  CHECK_NOTHROW(make_walker2d());
}

TEST_CASE("MuJoCo load errors become flowrl::Error naming the file", "[envs][assets]") {
  TempDir tmp;
  {
    std::ofstream bad(tmp.path / "hopper.xml");
    bad << "<mujoco><worldbody><body><geom type=\"capsule\" size=\"oops\"/></body></worldbody></mujoco>";
  }
  const std::string file = (tmp.path / "hopper.xml").string();
  CHECK_THROWS_WITH(make_hopper(EnvOptions().assets_dir(tmp.path.string())),
                    Catch::Contains("MuJoCo could not load model file " + file));
  {
    std::ofstream trunc(tmp.path / "hopper.xml");
    trunc << "<mujoco><worldbody>";
  }
  CHECK_THROWS_WITH(make_hopper(EnvOptions().assets_dir(tmp.path.string())), Catch::Contains(file));
  {
    // a valid model that is not a planar walker
    std::ofstream tiny(tmp.path / "hopper.xml");
    tiny << "<mujoco><worldbody><body><joint type=\"slide\"/><geom size=\"0.1\"/></body></worldbody></mujoco>";
  }
  CHECK_THROWS_WITH(make_hopper(EnvOptions().assets_dir(tmp.path.string())), Catch::Contains("root joints"));
}

TEST_CASE("bad env options are errors", "[envs][assets]") {
  CHECK_THROWS_WITH(make_hopper(EnvOptions().reset_noise_scale(-1.0)), Catch::Contains("reset_noise_scale"));
  CHECK_THROWS_WITH(make_hopper(EnvOptions().max_episode_steps(0)), Catch::Contains("max_episode_steps"));
}

TEST_CASE("a MuJoCo error becomes a flowrl::Error, not a 'Press Enter' prompt", "[envs][assets]") {
  // Making an env installs flowrl's handlers (unless the program set its own); MuJoCo's default
  // error handler would print, wait for Enter on stdin and exit the process.
  auto env = make_env("hopper");
  REQUIRE(mju_user_error != nullptr);
  CHECK_THROWS_WITH(mju_error("Could not allocate memory"),
                    Catch::Contains("MuJoCo: Could not allocate memory") && Catch::Contains("too many environment copies"));
}
