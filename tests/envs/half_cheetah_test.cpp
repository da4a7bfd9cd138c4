// half_cheetah_test.cpp — HalfCheetah-v3 semantics: never terminates, unclipped velocities,
// reward = forward velocity - 0.1 |a|^2, reset noise qpos U(+-0.1), qvel 0.1 N(0, 1).
#include "conformance.h"
#include "env_test_util.h"

#include <flowrl/envs/gym_locomotion.h>

#include <catch2/catch.hpp>

using namespace flowrl;
using namespace flowrl::envs;

TEST_CASE("halfcheetah passes the env conformance suite", "[envs][halfcheetah]") {
  test::check_env_conformance([](const EnvOptions& o) { return make_halfcheetah(o); });
}

TEST_CASE("halfcheetah spaces and timing", "[envs][halfcheetah]") {
  auto env = make_halfcheetah();
  CHECK(env->name() == "halfcheetah");
  CHECK(env->observation_space().dim() == 17);
  CHECK(env->action_space().dim() == 6);
  CHECK(env->dt() == Approx(0.05).margin(1e-15));
  CHECK(env->reset_noise_scale() == 0.1);
  auto quiet = make_halfcheetah(EnvOptions().reset_noise_scale(0.0));
  CHECK(quiet->reset(0) == Observation(17, 0.0));  // rootz is relative: qpos0 = 0
}

TEST_CASE("halfcheetah reset noise: qpos uniform, qvel normal", "[envs][halfcheetah]") {
  auto env = make_halfcheetah();
  double max_abs_qpos = 0;
  std::vector<double> qvel;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    env->reset(seed);
    MujocoState s = env->state();
    for (double q : s.qpos) {
      REQUIRE(std::abs(q) <= 0.1);
      max_abs_qpos = std::max(max_abs_qpos, std::abs(q));
    }
    qvel.insert(qvel.end(), s.qvel.begin(), s.qvel.end());
  }
  const test::SampleStats v = test::sample_stats(qvel);
  CHECK(std::abs(v.mean) < 0.01);
  CHECK(v.std == Approx(0.1).epsilon(0.06));
  CHECK(v.max_abs > 0.25);  // Gaussian tails reach beyond the uniform bound
  CHECK(max_abs_qpos > 0.095);
}

TEST_CASE("halfcheetah reward, observation layout (no velocity clip), never terminates", "[envs][halfcheetah]") {
  auto env = make_halfcheetah();
  env->reset(8);
  const Action a = {0.3, -0.3, 1.0, -4.0, 0.0, 0.5};  // -4 is clipped to -1
  const double x_before = env->state().qpos[0];
  StepResult r = env->step(a);
  const double ctrl = 0.09 + 0.09 + 1.0 + 1.0 + 0.0 + 0.25;
  CHECK(r.reward == Approx((env->state().qpos[0] - x_before) / 0.05 - 0.1 * ctrl).epsilon(1e-12));
  MujocoState s = env->state();
  for (size_t i = 0; i < 8; ++i) CHECK(r.observation[i] == s.qpos[i + 1]);
  for (size_t i = 0; i < 9; ++i) CHECK(r.observation[8 + i] == s.qvel[i]);

  // a wild state: upside down and fast; still no termination, velocities unclipped
  MujocoState wild = s;
  wild.qpos[2] = 3.0;
  wild.qvel[0] = 50.0;
  Observation obs = env->set_state(wild.qpos, wild.qvel);
  CHECK(obs[8] == 50.0);
  CHECK(env->is_healthy());

  // a full episode is truncated at 1000 steps
  env->reset(1);
  StepResult last;
  int steps = 0;
  do {
    last = env->step({1, -1, 1, -1, 1, -1});
    ++steps;
    REQUIRE_FALSE(last.terminated);
  } while (!last.done());
  CHECK(steps == 1000);
  CHECK(last.truncated);
}
