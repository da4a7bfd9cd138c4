// positions_test.cpp — the positions-only variants (EnvOptions::observe_velocities(false),
// registered as "<env>-positions"): same dynamics, observations without joint velocities.
#include "conformance.h"

#include <flowrl/envs/locomotion_env.h>
#include <flowrl/envs/random.h>
#include <flowrl/envs/registry.h>
#include <flowrl/envs/scores.h>

#include <catch2/catch.hpp>

using namespace flowrl;
using namespace flowrl::envs;

TEST_CASE("positions-only variants pass the env conformance suite", "[envs][positions]") {
  for (const std::string name : {"hopper-positions", "halfcheetah-positions", "walker2d-positions"}) {
    INFO(name);
    test::check_env_conformance([name](const EnvOptions& o) { return make_env(name, o); });
  }
}

TEST_CASE("a positions-only env observes qpos[1:] of the same trajectory, with the same rewards and ends",
          "[envs][positions]") {
  struct Case {
    std::string env;
    size_t positions, full;
  };
  for (const Case& c : {Case{"hopper", 5, 11}, Case{"halfcheetah", 8, 17}, Case{"walker2d", 8, 17}}) {
    INFO(c.env);
    auto full = make_env(c.env);
    auto pos = make_env(c.env + "-positions");
    CHECK(pos->name() == c.env + "-positions");
    CHECK(make_env(c.env, EnvOptions().observe_velocities(false))->name() == c.env + "-positions");
    REQUIRE(pos->observation_space().dim() == c.positions);
    REQUIRE(full->observation_space().dim() == c.full);
    CHECK(pos->action_space().low == full->action_space().low);
    Rng rng(7);
    for (uint64_t episode = 0; episode < 3; ++episode) {
      Observation a = full->reset(episode), b = pos->reset(episode);
      CHECK(b == Observation(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(c.positions)));
      for (int t = 0; t < 1000; ++t) {
        Action act(full->action_space().dim());
        for (auto& v : act) v = rng.uniform(-1.0, 1.0);
        const StepResult ra = full->step(act), rb = pos->step(act);
        REQUIRE(rb.observation ==
                Observation(ra.observation.begin(), ra.observation.begin() + static_cast<std::ptrdiff_t>(c.positions)));
        REQUIRE(rb.reward == ra.reward);
        REQUIRE(rb.terminated == ra.terminated);
        REQUIRE(rb.truncated == ra.truncated);
        if (ra.done()) break;
      }
    }
    // set_state (D4RL's qpos/qvel replay) gives the positions part too
    auto& loco = dynamic_cast<LocomotionEnv&>(*pos);
    const MujocoState s = dynamic_cast<LocomotionEnv&>(*full).state();
    CHECK(loco.set_state(s.qpos, s.qvel) == Observation(s.qpos.begin() + 1, s.qpos.end()));
  }
}

TEST_CASE("positions-only names: registry, full-observation env and reference scores", "[envs][positions]") {
  CHECK(resolve_env_name("walker2d-positions") == "walker2d-positions");
  CHECK(is_positions_only("hopper-positions"));
  CHECK_FALSE(is_positions_only("hopper"));
  CHECK_FALSE(is_positions_only("-positions"));
  CHECK(full_observation_env("halfcheetah-positions") == "halfcheetah");
  CHECK(full_observation_env("hopper-medium-v2") == "hopper-medium-v2");
  // the same task: scored against its env's D4RL references
  for (const std::string env : {"hopper", "halfcheetah", "walker2d"})
    CHECK(normalized_score(env + "-positions", 1234.5) == normalized_score(env, 1234.5));
  CHECK_THROWS(make_env("hopper-positions-positions"));
}
