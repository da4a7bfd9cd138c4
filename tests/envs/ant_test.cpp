// ant_test.cpp — Ant-v3 semantics as D4RL's ant-*-v2 files have them: 111-dim observation ending in
// 84 zeros, reward = torso x velocity + 1 - 0.5 |a|^2 (contact cost 0), health 0.2 <= z <= 1 with the
// bounds included, reset noise qpos U(+-0.1), qvel 0.1 N(0, 1).
#include "conformance.h"
#include "env_test_util.h"

#include <flowrl/core/error.h>
#include <flowrl/envs/gym_locomotion.h>
#include <flowrl/envs/registry.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace flowrl;
using namespace flowrl::envs;

namespace {

// qpos0: torso at height 0.75, identity orientation, joints at 0 (outside the ankles' ranges, as in Gym)
const std::vector<double> kQpos0 = {0, 0, 0.75, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

// the noise-free state with qpos[i] = value
MujocoState ant_state(int i, double value) {
  MujocoState s{kQpos0, std::vector<double>(14, 0.0), 0.0};
  s.qpos[static_cast<size_t>(i)] = value;
  return s;
}

}  // namespace

TEST_CASE("ant passes the env conformance suite", "[envs][ant]") {
  test::check_env_conformance([](const EnvOptions& o) { return make_ant(o); });
}

TEST_CASE("ant spaces, timing, default noise and the registry's names", "[envs][ant]") {
  auto env = make_ant();
  CHECK(env->name() == "ant");
  CHECK(env->observation_space().dim() == 111);
  CHECK(env->action_space().dim() == 8);
  CHECK(env->action_space().low == std::vector<double>(8, -1.0));
  CHECK(env->action_space().high == std::vector<double>(8, 1.0));
  CHECK(env->dt() == Approx(0.05).margin(1e-15));
  CHECK(env->reset_noise_scale() == 0.1);
  CHECK(env->spec().gym_id == "Ant-v3");
  for (const char* name : {"ant", "Ant-v2", "Ant-v3", "ant-medium-v2", "ant-medium-replay-v2", "ant-expert-v2",
                           "ant-medium-expert-v2", "ant-random-v2", "ant-full-replay-v2"}) {
    INFO(name);
    CHECK(resolve_env_name(name) == "ant");
  }
  CHECK(make_env("ant-medium-v2")->observation_space().dim() == 111);
}

TEST_CASE("ant reset: qpos0 + U(-0.1, 0.1) on all 15 qpos, quaternion normalized, qvel 0.1 N(0, 1)", "[envs][ant]") {
  auto quiet = make_ant(EnvOptions().reset_noise_scale(0.0));
  Observation obs = quiet->reset(3);
  Observation expected(111, 0.0);
  expected[0] = 0.75;  // z
  expected[1] = 1.0;   // quaternion w
  CHECK(obs == expected);

  auto env = make_ant();
  CHECK(env->spec().quaternion == QuaternionInQpos::kNormalized);
  double max_dev = 0, min_w = 1;
  std::vector<double> qvel;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    env->reset(seed);
    MujocoState s = env->state();
    for (size_t i : {0, 1, 2, 7, 8, 9, 10, 11, 12, 13, 14}) {
      REQUIRE(std::abs(s.qpos[i] - kQpos0[i]) <= 0.1);
      max_dev = std::max(max_dev, std::abs(s.qpos[i] - kQpos0[i]));
    }
    // the noisy quaternion (1 + u0, u1, u2, u3) is normalized, as MuJoCo 2.x did in mj_forward
    CHECK(test::sum_sq({s.qpos[3], s.qpos[4], s.qpos[5], s.qpos[6]}) == Approx(1.0).margin(1e-15));
    for (size_t i = 4; i < 7; ++i) REQUIRE(std::abs(s.qpos[i]) <= 0.1 / std::sqrt(0.81));
    min_w = std::min(min_w, s.qpos[3]);
    qvel.insert(qvel.end(), s.qvel.begin(), s.qvel.end());
  }
  const test::SampleStats v = test::sample_stats(qvel);
  CHECK(std::abs(v.mean) < 0.005);
  CHECK(v.std == Approx(0.1).epsilon(0.05));
  CHECK(v.max_abs > 0.25);  // Gaussian tails reach beyond the uniform bound
  CHECK(max_dev > 0.099);
  CHECK(min_w < 0.995);        // the orientation is perturbed
  CHECK(min_w > 0.9 / std::sqrt(0.9 * 0.9 + 3 * 0.01) - 1e-12);
}

