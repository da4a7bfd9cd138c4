// flowrl/behaviour/behaviour_policy.h — an MlpPolicy as an envs::Policy for evaluate(), and the
// policy/env compatibility check.
//
//   auto mlp = MlpPolicy::load("data/policies/hopper-trpo.h5");
//   BehaviourPolicy policy(mlp, BehaviourPolicyOptions().stochastic(true));
//   VectorEnv venv("hopper", VectorEnvOptions(8).threads(2));
//   auto result = evaluate(venv, policy, EvaluateOptions(30).seed(0));
#pragma once

#include <flowrl/behaviour/mlp_policy.h>
#include <flowrl/core/arg.h>
#include <flowrl/envs/evaluate.h>

#include <optional>
#include <string>
#include <vector>

namespace flowrl::behaviour {

/// Whether the policy's input ends with Stable-Baselines3's time feature.
///
/// Some RL Zoo agents (walker2d-ppo.h5 among the shipped ones) were trained inside sb3-contrib's
/// TimeFeatureWrapper, which appends 1 - t / max_steps (t = steps taken in the episode, 0 after
/// reset; max_steps = 1000) to every observation. The file does not say so; its input is simply
/// one wider than the env's observation.
enum class TimeFeature {
  kAuto,  ///< on exactly when the policy's input is one wider than the env's observation
  kOff,   ///< never
  kOn,    ///< always
};

/// The time feature after `step` steps of an episode: 1 - step / max_steps.
double time_feature(int64_t step, int64_t max_steps = 1000);

/// Options of BehaviourPolicy.
struct BehaviourPolicyOptions {
  /// Draw actions (MlpPolicy::sample) instead of taking the deterministic action.
  FLOWRL_ARG(bool, stochastic) = false;
  /// Gaussian noise std for stochastic actions of policies without a log-std (ARS).
  FLOWRL_ARG(std::optional<double>, noise_std);
  /// Append the time feature to observations (see TimeFeature).
  FLOWRL_ARG(TimeFeature, time_feature) = TimeFeature::kAuto;
  /// max_steps of the time feature (the TimeFeatureWrapper default, = the envs' episode cap).
  FLOWRL_ARG(int64_t, time_feature_max_steps) = 1000;
};

/// Runs an MlpPolicy in evaluate(): each slot has its own random stream, seeded per episode, so
/// stochastic rollouts do not depend on the thread count. Safe for concurrent slots.
class BehaviourPolicy : public envs::Policy {
 public:
  /// Keeps a copy of `policy`. Throws flowrl::Error if stochastic actions are requested from a
  /// policy without a log-std and no noise_std is given.
  explicit BehaviourPolicy(MlpPolicy policy, const BehaviourPolicyOptions& options = {});

  void start_episode(int64_t slot, uint64_t seed, const envs::Observation& first_observation) override;
  std::vector<envs::Action> act(const envs::ActBatch& batch) override;
  void observe(int64_t slot, const envs::Action& action, const envs::StepResult& result) override;
  bool concurrent_slots() const override { return true; }

  /// The policy's input for observation `obs` after `step` steps (the time feature appended if on).
  envs::Observation policy_input(const envs::Observation& obs, int64_t step) const;

  /// The wrapped policy.
  const MlpPolicy& policy() const { return policy_; }

 private:
  MlpPolicy policy_;
  BehaviourPolicyOptions options_;
  // per slot; resized only in start_episode (which evaluate() calls serially)
  struct SlotState {
    envs::Rng rng;
    int64_t step = 0;
  };
  std::vector<SlotState> slots_;
};

/// True when `policy` takes the time feature on env observations of width `env_obs_dim` under `mode`.
bool uses_time_feature(const MlpPolicy& policy, int64_t env_obs_dim, TimeFeature mode = TimeFeature::kAuto);

/// Throws flowrl::Error unless `policy` fits env `env_name` (any name the env registry accepts): the
/// policy's Gym id must map to the same env or to the Gym v3 env of the same body (a Hopper-v3 policy
/// fits hopper-v5, see envs::gym_v3_env), and the widths must match (the policy input may be one
/// wider than obs_dim when `time_feature` allows the time feature).
void check_policy_env(const MlpPolicy& policy, const std::string& env_name, int64_t obs_dim, int64_t act_dim,
                      TimeFeature time_feature = TimeFeature::kAuto);

}  // namespace flowrl::behaviour
