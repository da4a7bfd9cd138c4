// checks.cpp — write_dataset(), check_qpos_consistency() and check_returns() (see flowrl/collect/checks.h).
#include <flowrl/collect/checks.h>

#include <flowrl/behaviour/behaviour_policy.h>
#include <flowrl/core/error.h>
#include <flowrl/envs/locomotion_env.h>
#include <flowrl/envs/registry.h>
#include <flowrl/envs/vector_env.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace flowrl::collect {

namespace {

// check_returns' episodes start here, far from the dataset's episode indices
constexpr uint64_t kCheckSeedOffset = 0x9e3779b97f4a7c15ULL;

}  // namespace

ConsistencyReport check_qpos_consistency(const data::D4RLDataset& ds, const std::string& env, int64_t rows) {
  FLOWRL_CHECK(!ds.infos.qpos.empty() && !ds.infos.qvel.empty(), ds.source,
               ": has no infos/qpos and infos/qvel; the consistency check needs them.");
  auto instance = envs::make_env(env);
  auto* loco = dynamic_cast<envs::LocomotionEnv*>(instance.get());
  FLOWRL_CHECK(loco != nullptr, "env '", env, "' is not a MuJoCo locomotion env; cannot set its state.");
  const int64_t n = ds.size();
  const int64_t count = rows <= 0 || rows >= n ? n : rows;
  ConsistencyReport report;
  std::vector<double> qpos(static_cast<size_t>(ds.infos.qpos.cols)), qvel(static_cast<size_t>(ds.infos.qvel.cols));
  for (int64_t c = 0; c < count; ++c) {
    const int64_t t = count == n ? c : (c * (n - 1)) / std::max<int64_t>(count - 1, 1);
    std::copy_n(ds.infos.qpos.row(t), qpos.size(), qpos.begin());
    std::copy_n(ds.infos.qvel.row(t), qvel.size(), qvel.begin());
    const envs::Observation obs = loco->set_state(qpos, qvel);
    FLOWRL_CHECK(static_cast<int64_t>(obs.size()) == ds.obs_dim(), "env '", env, "' observations have ", obs.size(),
                 " dims, the dataset's ", ds.obs_dim(), ".");
    double err = 0.0;
    for (int64_t j = 0; j < ds.obs_dim(); ++j) {
      const double d = obs[static_cast<size_t>(j)] - ds.observations.at(t, j);
      err += d * d;
    }
    if (err > report.max_squared_error || report.worst_row < 0) {
      report.max_squared_error = err;
      report.worst_row = t;
    }
    ++report.rows_checked;
  }
  return report;
}

WrittenDataset write_dataset(const std::string& path, const data::D4RLDataset& ds, const std::string& env,
                             int64_t check_rows) {
  data::write_d4rl(path, ds);
  const auto probe = envs::make_env(env);
  const data::D4RLDataset back = data::load_d4rl(
      path, data::D4RLReadOptions()
                .obs_dim(static_cast<int64_t>(probe->observation_space().dim()))
                .act_dim(static_cast<int64_t>(probe->action_space().dim()))
                .env_name(env));
  WrittenDataset written;
  written.stats = data::dataset_stats(back);
  written.consistency = check_qpos_consistency(back, env, check_rows);
  return written;
}

bool returns_checkable(const Behaviour& behaviour) {
  return behaviour.policy != "random" && behaviour.action_noise == 0.0;
}

ReturnCheck check_returns(const std::string& env, const Behaviour& behaviour, const data::Summary& dataset_returns,
                          const ReturnCheckOptions& options) {
  FLOWRL_CHECK(returns_checkable(behaviour), "check_returns: ", behaviour.describe(), " is not a policy file without "
               "action noise; only such a behaviour has a return to compare.");
  FLOWRL_CHECK(options.episodes() >= 1, "check_returns: episodes must be >= 1, got ", options.episodes(), ".");
  FLOWRL_CHECK(options.threads() >= 1, "check_returns: threads must be >= 1, got ", options.threads(), ".");
  behaviour::BehaviourPolicy policy(behaviour::MlpPolicy::load(behaviour.policy),
                                    behaviour::BehaviourPolicyOptions()
                                        .stochastic(behaviour.stochastic)
                                        .noise_std(behaviour.noise_std));
  envs::VectorEnv venv(envs::full_observation_env(env),  // the behaviour sees full observations
                       envs::VectorEnvOptions(std::min<int64_t>(options.episodes(), 8 * options.threads()))
                           .threads(options.threads()));
  ReturnCheck check;
  check.evaluation =
      envs::evaluate(venv, policy, envs::EvaluateOptions(options.episodes()).seed(options.seed() + kCheckSeedOffset));
  const auto& fresh = check.evaluation.returns;
  const double n1 = double(dataset_returns.count), n2 = double(options.episodes());
  const double se =
      std::sqrt(dataset_returns.std * dataset_returns.std / std::max(n1, 1.0) + fresh.std * fresh.std / n2);
  check.difference = dataset_returns.mean - fresh.mean;
  check.z = se > 0 ? std::abs(check.difference) / se : 0.0;
  check.ok = check.z < 4.0 || std::abs(check.difference) < 1e-6 * std::abs(fresh.mean) + 1e-9;
  return check;
}

}  // namespace flowrl::collect
