// gymnasium_v5_test.cpp — Gymnasium's v5 envs: the conformance suite, what each changes from its v3 env
// (healthy reward only while healthy, Walker2d-v5's feet, Ant-v5's measured contact forces and
// quaternion), and the names a Minari dataset's env_spec uses.
#include "conformance.h"
#include "env_test_util.h"

#include <flowrl/envs/gym_locomotion.h>
#include <flowrl/envs/gymnasium_v5.h>
#include <flowrl/envs/registry.h>
#include <flowrl/envs/scores.h>

#include <catch2/catch.hpp>

#include <cmath>

using namespace flowrl;
using namespace flowrl::envs;
using flowrl::test::state_with;

TEST_CASE("the v5 envs pass the env conformance suite", "[envs][v5]") {
  SECTION("hopper-v5") { test::check_env_conformance([](const EnvOptions& o) { return make_hopper_v5(o); }); }
  SECTION("walker2d-v5") { test::check_env_conformance([](const EnvOptions& o) { return make_walker2d_v5(o); }); }
  SECTION("halfcheetah-v5") {
    test::check_env_conformance([](const EnvOptions& o) { return make_halfcheetah_v5(o); });
  }
  SECTION("ant-v5") { test::check_env_conformance([](const EnvOptions& o) { return make_ant_v5(o); }); }
}

TEST_CASE("Gymnasium ids resolve to the v5 envs, which have no D4RL reference scores", "[envs][v5][registry]") {
  struct Name {
    const char* gymnasium_id;
    const char* env;
    size_t obs_dim, act_dim;
  };
  for (const Name& n : {Name{"Hopper-v5", "hopper-v5", 11, 3}, Name{"Walker2d-v5", "walker2d-v5", 17, 6},
                        Name{"HalfCheetah-v5", "halfcheetah-v5", 17, 6}, Name{"Ant-v5", "ant-v5", 105, 8}}) {
    INFO(n.gymnasium_id);
    CHECK(resolve_env_name(n.gymnasium_id) == n.env);
    CHECK(resolve_env_name(n.env) == n.env);
    auto env = make_env(n.gymnasium_id);
    CHECK(env->name() == n.env);
    CHECK(env->observation_space().dim() == n.obs_dim);
    CHECK(env->action_space().dim() == n.act_dim);
    CHECK(env->max_episode_steps() == 1000);
    CHECK(dynamic_cast<LocomotionEnv&>(*env).spec().gym_id == n.gymnasium_id);
    CHECK_FALSE(find_reference_scores(n.env).has_value());  // Minari's datasets carry their own
  }
  CHECK(gym_v3_env("hopper-v5") == "hopper");
  CHECK(gym_v3_env("ant-v5") == "ant");
  CHECK(gym_v3_env("walker2d") == "walker2d");
  CHECK(gym_v3_env("hopper-medium-v2") == "hopper-medium-v2");
}

TEST_CASE("v5 hopper and walker2d pay the healthy reward only on steps that end healthy", "[envs][v5]") {
  for (auto [v3, v5] : {std::pair{hopper_spec(), hopper_v5_spec()}, std::pair{walker2d_spec(), walker2d_v5_spec()}}) {
    INFO(v5.name);
    LocomotionEnv old_env(v3, EnvOptions().reset_noise_scale(0.0));
    LocomotionEnv new_env(v5, EnvOptions().reset_noise_scale(0.0));
    const Action zero(old_env.action_space().dim(), 0.0);
    // a healthy step: both pay 1
    old_env.reset(0);
    new_env.reset(0);
    CHECK(new_env.step(zero).reward == old_env.step(zero).reward);
    // a terminating step (torso tilted past the angle range): v3 pays 1, v5 nothing
    const MujocoState tilted = state_with(old_env, 2, 1.5);
    old_env.reset(0);
    new_env.reset(0);
    old_env.set_state(tilted.qpos, tilted.qvel);
    new_env.set_state(tilted.qpos, tilted.qvel);
    const StepResult r_old = old_env.step(zero), r_new = new_env.step(zero);
    REQUIRE(r_old.terminated);
    REQUIRE(r_new.terminated);
    CHECK(r_new.observation == r_old.observation);
    CHECK(r_new.reward == Approx(r_old.reward - 1.0).margin(1e-12));
  }
}

TEST_CASE("halfcheetah-v5 is halfcheetah under another name", "[envs][v5]") {
  auto a = make_halfcheetah();
  auto b = make_halfcheetah_v5();
  a->reset(4);
  b->reset(4);
  for (int t = 0; t < 50; ++t) {
    const Action act = {std::sin(0.1 * t), -0.5, 0.3, 1, -1, std::cos(0.2 * t)};
    const StepResult ra = a->step(act), rb = b->step(act);
    REQUIRE(ra.observation == rb.observation);
    REQUIRE(ra.reward == rb.reward);
  }
}