TEST_CASE("ant observation: qpos[2:] ++ qvel (unclipped) ++ 84 zeros", "[envs][ant]") {
  auto env = make_ant();
  env->reset(5);
  StepResult r = env->step({0.5, -0.5, 1, -1, 0.2, 0.3, -0.7, 0.9});
  MujocoState s = env->state();
  REQUIRE(r.observation.size() == 111);
  for (size_t i = 0; i < 13; ++i) CHECK(r.observation[i] == s.qpos[i + 2]);
  for (size_t i = 0; i < 14; ++i) CHECK(r.observation[13 + i] == s.qvel[i]);
  for (size_t i = 27; i < 111; ++i) REQUIRE(r.observation[i] == 0.0);
  // no velocity clip
  MujocoState fast = ant_state(2, 0.75);
  fast.qvel[6] = 50.0;
  CHECK(env->set_state(fast.qpos, fast.qvel)[13 + 6] == 50.0);
}

TEST_CASE("ant reward: torso x velocity + 1 - 0.5 |clip(a)|^2, no contact cost", "[envs][ant]") {
  auto env = make_ant();
  env->reset(7);
  const Action a = {0.5, -3.0, 0.25, 0, 0, 0, 0, 1};  // -3 is clipped to -1
  const double ctrl_cost = 0.5 * (0.25 + 1.0 + 0.0625 + 1.0);
  // Gym reads the torso's frame from MuJoCo's last kinematics pass, which after mj_step lies inside
  // the step's last physics step (RK4: its last stage); tests/envs/reference_replay_test.cpp checks
  // the exact value against Gymnasium. Here: the forward term tracks the torso's x velocity, from
  // qpos[0] exactly after a set_state(), and the lag is real.
  for (int k = 0; k < 20; ++k) {
    const MujocoState before = env->state();
    env->set_state(before.qpos, before.qvel);
    const StepResult r = env->step(a);
    const double forward = r.reward - 1.0 + ctrl_cost;
    const double v_state = (env->state().qpos[0] - before.qpos[0]) / 0.05;
    CHECK(forward != v_state);
    CHECK(forward == Approx(v_state).margin(0.02 + 0.3 * std::abs(v_state)));
    for (size_t i = 27; i < 111; ++i) REQUIRE(r.observation[i] == 0.0);  // so the contact cost is 0
  }
  // zero action from the noise-free pose: the ant drops onto its legs, straight down
  auto quiet = make_ant(EnvOptions().reset_noise_scale(0.0));
  quiet->reset(0);
  StepResult still = quiet->step(Action(8, 0.0));
  CHECK(still.reward == Approx(1.0).margin(1e-9));
}

TEST_CASE("ant health: 0.2 <= z <= 1 with the bounds included, and a finite state", "[envs][ant]") {
  auto env = make_ant(EnvOptions().reset_noise_scale(0.0));
  env->reset(0);
  auto healthy_at = [&](double z) {
    const MujocoState s = ant_state(2, z);
    env->set_state(s.qpos, s.qvel);
    return env->is_healthy();
  };
  CHECK(healthy_at(0.75));
  CHECK(healthy_at(0.2));
  CHECK(healthy_at(1.0));
  CHECK_FALSE(healthy_at(std::nextafter(0.2, 0.0)));
  CHECK_FALSE(healthy_at(std::nextafter(1.0, 2.0)));
  // the torso angle and the joints do not matter (upside down is healthy at a healthy height)
  MujocoState flipped = ant_state(3, 0.0);
  flipped.qpos[4] = 1.0;
  env->set_state(flipped.qpos, flipped.qvel);
  CHECK(env->is_healthy());
  // x and y do not matter
  MujocoState far = ant_state(0, 1e6);
  env->set_state(far.qpos, far.qvel);
  CHECK(env->is_healthy());
}

TEST_CASE("ant terminates above z = 1, the healthy reward is still paid", "[envs][ant]") {
  auto env = make_ant(EnvOptions().reset_noise_scale(0.0));
  env->reset(0);
  MujocoState s = ant_state(2, 1.2);  // dropped from above the healthy range
  env->set_state(s.qpos, s.qvel);
  StepResult r = env->step(Action(8, 0.0));
  CHECK(r.terminated);
  CHECK_FALSE(r.truncated);
  CHECK(r.reward == Approx(1.0).margin(1e-9));  // no motion in x, no control: the healthy reward alone
  CHECK_THROWS_AS(env->step(Action(8, 0.0)), Error);

  // unactuated from the noise-free pose it stands until the time limit
  env->reset(0);
  StepResult last;
  do last = env->step(Action(8, 0.0));
  while (!last.done());
  CHECK(last.truncated);
  CHECK_FALSE(last.terminated);
  CHECK(env->elapsed_steps() == 1000);
}

TEST_CASE("ant set_state checks sizes and finiteness", "[envs][ant]") {
  auto env = make_ant();
  CHECK_THROWS_WITH(env->set_state(std::vector<double>(13, 0.0), std::vector<double>(14, 0.0)),
                    Catch::Contains("15 qpos and 14 qvel"));
  std::vector<double> bad = kQpos0;
  bad[4] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(env->set_state(bad, std::vector<double>(14, 0.0)), Catch::Contains("not finite"));
}
