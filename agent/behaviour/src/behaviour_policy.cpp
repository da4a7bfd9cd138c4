// behaviour_policy.cpp — MlpPolicy as an evaluate() policy (per-slot random streams and time
// feature); policy/env compatibility.
#include <flowrl/behaviour/behaviour_policy.h>

#include <flowrl/core/error.h>
#include <flowrl/envs/registry.h>

namespace flowrl::behaviour {

double time_feature(int64_t step, int64_t max_steps) {
  return 1.0 - static_cast<double>(step) / static_cast<double>(max_steps);
}

bool uses_time_feature(const MlpPolicy& policy, int64_t env_obs_dim, TimeFeature mode) {
  switch (mode) {
    case TimeFeature::kOn: return true;
    case TimeFeature::kOff: return false;
    case TimeFeature::kAuto: return policy.obs_dim() == env_obs_dim + 1;
  }
  return false;
}

BehaviourPolicy::BehaviourPolicy(MlpPolicy policy, const BehaviourPolicyOptions& options)
    : policy_(std::move(policy)), options_(options) {
  if (options_.stochastic() && policy_.log_std_kind() == LogStdKind::kNone)
    FLOWRL_CHECK(options_.noise_std().has_value(), policy_.info().file, ": the ", policy_.info().algorithm,
                 " policy has no log-std, so stochastic actions need a noise std (e.g. --noise-std 0.1)");
  if (options_.noise_std())
    FLOWRL_CHECK(*options_.noise_std() >= 0, "noise std must be >= 0, got ", *options_.noise_std());
  FLOWRL_CHECK(options_.time_feature_max_steps() >= 1, "time_feature_max_steps must be >= 1, got ",
               options_.time_feature_max_steps());
}

envs::Observation BehaviourPolicy::policy_input(const envs::Observation& obs, int64_t step) const {
  if (!uses_time_feature(policy_, static_cast<int64_t>(obs.size()), options_.time_feature())) return obs;
  envs::Observation input = obs;
  input.push_back(time_feature(step, options_.time_feature_max_steps()));
  return input;
}

void BehaviourPolicy::start_episode(int64_t slot, uint64_t seed, const envs::Observation&) {
  if (static_cast<size_t>(slot) >= slots_.size()) slots_.resize(static_cast<size_t>(slot) + 1);
  slots_[static_cast<size_t>(slot)].rng.seed(seed);
  slots_[static_cast<size_t>(slot)].step = 0;
}

std::vector<envs::Action> BehaviourPolicy::act(const envs::ActBatch& batch) {
  std::vector<envs::Action> actions;
  actions.reserve(batch.observations.size());
  for (size_t k = 0; k < batch.observations.size(); ++k) {
    const auto slot = static_cast<size_t>(batch.slots[k]);
    FLOWRL_CHECK(slot < slots_.size(), "BehaviourPolicy: act() for slot ", slot, " before start_episode()");
    SlotState& s = slots_[slot];
    const envs::Observation input = policy_input(batch.observations[k], s.step);
    actions.push_back(options_.stochastic() ? policy_.sample(input, s.rng, options_.noise_std()) : policy_.act(input));
  }
  return actions;
}

void BehaviourPolicy::observe(int64_t slot, const envs::Action&, const envs::StepResult&) {
  ++slots_[static_cast<size_t>(slot)].step;
}

void check_policy_env(const MlpPolicy& policy, const std::string& env_name, int64_t obs_dim, int64_t act_dim,
                      TimeFeature time_feature) {
  const std::string env = envs::resolve_env_name(env_name);
  std::string policy_env;
  try {
    policy_env = envs::resolve_env_name(policy.info().env_id);
  } catch (const Error&) {
    policy_env.clear();  // an env flowrl does not know: only the widths can be checked
  }
  // a Gym v3 policy fits the Gymnasium v5 env of its body (hopper-trpo.h5 on hopper-v5) if the widths do
  FLOWRL_CHECK(policy_env.empty() || envs::gym_v3_env(policy_env) == envs::gym_v3_env(env), policy.info().file,
               " was trained on ", policy.info().env_id,
               " (flowrl env '", policy_env, "'), not on '", env_name, "'; pick a ", env, " policy or --env ", policy_env);
  const int64_t input = obs_dim + (uses_time_feature(policy, obs_dim, time_feature) ? 1 : 0);
  FLOWRL_CHECK(policy.obs_dim() == input && policy.act_dim() == act_dim, policy.info().file, " maps ",
               policy.obs_dim(), " inputs to ", policy.act_dim(), " actions, but env '", env_name, "' has ", obs_dim,
               " observations", input != obs_dim ? " (+1 time feature)" : "", " and ", act_dim, " actions");
}

}  // namespace flowrl::behaviour
