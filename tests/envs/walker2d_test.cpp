// walker2d_test.cpp — Walker2d-v3 semantics: spaces, reset, reward, health (0.8 < z < 2, |angle| < 1).
#include "conformance.h"
#include "env_test_util.h"

#include <flowrl/core/error.h>
#include <flowrl/envs/gym_locomotion.h>

#include <catch2/catch.hpp>

using namespace flowrl;
using namespace flowrl::envs;
using flowrl::test::state_with;

TEST_CASE("walker2d passes the env conformance suite", "[envs][walker2d]") {
  test::check_env_conformance([](const EnvOptions& o) { return make_walker2d(o); });
}

TEST_CASE("walker2d spaces, timing and reset", "[envs][walker2d]") {
  auto env = make_walker2d(EnvOptions().reset_noise_scale(0.0));
  CHECK(env->name() == "walker2d");
  CHECK(env->observation_space().dim() == 17);
  CHECK(env->action_space().dim() == 6);
  CHECK(env->dt() == Approx(0.008).margin(1e-15));
  CHECK(make_walker2d()->reset_noise_scale() == 5e-3);
  Observation obs = env->reset(0);
  Observation expected(17, 0.0);
  expected[0] = 1.25;
  CHECK(obs == expected);

  auto noisy = make_walker2d(EnvOptions().reset_noise_scale(0.01));
  for (uint64_t seed = 0; seed < 20; ++seed) {
    noisy->reset(seed);
    MujocoState s = noisy->state();
    for (size_t i = 0; i < 9; ++i) {
      REQUIRE(std::abs(s.qpos[i] - (i == 1 ? 1.25 : 0.0)) <= 0.01);
      REQUIRE(std::abs(s.qvel[i]) <= 0.01);
    }
  }
}

TEST_CASE("walker2d reward and observation layout", "[envs][walker2d]") {
  auto env = make_walker2d();
  env->reset(4);
  const Action a = {0.1, 0.2, -0.3, 1.5, -0.5, 0.0};  // 1.5 is clipped to 1
  const double x_before = env->state().qpos[0];
  StepResult r = env->step(a);
  const double ctrl = 0.01 + 0.04 + 0.09 + 1.0 + 0.25;
  CHECK(r.reward == Approx((env->state().qpos[0] - x_before) / 0.008 + 1.0 - 1e-3 * ctrl).epsilon(1e-12));
  MujocoState s = env->state();
  for (size_t i = 0; i < 8; ++i) CHECK(r.observation[i] == s.qpos[i + 1]);
  for (size_t i = 0; i < 9; ++i) CHECK(r.observation[8 + i] == std::clamp(s.qvel[i], -10.0, 10.0));
}

TEST_CASE("walker2d health: strict 0.8 < z < 2.0 and -1 < angle < 1", "[envs][walker2d]") {
  auto env = make_walker2d(EnvOptions().reset_noise_scale(0.0));
  env->reset(0);
  auto healthy_at = [&](int i, double v, bool vel = false) {
    MujocoState s = state_with(*env, i, v, vel);
    env->set_state(s.qpos, s.qvel);
    return env->is_healthy();
  };
  CHECK_FALSE(healthy_at(1, 0.8));
  CHECK(healthy_at(1, 0.80001));
  CHECK_FALSE(healthy_at(1, 2.0));
  CHECK(healthy_at(1, 1.99999));
  CHECK_FALSE(healthy_at(2, 1.0));
  CHECK_FALSE(healthy_at(2, -1.0));
  CHECK(healthy_at(2, 0.99));
  CHECK(healthy_at(3, 2.0));               // joint angles are not checked
  CHECK(healthy_at(0, 500.0, true));       // nor are velocities
}

TEST_CASE("walker2d terminates when it falls", "[envs][walker2d]") {
  auto env = make_walker2d();
  env->reset(2);
  StepResult last;
  do last = env->step(Action(6, 0.0));
  while (!last.done());
  CHECK(last.terminated);
  CHECK_FALSE(last.truncated);
  CHECK(last.reward > -100);  // healthy reward paid on the terminating step too
}
