// rollout.h — roll a behaviour policy in a VectorEnv and record the rows in D4RL's layout.
//
// Row t of an episode stores s_t, a_t, r_t, s_{t+1} (next_observations), the MuJoCo qpos/qvel that
// give s_t, and log pi(a_t | s_t). Flags follow D4RL's collect_data.py (max_path 1000): the 1000th
// step gets timeout=1, terminal=0 even if the env also terminated; an earlier unhealthy end gets
// terminal=1. Collection stops at exactly `transitions` rows, so the last episode is usually cut
// short with no flag on its last row, as D4RL leaves it.
//
// Reproducibility: episode k always resets with derive_seed(seed, k) and draws its actions from
// derive_seed(seed ^ kPolicySeedSalt, k) (the seeds envs::evaluate uses), whatever env copy runs it,
// and episodes are written in index order: the file depends on (behaviour, env, seed, transitions)
// only, not on --threads or the number of env copies.
#pragma once

#include <flowrl/data/d4rl.h>

#include <cstdint>
#include <optional>
#include <string>

namespace flowrl::collect {

/// Who acts: a policy file (mlp-policy/1) or uniform random actions, and how.
struct Behaviour {
  std::string policy = "random";        ///< path of an mlp-policy/1 file, or "random"
  bool stochastic = false;              ///< sample from the policy's Gaussian (else its deterministic action)
  std::optional<double> noise_std;      ///< Gaussian std for stochastic actions of policies without a log-std (ARS)
  double action_noise = 0.0;            ///< extra N(0, action_noise^2) added to every action, then clipped to [-1, 1]

  /// "random", or "hopper-sac.h5 stochastic + N(0, 0.3)".
  std::string describe() const;
};

/// How collect() runs.
struct RolloutOptions {
  std::string env;            ///< env name (hopper, halfcheetah, walker2d, or a D4RL name); a positions-only
                              ///< variant (hopper-positions) records qpos[1:] alone while the policy acts on
                              ///< the full observation
  int64_t transitions = 0;    ///< rows to record
  uint64_t seed = 0;          ///< seed of every episode's env and policy stream
  int64_t threads = 1;        ///< threads stepping the env copies and running the policy
  int64_t num_envs = 0;       ///< env copies running at once (0: 8 x threads)
  bool progress = true;       ///< draw a progress bar on stderr
  std::string label;          ///< text before the progress bar
};

/// Counters of one collect() call.
struct RolloutStats {
  int64_t episodes_started = 0;  ///< episodes launched (some may be discarded past the last row)
  int64_t env_steps = 0;         ///< env steps taken
  double seconds = 0.0;          ///< wall time
};

/// Rolls `behaviour` until options.transitions rows are recorded; returns them (no metadata).
/// Throws flowrl::Error when the policy does not fit the env or an option is invalid.
data::D4RLDataset collect(const Behaviour& behaviour, const RolloutOptions& options, RolloutStats* stats = nullptr);

/// Result of check_qpos_consistency().
struct ConsistencyReport {
  int64_t rows_checked = 0;     ///< rows whose state was replayed
  double max_squared_error = 0; ///< largest sum over dims of (obs(qpos, qvel) - observations[t])^2
  int64_t worst_row = -1;       ///< row of that error
};

/// D4RL's check_mujoco_datasets.py: for `rows` evenly spaced rows (all when rows <= 0 or >= N), sets
/// the env's MuJoCo state to (infos/qpos[t], infos/qvel[t]) and compares the resulting observation
/// with observations[t]. Throws flowrl::Error if the dataset has no infos/qpos, infos/qvel.
ConsistencyReport check_qpos_consistency(const data::D4RLDataset& ds, const std::string& env, int64_t rows);

}  // namespace flowrl::collect
