// shipped_policies_test.cpp — the policy files in data/policies/ load and fit their envs.
#include <flowrl/behaviour/behaviour_policy.h>
#include <flowrl/core/error.h>
#include <flowrl/envs/registry.h>

#include <catch2/catch.hpp>

#include <cmath>

using namespace flowrl;
using namespace flowrl::behaviour;

namespace {

struct Shipped {
  const char* file;
  const char* env;
  const char* algorithm;
  OutputKind output;
  LogStdKind log_std;
  int64_t obs_dim;
};

const std::vector<Shipped>& shipped() {
  static const std::vector<Shipped> all = {
      {"hopper-a2c.h5", "hopper", "a2c", OutputKind::kClip, LogStdKind::kParameter, 11},
      {"hopper-sac.h5", "hopper", "sac", OutputKind::kTanh, LogStdKind::kStateDependent, 11},
      {"hopper-trpo.h5", "hopper", "trpo", OutputKind::kClip, LogStdKind::kParameter, 11},
      {"halfcheetah-a2c.h5", "halfcheetah", "a2c", OutputKind::kClip, LogStdKind::kParameter, 17},
      {"halfcheetah-ars.h5", "halfcheetah", "ars", OutputKind::kClip, LogStdKind::kNone, 17},
      {"halfcheetah-tqc.h5", "halfcheetah", "tqc", OutputKind::kTanh, LogStdKind::kStateDependent, 17},
      {"walker2d-a2c.h5", "walker2d", "a2c", OutputKind::kClip, LogStdKind::kParameter, 17},
      {"walker2d-ppo.h5", "walker2d", "ppo", OutputKind::kClip, LogStdKind::kParameter, 18},  // + time feature
      {"walker2d-trpo.h5", "walker2d", "trpo", OutputKind::kClip, LogStdKind::kParameter, 17},
      {"ant-a2c.h5", "ant", "a2c", OutputKind::kClip, LogStdKind::kParameter, 111},
      {"ant-ars.h5", "ant", "ars", OutputKind::kClip, LogStdKind::kNone, 111},
      {"ant-trpo.h5", "ant", "trpo", OutputKind::kClip, LogStdKind::kParameter, 111},
  };
  return all;
}

}  // namespace

TEST_CASE("every shipped policy loads, carries its license and fits its env", "[behaviour][shipped]") {
  for (const auto& s : shipped()) {
    INFO(s.file);
    MlpPolicy p = MlpPolicy::load(std::string(FLOWRL_POLICIES_DIR) + "/" + s.file);
    CHECK(p.info().format == "mlp-policy/1");
    CHECK(envs::resolve_env_name(p.info().env_id) == s.env);
    CHECK(p.info().algorithm == s.algorithm);
    CHECK(p.info().license.find("MIT") != std::string::npos);
    CHECK(p.info().source.find("DLR-RM/rl-trained-agents") != std::string::npos);
    CHECK(p.output() == s.output);
    CHECK(p.log_std_kind() == s.log_std);
    CHECK(p.obs_dim() == s.obs_dim);

    auto env = envs::make_env(s.env);
    const auto obs_dim = static_cast<int64_t>(env->observation_space().dim());
    const auto act_dim = static_cast<int64_t>(env->action_space().dim());
    CHECK(p.act_dim() == act_dim);
    CHECK_NOTHROW(check_policy_env(p, s.env, obs_dim, act_dim));
    CHECK(uses_time_feature(p, obs_dim) == (s.obs_dim == obs_dim + 1));

    // actions are finite and inside [-1, 1]
    BehaviourPolicy policy(p, BehaviourPolicyOptions().stochastic(s.log_std != LogStdKind::kNone));
    policy.start_episode(0, 1, {});
    const auto a = policy.act({{0}, {env->reset(0)}});
    REQUIRE(a.size() == 1);
    for (double v : a[0]) {
      CHECK(std::isfinite(v));
      CHECK(std::abs(v) <= 1.0);
    }
  }
}

TEST_CASE("a policy on the wrong env is a clear error", "[behaviour][shipped]") {
  MlpPolicy hopper = MlpPolicy::load(std::string(FLOWRL_POLICIES_DIR) + "/hopper-trpo.h5");
  CHECK_THROWS_WITH(check_policy_env(hopper, "walker2d", 17, 6),
                    Catch::Contains("trained on Hopper-v3") && Catch::Contains("walker2d"));
  CHECK_NOTHROW(check_policy_env(hopper, "hopper-medium-v2", 11, 3));
  CHECK_NOTHROW(check_policy_env(hopper, "Hopper-v5", 11, 3));  // the same body and observation in Gymnasium v5
  CHECK_THROWS_WITH(check_policy_env(hopper, "walker2d-v5", 17, 6), Catch::Contains("trained on Hopper-v3"));
  MlpPolicy ant = MlpPolicy::load(std::string(FLOWRL_POLICIES_DIR) + "/ant-ars.h5");
  CHECK_THROWS_WITH(check_policy_env(ant, "ant-v5", 105, 8), Catch::Contains("maps 111 inputs to 8 actions"));
  CHECK_THROWS_WITH(check_policy_env(hopper, "hopper", 12, 3), Catch::Contains("maps 11 inputs to 3 actions"));
  MlpPolicy ppo = MlpPolicy::load(std::string(FLOWRL_POLICIES_DIR) + "/walker2d-ppo.h5");
  CHECK_THROWS_WITH(check_policy_env(ppo, "walker2d", 17, 6, TimeFeature::kOff), Catch::Contains("maps 18 inputs"));
}
