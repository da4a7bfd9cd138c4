// flowrl/data/normalizer.h — per-dimension state mean/std, as the Decision Transformer computes it.
//
// DT (and the Flowformer authors' code) concatenate the observations of the training episodes and
// use mean = np.mean(states, 0), std = np.std(states, 0) + 1e-6 (population std, eps added to the
// std, not under the square root). The evaluator must normalize env observations with the same
// numbers, so they are saved with a model. Torch-free.
//
//   auto norm = StateNormalizer::fit(ds, split_episodes(ds));
//   norm.apply(obs.data(), out.data());      // (obs - mean) / std, obs_dim values
#pragma once

#include <flowrl/data/d4rl.h>
#include <flowrl/data/episodes.h>

#include <cstdint>
#include <vector>

namespace flowrl::data {

/// state -> (state - mean) / std, per dimension.
struct StateNormalizer {
  std::vector<float> mean;  ///< (obs_dim) mean of the states
  std::vector<float> std;   ///< (obs_dim) population std of the states plus eps

  /// Statistics of the observations of `episodes` (rows of `ds`), std + eps. Computed in float64.
  /// Throws flowrl::Error when the episodes hold no rows.
  static StateNormalizer fit(const D4RLDataset& ds, const std::vector<Episode>& episodes, double eps = 1e-6);
  /// The identity: mean 0, std 1 (for models trained without state normalization).
  static StateNormalizer identity(int64_t obs_dim);

  /// Observation width.
  int64_t dim() const { return static_cast<int64_t>(mean.size()); }
  /// out[j] = (in[j] - mean[j]) / std[j] for j < dim(); `in` and `out` may alias.
  void apply(const float* in, float* out) const;
  /// A normalized copy of one observation (dim() values).
  std::vector<float> apply(const std::vector<float>& state) const;
};

}  // namespace flowrl::data
