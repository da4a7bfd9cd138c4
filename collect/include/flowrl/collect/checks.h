// flowrl/collect/checks.h — writing a collected dataset and checking it as D4RL checks its files.
//
//   write_dataset(): writes the file, reads it back through the validating reader, and replays the
//                    recorded MuJoCo states (D4RL's check_mujoco_datasets.py);
//   check_returns(): evaluates the behaviour on fresh episodes and compares its mean return with the
//                    dataset's.
//
//   auto made = flowrl::collect::collect("hopper", behaviour, options);
//   auto written = flowrl::collect::write_dataset("hopper.hdf5", made.dataset, "hopper");
//   if (!written.consistency.ok()) ...                 // states do not reproduce the observations
//   auto check = flowrl::collect::check_returns("hopper", behaviour, written.stats.returns,
//                                               flowrl::collect::ReturnCheckOptions(50));
#pragma once

#include <flowrl/collect/rollout.h>
#include <flowrl/core/arg.h>
#include <flowrl/data/d4rl.h>
#include <flowrl/data/episodes.h>
#include <flowrl/envs/evaluate.h>

#include <cstdint>
#include <string>

namespace flowrl::collect {

/// Largest squared observation error check_qpos_consistency() accepts (D4RL's threshold).
inline constexpr double kConsistencyTolerance = 1e-8;

/// Result of check_qpos_consistency().
struct ConsistencyReport {
  int64_t rows_checked = 0;      ///< rows whose state was replayed
  double max_squared_error = 0;  ///< largest sum over dims of (obs(qpos, qvel) - observations[t])^2
  int64_t worst_row = -1;        ///< row of that error

  /// max_squared_error < kConsistencyTolerance.
  bool ok() const { return max_squared_error < kConsistencyTolerance; }
};

/// D4RL's check_mujoco_datasets.py: for `rows` evenly spaced rows (all when rows <= 0 or >= N), sets
/// the env's MuJoCo state to (infos/qpos[t], infos/qvel[t]) and compares the resulting observation
/// with observations[t]. Throws flowrl::Error if the dataset has no infos/qpos, infos/qvel or `env`
/// is not a MuJoCo locomotion env.
ConsistencyReport check_qpos_consistency(const data::D4RLDataset& ds, const std::string& env, int64_t rows);

/// What write_dataset() found in the file it wrote.
struct WrittenDataset {
  data::DatasetStats stats;       ///< rows, episodes, flags, lengths and returns of the file as read back
  ConsistencyReport consistency;  ///< the MuJoCo state replay of the file as read back
};

/// Writes `ds` to `path` (data::write_d4rl: D4RL's layout, gzip-compressed chunks), reads it back
/// with the reader's validation and `env`'s observation and action sizes, and replays the MuJoCo
/// states of `check_rows` rows (<= 0: all). Throws flowrl::Error when the file cannot be written or
/// does not read back; a failed replay is reported in consistency.ok(), not thrown.
WrittenDataset write_dataset(const std::string& path, const data::D4RLDataset& ds, const std::string& env,
                             int64_t check_rows = 20000);

/// Whether check_returns() applies to `behaviour`: a policy file without extra action noise (the
/// return of random or noised actions is not a policy's to compare).
bool returns_checkable(const Behaviour& behaviour);

/// Options of check_returns().
struct ReturnCheckOptions {
  /// episodes: fresh episodes to evaluate.
  explicit ReturnCheckOptions(int64_t episodes = 50) : episodes_(episodes) {}

  /// Fresh episodes to evaluate (>= 1).
  FLOWRL_ARG(int64_t, episodes);
  /// The dataset's seed; the episodes use seeds disjoint from its episodes.
  FLOWRL_ARG(uint64_t, seed) = 0;
  /// Threads stepping the env copies.
  FLOWRL_ARG(int64_t, threads) = 1;
};

/// What check_returns() measured.
struct ReturnCheck {
  envs::EvaluationResult evaluation;  ///< the fresh episodes
  double difference = 0.0;            ///< dataset mean return - evaluation mean return
  double z = 0.0;                     ///< |difference| in standard errors of the difference
  bool ok = false;                    ///< z < 4 (or the means agree to 1e-6 relative)
};

/// Evaluates `behaviour` in `env` on options.episodes() fresh episodes and compares their mean
/// return with `dataset_returns` (the dataset's done-delimited episodes, as DatasetStats::returns).
/// Throws flowrl::Error when returns_checkable(behaviour) is false or an option is out of range.
ReturnCheck check_returns(const std::string& env, const Behaviour& behaviour, const data::Summary& dataset_returns,
                          const ReturnCheckOptions& options);

}  // namespace flowrl::collect
