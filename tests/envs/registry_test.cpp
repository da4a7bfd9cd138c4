// registry_test.cpp — env names, D4RL dataset names, Gym ids, custom registration, unknown names.
#include <flowrl/core/error.h>
#include <flowrl/envs/gym_locomotion.h>
#include <flowrl/envs/registry.h>

#include <catch2/catch.hpp>

using namespace flowrl;
using namespace flowrl::envs;

TEST_CASE("built-in envs are registered", "[envs][registry]") {
  auto names = registered_envs();
  for (const char* n : {"hopper", "halfcheetah", "walker2d", "ant"})
    CHECK(std::find(names.begin(), names.end(), n) != names.end());
  CHECK(make_env("hopper")->observation_space().dim() == 11);
  CHECK(make_env("halfcheetah")->name() == "halfcheetah");
  CHECK(make_env("walker2d")->action_space().dim() == 6);
  CHECK(make_env("ant")->observation_space().dim() == 111);
}

TEST_CASE("D4RL dataset names and Gym ids map to their env", "[envs][registry]") {
  CHECK(resolve_env_name("hopper-medium-v2") == "hopper");
  CHECK(resolve_env_name("hopper-medium-replay-v2") == "hopper");
  CHECK(resolve_env_name("halfcheetah-medium-expert-v2") == "halfcheetah");
  CHECK(resolve_env_name("walker2d-full-replay-v2") == "walker2d");
  CHECK(resolve_env_name("walker2d-random-v0") == "walker2d");
  CHECK(resolve_env_name("halfcheetah-expert-v1") == "halfcheetah");
  CHECK(resolve_env_name("Hopper-v3") == "hopper");
  CHECK(resolve_env_name("HalfCheetah-v2") == "halfcheetah");
  CHECK(resolve_env_name("Walker2d-v3") == "walker2d");
  CHECK(resolve_env_name("ant-medium-v2") == "ant");
  CHECK(resolve_env_name("Ant-v3") == "ant");
  CHECK(make_env("hopper-expert-v2")->name() == "hopper");
  // options reach the env
  auto env = make_env("walker2d-medium-v2", EnvOptions().max_episode_steps(7));
  CHECK(env->max_episode_steps() == 7);
}

TEST_CASE("unknown names are errors that list the known names", "[envs][registry]") {
  for (const char* bad : {"hoper", "ant-medium", "Ant-v4", "Hopper-v4", "hopper-v6", "hopper-medium", "hopper-median-v2", "Hopper-v9", ""}) {
    INFO(bad);
    CHECK_THROWS_AS(make_env(bad), Error);
  }
  CHECK_THROWS_WITH(make_env("hoper"), Catch::Contains("unknown environment 'hoper'") &&
                                           Catch::Contains("ant, ant-v5, halfcheetah, halfcheetah-positions, halfcheetah-v5, hopper, hopper-positions, "
                                                          "hopper-v5, walker2d, walker2d-positions, walker2d-v5") &&
                                           Catch::Contains("hopper-medium-v2") && Catch::Contains("Hopper-v5"));
}

TEST_CASE("custom envs can be registered once", "[envs][registry]") {
  register_env("test-hopper-short", [](const EnvOptions& o) { return make_hopper(EnvOptions(o).max_episode_steps(3)); });
  auto env = make_env("test-hopper-short");
  CHECK(env->max_episode_steps() == 3);
  CHECK_THROWS_WITH(register_env("test-hopper-short", [](const EnvOptions& o) { return make_hopper(o); }),
                    Catch::Contains("taken"));
  CHECK_THROWS_WITH(register_env("Bad Name", [](const EnvOptions& o) { return make_hopper(o); }),
                    Catch::Contains("lowercase"));
  CHECK_THROWS_AS(register_env("test-null", nullptr), Error);
}
