// flowrl/data/dt_sampler.h — Decision-Transformer context windows from a D4RL dataset, as tensors.
//
// Shape legend: B = batch size, K = context length (steps), S = obs_dim, A = act_dim.
//
// A window is K consecutive steps of one episode starting at row `start` of it. Per step it carries
// the normalized state, the action, the undiscounted return-to-go (sum of the episode's rewards
// from that step to its end) divided by reward_scale, and the timestep (step index in the episode,
// clipped to max_ep_len - 1). A window that runs past the episode end is padded:
//   right padding (the Flowformer authors' code): valid steps first, then pads; mask = loss mask
//   left padding (the original DT code): pads first, then valid steps; mask = attention mask
// Pads are state 0, action -10 (action_pad), reward 0, RTG 0, timestep 0, mask false. (Both
// reference codes pad raw states with 0 before normalizing; padded positions are masked, so flowrl
// writes 0 into the normalized tensor instead.)
//
// Window choice: kLengthProportional (original DT) picks an episode with probability length/total
// then a uniform start in it; kUniformStart (Flowformer authors) picks one of all (episode, start)
// pairs uniformly. Both induce the same distribution over windows; they differ in how the random
// stream is consumed, so each reproduces its reference procedure draw by draw.
//
//   auto ds = std::make_shared<const D4RLDataset>(load_d4rl(path));
//   DTSampler sampler(ds, DTSamplerOptions().context(20).batch_size(64).seed(1));
//   DTBatch b = sampler.sample();   // b.states [64, 20, S], b.mask [64, 20]
#pragma once

