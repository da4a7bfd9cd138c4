// flowrl/data/episodes.h — episode and transition views of a D4RL dataset, with d4rl's semantics.
//
// split_episodes() reproduces d4rl.sequence_dataset: an episode ends at every row with terminals[i]
// or a final timestep (timeouts[i]; in v0 files without timeouts, a step counter reaching
// max_episode_steps - 1, with d4rl's counter quirk); the trailing partial episode is dropped unless
// keep_trailing is set. qlearning_view() reproduces d4rl.qlearning_dataset: rows 0..N-2, next
// observation = observations[i+1], rows with a final timestep skipped unless terminate_on_end.
//
// Views hold row indices only; they never copy observations. Torch-free.
//
//   auto eps = split_episodes(ds);                     // like list(d4rl.sequence_dataset(env))
//   auto q = qlearning_view(ds);                       // like d4rl.qlearning_dataset(env)
//   auto s = dataset_stats(ds);                        // rows, episodes, return statistics
#pragma once

#include <flowrl/data/d4rl.h>
#include <flowrl/core/arg.h>

#include <cstdint>
#include <string>
#include <vector>

namespace flowrl::data {

/// One episode: rows [start, start + length) of the dataset.
struct Episode {
  int64_t start = 0;       ///< first row
  int64_t length = 0;      ///< number of rows (steps)
  bool terminal = false;   ///< the last row has terminals set (the env ended the episode)
  bool timeout = false;    ///< the last row is a final timestep (timeouts set, or the v0 step rule)
  double ret = 0.0;        ///< undiscounted return: sum of rewards over the episode (float64 sum)

  /// One past the last row.
  int64_t end() const { return start + length; }
  /// True for the trailing partial episode (no flag on its last row); only with keep_trailing.
  bool partial() const { return !terminal && !timeout; }
};

/// How split_episodes() cuts the rows.
struct EpisodeOptions {
  /// Keep the trailing rows after the last terminal/timeout as a last, partial episode (TFDS/RLDS
  /// do this; d4rl.sequence_dataset and the Decision Transformer code drop it).
  FLOWRL_ARG(bool, keep_trailing) = false;
  /// The env's time limit; used only for files without timeouts (v0): d4rl ends an episode when
  /// its step counter reaches max_episode_steps - 1.
  FLOWRL_ARG(int64_t, max_episode_steps) = 1000;
};

/// Splits the rows into episodes exactly as d4rl.sequence_dataset does (see the file comment).
/// In v0 files (no timeouts) d4rl's counter restarts at 1 after a boundary, so only the first
/// timeout-free episode lasts max_episode_steps rows and later ones max_episode_steps - 1; this
/// quirk is reproduced.
std::vector<Episode> split_episodes(const D4RLDataset& ds, const EpisodeOptions& options = EpisodeOptions());

/// Same on raw arrays: `timeouts` may be null (v0 rule), `rewards` may be null (ret = 0).
std::vector<Episode> split_episodes(int64_t rows, const uint8_t* terminals, const uint8_t* timeouts,
                                    const float* rewards, const EpisodeOptions& options = EpisodeOptions());

/// How qlearning_view() picks transitions.
struct QLearningOptions {
  /// Keep the transitions whose row is a final timestep (d4rl's terminate_on_end); their done flag
  /// stays bool(terminals[i]), as in d4rl.
  FLOWRL_ARG(bool, terminate_on_end) = false;
  /// The env's time limit, for files without timeouts (v0), as in EpisodeOptions.
  FLOWRL_ARG(int64_t, max_episode_steps) = 1000;
};

/// Transitions (s, a, r, s', done) as row indices into the dataset: transition j is
/// observations[rows[j]], actions[rows[j]], rewards[rows[j]], observations[rows[j] + 1], dones[j].
struct TransitionView {
  std::vector<int64_t> rows;    ///< dataset row of each transition, increasing
  std::vector<uint8_t> dones;   ///< bool(terminals[rows[j]])

  /// Number of transitions.
  int64_t size() const { return static_cast<int64_t>(rows.size()); }
};

/// The rows d4rl.qlearning_dataset would output, in order. Size = (N - 1) minus the final
/// timesteps among rows 0..N-2 (unless terminate_on_end). `next_observations` is not used, as in d4rl.
TransitionView qlearning_view(const D4RLDataset& ds, const QLearningOptions& options = QLearningOptions());

/// d4rl.qlearning_dataset's arrays, materialized (copies; prefer qlearning_view for large data).
struct QLearningArrays {
  FloatMatrix observations;        ///< (M, obs_dim)
  FloatMatrix actions;             ///< (M, act_dim)
  FloatMatrix next_observations;   ///< (M, obs_dim) = observations[i + 1]
  std::vector<float> rewards;      ///< (M)
  std::vector<uint8_t> terminals;  ///< (M)
};

/// Materializes qlearning_view(ds, options).
QLearningArrays qlearning_dataset(const D4RLDataset& ds, const QLearningOptions& options = QLearningOptions());

/// count/mean/std/min/max of a list of numbers (population std, as numpy's np.std).
struct Summary {
  int64_t count = 0;  ///< number of values
  double mean = 0;    ///< 0 when count is 0
  double std = 0;     ///< population standard deviation
  double min = 0;     ///< 0 when count is 0
  double max = 0;     ///< 0 when count is 0
};

/// Summary of `values`.
Summary summarize(const std::vector<double>& values);

/// `{"count": ..., "mean": ..., "std": ..., "min": ..., "max": ...}` (what inspect-dataset and
/// collect-dataset write in their --json reports).
std::string to_json(const Summary& summary);

/// What inspect-dataset reports about a dataset's episodes.
struct DatasetStats {
  int64_t rows = 0;            ///< N
  int64_t episodes = 0;        ///< done-delimited episodes (what d4rl.sequence_dataset yields)
  int64_t trailing_rows = 0;   ///< rows after the last terminal/timeout (dropped by sequence_dataset)
  int64_t terminals = 0;       ///< rows with terminals set
  int64_t timeouts = 0;        ///< rows with a final timestep (timeouts, or the v0 rule)
  int64_t transitions = 0;     ///< qlearning_dataset rows
  Summary lengths;             ///< episode lengths (done-delimited episodes)
  Summary returns;             ///< episode returns (done-delimited episodes)
};

/// Statistics of the done-delimited episodes (the trailing partial episode is excluded, as D4RL
/// users compute average returns).
DatasetStats dataset_stats(const D4RLDataset& ds, const EpisodeOptions& options = EpisodeOptions());

}  // namespace flowrl::data