TEST_CASE("walker2d-v5's model has both feet at friction 1.9, otherwise walker2d's", "[envs][v5][model]") {
  const ModelSummary v3 = make_walker2d()->model_summary(), v5 = make_walker2d_v5()->model_summary();
  REQUIRE(v3.geoms.size() == v5.geoms.size());
  for (size_t g = 0; g < v3.geoms.size(); ++g) {
    INFO(v3.geoms[g].name);
    if (v3.geoms[g].name == "foot_geom") {
      CHECK(v3.geoms[g].friction[0] == 0.9);
      CHECK(v5.geoms[g].friction == std::vector<double>{1.9, 0.1, 0.1});
    } else {
      CHECK(v5.geoms[g].friction == v3.geoms[g].friction);
    }
  }
  CHECK(v5.total_mass == v3.total_mass);
  REQUIRE(v3.bodies.size() == v5.bodies.size());
  for (size_t b = 0; b < v3.bodies.size(); ++b) CHECK(v5.bodies[b].mass == v3.bodies[b].mass);
}

TEST_CASE("ant-v5: 105-dim observation with clipped cfrc_ext, contact cost, quaternion as drawn", "[envs][v5][ant]") {
  auto env = make_ant_v5();
  auto v3 = make_ant();
  CHECK(env->spec().quaternion == QuaternionInQpos::kAsGiven);

  // reset: Gymnasium's reset observes zero contact forces and the drawn, non-unit quaternion
  Observation first = env->reset(11);
  REQUIRE(first.size() == 105);
  for (size_t i = 27; i < 105; ++i) CHECK(first[i] == 0.0);
  const MujocoState s0 = env->state();
  CHECK(std::abs(test::sum_sq({s0.qpos[3], s0.qpos[4], s0.qpos[5], s0.qpos[6]}) - 1.0) > 1e-6);
  for (size_t i = 0; i < 13; ++i) CHECK(first[i] == s0.qpos[i + 2]);

  // stepping: the same dynamics as the v3 ant; the observation's contact block is clipped cfrc_ext
  // of the 13 bodies, the reward charges 5e-4 of its squares and pays 1 while healthy
  v3->reset(0);
  v3->set_state(s0.qpos, s0.qvel);
  bool touched = false, clipped = false;
  for (int t = 0; t < 25; ++t) {
    const Action act = {std::sin(0.3 * t), 1, -1, std::cos(0.2 * t), 0.5, -0.5, 1, -1};
    const StepResult r5 = env->step(act), r3 = v3->step(act);
    REQUIRE(r5.observation.size() == 105);
    for (size_t i = 0; i < 27; ++i) REQUIRE(r5.observation[i] == Approx(r3.observation[i]).margin(1e-8));  // rounding, grown by chaos
    double contact_sq = 0;
    for (size_t i = 27; i < 105; ++i) {
      const double f = r5.observation[i];
      REQUIRE(std::abs(f) <= 1.0);
      touched = touched || f != 0.0;
      clipped = clipped || std::abs(f) == 1.0;
      contact_sq += f * f;
    }
    const double healthy = r3.terminated ? 0.0 : 1.0;  // the v3 ant pays 1 either way
    CHECK(r5.reward == Approx(r3.reward - 1.0 + healthy - 5e-4 * contact_sq).margin(1e-7));
    if (r5.done()) break;
  }
  CHECK(touched);  // the feet touch the floor
  CHECK(clipped);  // and press on it harder than 1 N somewhere

  // set_state computes the contact forces of the state it sets: standing, the feet press on the floor
  auto standing = make_ant_v5(EnvOptions().reset_noise_scale(0.0));
  standing->reset(0);
  StepResult settled;
  for (int t = 0; t < 20; ++t) settled = standing->step(Action(8, 0.0));
  const MujocoState s = standing->state();
  auto fresh = make_ant_v5();
  const Observation obs = fresh->set_state(s.qpos, s.qvel);
  for (size_t i = 0; i < 27; ++i) CHECK(obs[i] == settled.observation[i]);
  // after a step cfrc_ext comes from the step's last kinematics pass (RK4: its last stage), so a
  // standing ant's forces differ from those of its end state only a little
  for (size_t i = 27; i < 105; ++i) CHECK(obs[i] == Approx(settled.observation[i]).margin(1e-3));
  double sum = 0;
  for (size_t i = 27; i < 105; ++i) sum += std::abs(obs[i]);
  CHECK(sum > 0.1);
}
