// behaviour_policy_test.cpp — MlpPolicy inside evaluate(): per-episode random streams, the time
// feature, option errors.
#include "policy_writer.h"

#include <flowrl/behaviour/behaviour_policy.h>
#include <flowrl/core/error.h>
#include <flowrl/envs/vector_env.h>

#include <catch2/catch.hpp>

#include <cstdio>

using namespace flowrl;
using namespace flowrl::behaviour;

namespace {

std::string policy_file(const char* name) { return std::string(FLOWRL_POLICIES_DIR) + "/" + name; }

envs::EvaluationResult run(const MlpPolicy& mlp, bool stochastic, int64_t copies, int64_t threads) {
  envs::VectorEnv venv("hopper", envs::VectorEnvOptions(copies).threads(threads).env(envs::EnvOptions().max_episode_steps(100)));
  BehaviourPolicy policy(mlp, BehaviourPolicyOptions().stochastic(stochastic));
  return envs::evaluate(venv, policy, envs::EvaluateOptions(6).seed(11));
}

// a 2-input identity-ish policy that exposes its last input (for the time feature)
test::PolicySpec probe_spec(int64_t inputs) {
  test::PolicySpec s;
  std::vector<double> w(static_cast<size_t>(inputs), 0.0);
  w.back() = 1.0;  // action = last input
  s.layers = {test::LayerSpec{1, inputs, w, {}, "none"}};
  return s;
}

}  // namespace

TEST_CASE("stochastic rollouts do not depend on threads or env copies", "[behaviour][policy]") {
  MlpPolicy mlp = MlpPolicy::load(policy_file("hopper-a2c.h5"));
  auto ref = run(mlp, true, 1, 1);
  auto par = run(mlp, true, 4, 2);
  REQUIRE(ref.episodes.size() == par.episodes.size());
  for (size_t e = 0; e < ref.episodes.size(); ++e) {
    CHECK(ref.episodes[e].episode_return == par.episodes[e].episode_return);
    CHECK(ref.episodes[e].length == par.episodes[e].length);
  }
  // and sampling changes the outcome
  auto det = run(mlp, false, 2, 2);
  CHECK(det.returns.mean != ref.returns.mean);
}

TEST_CASE("the time feature is 1 - t/1000 and is appended only to one-wider policies", "[behaviour][policy]") {
  CHECK(time_feature(0) == 1.0);
  CHECK(time_feature(250) == 0.75);
  CHECK(time_feature(10, 100) == 0.9);

  const std::string path = test::temp_path("probe.h5");
  test::write_policy(path, probe_spec(3));
  MlpPolicy probe = MlpPolicy::load(path);
  std::remove(path.c_str());
  CHECK(uses_time_feature(probe, 2));
  CHECK_FALSE(uses_time_feature(probe, 3));
  CHECK_FALSE(uses_time_feature(probe, 2, TimeFeature::kOff));

  BehaviourPolicy policy(probe, BehaviourPolicyOptions().time_feature_max_steps(4));
  policy.start_episode(0, 0, {0.0, 0.0});
  envs::StepResult dummy;
  std::vector<double> seen;
  for (int t = 0; t < 3; ++t) {
    seen.push_back(policy.act({{0}, {{0.0, 0.0}}})[0][0]);  // action = time feature
    policy.observe(0, {}, dummy);
  }
  CHECK(seen == std::vector<double>{1.0, 0.75, 0.5});
  CHECK(policy.policy_input({5.0, 6.0}, 2) == std::vector<double>{5.0, 6.0, 0.5});
  policy.start_episode(0, 0, {0.0, 0.0});  // a new episode restarts the clock
  CHECK(policy.act({{0}, {{0.0, 0.0}}})[0][0] == 1.0);
}

TEST_CASE("BehaviourPolicy option errors", "[behaviour][policy]") {
  MlpPolicy ars = MlpPolicy::load(policy_file("halfcheetah-ars.h5"));
  CHECK_THROWS_WITH(BehaviourPolicy(ars, BehaviourPolicyOptions().stochastic(true)),
                    Catch::Contains("halfcheetah-ars.h5") && Catch::Contains("noise std"));
  CHECK_NOTHROW(BehaviourPolicy(ars, BehaviourPolicyOptions().stochastic(true).noise_std(0.1)));
  CHECK_THROWS_AS(BehaviourPolicy(ars, BehaviourPolicyOptions().noise_std(-1.0)), Error);
  BehaviourPolicy det(ars);
  CHECK_THROWS_WITH(det.act({{3}, {envs::Observation(17, 0.0)}}), Catch::Contains("before start_episode"));
}
