// flowrl/collect/rollout.h — roll a behaviour policy in a vectorized env and record the rows in D4RL's layout.
//
// Row t of an episode stores s_t, a_t, r_t, s_{t+1} (next_observations), the MuJoCo qpos/qvel that
// give s_t, and log pi(a_t | s_t). Flags follow D4RL's collect_data.py (max_path 1000): the 1000th
// step gets timeout=1, terminal=0 even if the env also terminated; an earlier unhealthy end gets
// terminal=1. Collection stops at exactly `transitions` rows, so the last episode is usually cut
// short with no flag on its last row, as D4RL leaves it.
//
// Reproducibility: episode k always resets with derive_seed(seed, k) and draws its actions from
// derive_seed(seed ^ kPolicySeedSalt, k) (the seeds envs::evaluate uses), whatever env copy runs it,
// and episodes are written in index order: the rows depend on (behaviour, env, seed, transitions)
// only, not on the thread count or the number of env copies.
//
//   flowrl::collect::Behaviour sac;
//   sac.policy = "data/policies/hopper-sac.h5";
//   sac.stochastic = true;
//   auto made = flowrl::collect::collect("hopper", sac, flowrl::collect::CollectOptions(100000).seed(0));
//   flowrl::data::write_d4rl("hopper_medium.hdf5", made.dataset);   // or write_dataset() (checks.h)
#pragma once

#include <flowrl/core/arg.h>
#include <flowrl/data/d4rl.h>

#include <cstdint>
#include <optional>
#include <string>

namespace flowrl::collect {

/// Who acts: a policy file (mlp-policy/1, data/policies/*.h5) or uniform random actions, and how.
struct Behaviour {
  std::string policy = "random";    ///< path of an mlp-policy/1 file, or "random"
  bool stochastic = false;          ///< sample from the policy's Gaussian (else its deterministic action)
  std::optional<double> noise_std;  ///< Gaussian std for stochastic actions of policies without a log-std (ARS)
  double action_noise = 0.0;        ///< extra N(0, action_noise^2) added to every action, then clipped to [-1, 1]

  /// "random (uniform actions)", or "hopper-sac.h5 stochastic + N(0, 0.3^2) action noise".
  std::string describe() const;
};

/// How collect() runs. None of these but transitions and seed changes the rows.
struct CollectOptions {
  /// transitions: rows to record (a recipe takes its D4RL size when <= 0).
  explicit CollectOptions(int64_t transitions = 0) : transitions_(transitions) {}

  /// Rows to record; collect(recipe, ...) takes the recipe's default size when <= 0.
  FLOWRL_ARG(int64_t, transitions);
  /// Seed of every episode's env and policy stream.
  FLOWRL_ARG(uint64_t, seed) = 0;
  /// Threads stepping the env copies and running the policy.
  FLOWRL_ARG(int64_t, threads) = 1;
  /// Env copies running at once (0: 8 x threads).
  FLOWRL_ARG(int64_t, num_envs) = 0;
  /// Draw a progress bar on stderr.
  FLOWRL_ARG(bool, progress) = false;
  /// Text before the progress bar (empty: the env name, or the recipe and its rung).
  FLOWRL_ARG(std::string, label);
};

/// What collect() made.
struct CollectSummary {
  /// The rows, with the metadata strings flowrl/env, flowrl/seed, flowrl/behaviour, and "algorithm"
  /// when one policy file made every row (collect(recipe, ...) adds flowrl/recipe).
  data::D4RLDataset dataset;
  std::string description;           ///< Behaviour::describe(), or "recipe hopper-mixed"
  std::optional<Behaviour> behaviour;  ///< the behaviour that made every row (none: a stitched or mixed recipe)
  int64_t episodes_started = 0;      ///< episodes launched (the last ones may be cut or left out)
  int64_t env_steps = 0;             ///< env steps taken
  double seconds = 0.0;              ///< wall time
};

/// Rolls `behaviour` in `env` (hopper, halfcheetah, walker2d, a D4RL name such as hopper-medium-v2,
/// or a positions-only variant such as hopper-positions, whose rows keep qpos[1:] alone while the
/// policy acts on the full observation) until options.transitions() rows are recorded.
/// Throws flowrl::Error when the policy file cannot be read or does not fit the env, or an option is
/// out of range.
CollectSummary collect(const std::string& env, const Behaviour& behaviour, const CollectOptions& options);

}  // namespace flowrl::collect
