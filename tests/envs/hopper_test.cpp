// hopper_test.cpp — Hopper-v3 semantics: spaces, reset, reward, health, velocity clip.
#include "conformance.h"
#include "env_test_util.h"

#include <flowrl/core/error.h>
#include <flowrl/envs/gym_locomotion.h>

#include <catch2/catch.hpp>

using namespace flowrl;
using namespace flowrl::envs;
using flowrl::test::state_with;

TEST_CASE("hopper passes the env conformance suite", "[envs][hopper]") {
  test::check_env_conformance([](const EnvOptions& o) { return make_hopper(o); });
}

TEST_CASE("hopper spaces, timing and default noise", "[envs][hopper]") {
  auto env = make_hopper();
  CHECK(env->name() == "hopper");
  CHECK(env->observation_space().dim() == 11);
  CHECK(env->action_space().dim() == 3);
  CHECK(env->action_space().low == std::vector<double>{-1, -1, -1});
  CHECK(env->action_space().high == std::vector<double>{1, 1, 1});
  CHECK(std::isinf(env->observation_space().high[0]));
  CHECK(env->dt() == Approx(0.008).margin(1e-15));
  CHECK(env->reset_noise_scale() == 5e-3);
  CHECK(env->spec().gym_id == "Hopper-v3");
}

TEST_CASE("hopper reset: qpos0 = (0, 1.25, 0...), noise U(-s, s) on qpos and qvel", "[envs][hopper]") {
  auto quiet = make_hopper(EnvOptions().reset_noise_scale(0.0));
  Observation obs = quiet->reset(3);
  CHECK(obs == Observation{1.25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});

  auto env = make_hopper(EnvOptions().reset_noise_scale(0.05));
  const std::vector<double> qpos0 = {0, 1.25, 0, 0, 0, 0};
  double max_dev = 0;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    env->reset(seed);
    MujocoState s = env->state();
    for (size_t i = 0; i < 6; ++i) {
      REQUIRE(std::abs(s.qpos[i] - qpos0[i]) <= 0.05);
      REQUIRE(std::abs(s.qvel[i]) <= 0.05);
      max_dev = std::max({max_dev, std::abs(s.qpos[i] - qpos0[i]), std::abs(s.qvel[i])});
    }
    CHECK(s.time == 0.0);
  }
  CHECK(max_dev > 0.045);  // the whole interval is used
}

TEST_CASE("hopper reward: forward velocity + 1 - 1e-3 |clip(a)|^2", "[envs][hopper]") {
  auto env = make_hopper();
  env->reset(11);
  const Action a = {0.5, -2.0, 0.25};  // -2 is clipped to -1
  const double x_before = env->state().qpos[0];
  StepResult r = env->step(a);
  const double x_after = env->state().qpos[0];
  const double expected = (x_after - x_before) / 0.008 + 1.0 - 1e-3 * (0.25 + 1.0 + 0.0625);
  CHECK(r.reward == Approx(expected).epsilon(1e-12));
  // observation layout: qpos[1:] ++ clip(qvel, -10, 10)
  MujocoState s = env->state();
  for (size_t i = 0; i < 5; ++i) CHECK(r.observation[i] == s.qpos[i + 1]);
  for (size_t i = 0; i < 6; ++i) CHECK(r.observation[5 + i] == std::clamp(s.qvel[i], -10.0, 10.0));
}

TEST_CASE("hopper health: strict z > 0.7, |angle| < 0.2, |qpos[2:], qvel| < 100", "[envs][hopper]") {
  auto env = make_hopper(EnvOptions().reset_noise_scale(0.0));
  env->reset(0);
  auto set = [&](const MujocoState& s) { return env->set_state(s.qpos, s.qvel); };

  set(state_with(*env, 1, 0.7));
  CHECK_FALSE(env->is_healthy());
  set(state_with(*env, 1, 0.7000001));
  CHECK(env->is_healthy());
  set(state_with(*env, 2, 0.2));
  CHECK_FALSE(env->is_healthy());
  set(state_with(*env, 2, -0.2));
  CHECK_FALSE(env->is_healthy());
  set(state_with(*env, 2, 0.19999));
  CHECK(env->is_healthy());
  set(state_with(*env, 3, -100.0));  // qpos[2:] range
  CHECK_FALSE(env->is_healthy());
  set(state_with(*env, 0, 100.0, /*velocity=*/true));  // qvel range, incl. vx
  CHECK_FALSE(env->is_healthy());
  set(state_with(*env, 0, 99.0, /*velocity=*/true));
  CHECK(env->is_healthy());
  set(state_with(*env, 0, 500.0));  // qpos[0] (x) is not checked
  CHECK(env->is_healthy());
}

TEST_CASE("hopper terminates when it falls, the healthy reward is still paid", "[envs][hopper]") {
  auto env = make_hopper(EnvOptions().reset_noise_scale(0.0));
  env->reset(0);
  // start unhealthy (torso tilted): the first step terminates
  MujocoState s = state_with(*env, 2, 0.5);
  env->set_state(s.qpos, s.qvel);
  const double x_before = env->state().qpos[0];
  StepResult r = env->step({0, 0, 0});
  CHECK(r.terminated);
  CHECK_FALSE(r.truncated);
  CHECK(r.reward == Approx((env->state().qpos[0] - x_before) / 0.008 + 1.0).epsilon(1e-12));
  CHECK_THROWS_AS(env->step({0, 0, 0}), Error);

  // unactuated, it falls over before the time limit
  env->reset(1);
  StepResult last;
  do last = env->step({0, 0, 0});
  while (!last.done());
  CHECK(last.terminated);
  CHECK_FALSE(last.truncated);
  CHECK(env->elapsed_steps() < 1000);
}

TEST_CASE("hopper observation clips velocities to [-10, 10]", "[envs][hopper]") {
  auto env = make_hopper();
  env->reset(0);
  MujocoState s = state_with(*env, 4, 25.0, /*velocity=*/true);
  s.qvel[5] = -30.0;
  Observation obs = env->set_state(s.qpos, s.qvel);
  CHECK(obs[5 + 4] == 10.0);
  CHECK(obs[5 + 5] == -10.0);
  CHECK(env->state().qvel[4] == 25.0);
}

TEST_CASE("hopper set_state checks sizes and finiteness", "[envs][hopper]") {
  auto env = make_hopper();
  CHECK_THROWS_WITH(env->set_state({0, 1}, {0, 0, 0, 0, 0, 0}), Catch::Contains("6 qpos and 6 qvel"));
  CHECK_THROWS_WITH(env->set_state({0, 1.25, 0, 0, 0, NAN}, std::vector<double>(6, 0.0)), Catch::Contains("not finite"));
}