#include <flowrl/data/d4rl.h>
#include <flowrl/data/episodes.h>
#include <flowrl/data/normalizer.h>
#include <flowrl/data/rng.h>
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace flowrl::data {

/// How a window's episode and start are drawn (see the file comment).
enum class WindowSampling {
  kLengthProportional,  ///< original DT: episode with p = length / total, then a uniform start
  kUniformStart,        ///< Flowformer authors: every (episode, start) pair equally likely
  kEpisodeStart,        ///< whole-episode models: episode with p = length / total, from its first
                        ///< step (windows are episode prefixes of up to K steps; every row is
                        ///< trained on as often as under kLengthProportional; docs/recurrent.md)
};

/// Where the padding of a window shorter than K goes.
enum class WindowPadding {
  kRight,  ///< valid steps at [0, len), pads after; mask is a loss mask (causal attention)
  kLeft,   ///< pads at [0, K - len), valid steps after; mask is an attention mask, for models
           ///< that take one (the original DT code's layout). flowrl's DecisionTransformer takes
           ///< no mask: train it on kRight windows, as train-agent does.
};

/// Options of DTSampler. Defaults: the Flowformer authors' recipe (K 20, batch 64, scale 1000,
/// uniform start, right padding, trailing partial episode dropped).
///
///   DTSampler s(ds, DTSamplerOptions().context(20).padding(WindowPadding::kLeft).seed(7));
struct DTSamplerOptions {
  /// Context length K (steps per window).
  TORCH_ARG(int64_t, context) = 20;
  /// Windows per batch B.
  TORCH_ARG(int64_t, batch_size) = 64;
  /// Returns-to-go are divided by this (DT: 1000 for the MuJoCo locomotion tasks).
  TORCH_ARG(double, reward_scale) = 1000.0;
  /// Timesteps are clipped to max_ep_len - 1 (size of the timestep embedding).
  TORCH_ARG(int64_t, max_ep_len) = 1000;
  /// Window choice.
  TORCH_ARG(WindowSampling, sampling) = WindowSampling::kUniformStart;
  /// Padding side.
  TORCH_ARG(WindowPadding, padding) = WindowPadding::kRight;
  /// Seed of the sampler's own generator (torch's global generator is never used).
  TORCH_ARG(uint64_t, seed) = 0;
  /// Device of the returned tensors (filled on the CPU, then moved).
  TORCH_ARG(torch::Device, device) = torch::kCPU;
  /// Keep the trailing partial episode (d4rl.sequence_dataset and DT drop it).
  TORCH_ARG(bool, keep_trailing_episode) = false;
  /// Episode length rule for files without timeouts (v0), as EpisodeOptions::max_episode_steps.
  TORCH_ARG(int64_t, max_episode_steps) = 1000;
  /// Normalize states with the dataset's mean/std; false passes raw states.
  TORCH_ARG(bool, normalize_states) = true;
  /// Added to the state std (DT: 1e-6).
  TORCH_ARG(double, state_std_eps) = 1e-6;
  /// Value of padded actions (DT and Flowformer code: -10).
  TORCH_ARG(double, action_pad) = -10.0;
  /// Right padding only: cut a batch to its longest window instead of K steps (columns past every
  /// window's end carry nothing). For long contexts (whole episodes) this saves the padding's compute.
  TORCH_ARG(bool, trim_padding) = false;
};

/// One batch of windows. Padded positions hold the pad values and mask false.
struct DTBatch {
  torch::Tensor states;         ///< [B, K, S] float32, normalized
  torch::Tensor actions;        ///< [B, K, A] float32
  torch::Tensor rewards;        ///< [B, K, 1] float32, raw rewards
  torch::Tensor returns_to_go;  ///< [B, K, 1] float32, return-to-go / reward_scale
  torch::Tensor timesteps;      ///< [B, K] int64, step in the episode clipped to max_ep_len - 1
  torch::Tensor mask;           ///< [B, K] bool, true at valid (unpadded) positions
};

/// Where one window starts: episode index (into DTSampler::episodes()) and start step in it.
struct DTWindow {
  int64_t episode = 0;  ///< index into episodes()
  int64_t start = 0;    ///< step of the episode at which the window starts, in [0, length)
};

/// Samples Decision-Transformer batches. Precomputes the per-row return-to-go once; a batch is
/// gathered with index arithmetic into freshly allocated CPU tensors (the caller may keep them).
/// Not thread-safe: one sampler per thread.
class DTSampler {
 public:
  /// Splits `dataset` into episodes (options.keep_trailing_episode, options.max_episode_steps) and
  /// fits the state normalizer on them. Throws flowrl::Error on bad options or no episode.
  DTSampler(std::shared_ptr<const D4RLDataset> dataset, DTSamplerOptions options = DTSamplerOptions());
  /// Uses the given episodes (rows of `dataset`) and normalizer (e.g. restored from a checkpoint).
  DTSampler(std::shared_ptr<const D4RLDataset> dataset, std::vector<Episode> episodes,
            StateNormalizer normalizer, DTSamplerOptions options = DTSamplerOptions());

  /// One batch of options().batch_size() windows.
  DTBatch sample();
  /// One batch of `batch_size` windows.
  DTBatch sample(int64_t batch_size);
  /// Draws `count` windows (advances the generator).
  std::vector<DTWindow> draw(int64_t count);
  /// The batch of the given windows (deterministic; does not touch the generator).
  DTBatch gather(const std::vector<DTWindow>& windows) const;

  /// The episodes windows are drawn from.
  const std::vector<Episode>& episodes() const { return episodes_; }
  /// The state normalizer (identity when normalize_states is false); the evaluator must use it.
  const StateNormalizer& normalizer() const { return normalizer_; }
  /// The options.
  const DTSamplerOptions& options() const { return options_; }
  /// The dataset.
  const D4RLDataset& dataset() const { return *dataset_; }
  /// Number of distinct windows (rows in episodes()).
  int64_t num_windows() const { return total_rows_; }
  /// Unscaled return-to-go of a dataset row inside episodes() (sum of rewards to the episode end).
  double return_to_go(int64_t row) const { return rtg_[static_cast<size_t>(row)]; }

  /// The generator state (text); set_rng_state() resumes the same stream of batches.
  std::string rng_state() const { return rng_.state(); }
  /// Restores a state from rng_state(); throws flowrl::Error if malformed.
  void set_rng_state(const std::string& state) { rng_.set_state(state); }

 private:
  void init();

  std::shared_ptr<const D4RLDataset> dataset_;
  std::vector<Episode> episodes_;
  StateNormalizer normalizer_;
  DTSamplerOptions options_;
  std::vector<int64_t> cum_rows_;  // cum_rows_[e] = rows of episodes before e; size E + 1
  std::vector<double> rtg_;        // per dataset row
  int64_t total_rows_ = 0;
  Rng rng_;
};

}  // namespace flowrl::data
