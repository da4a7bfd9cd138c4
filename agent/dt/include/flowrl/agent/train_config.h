// flowrl/agent/train_config.h — the schema of a train-agent run, one field per YAML key.
//
// YAML keys mirror the fields exactly (section.field); unknown keys and wrong types are errors.
// See docs/train-agent.md for the documented schema and configs/dt/ for the shipped recipes.
#pragma once

#include <flowrl/agent/decision_transformer.h>
#include <flowrl/backbone/precision.h>

#include <cstdint>
#include <string>
#include <vector>

namespace flowrl::config {
class Config;
}

namespace flowrl {

/// `dataset:` — where the trajectories come from and how windows are drawn.
struct DatasetConfig {
  std::string path;                          ///< D4RL HDF5 file or Minari dataset folder (relative to the working dir)
  std::string minari_id;                     ///< or a Minari dataset id (mujoco/hopper/medium-v0) under
                                             ///< $MINARI_DATASETS_PATH or ~/.minari/datasets; "" when `path` is set
  std::string env;                           ///< env for validation and evaluation (hopper, halfcheetah, walker2d; a
                                             ///< Minari dataset's defaults to its metadata's env_spec id)
  bool keep_trailing_episode = false;        ///< keep the unterminated last episode (DT drops it)
  std::string sampling = "uniform_start";    ///< uniform_start (Flowformer authors) | length_proportional (DT)
  double reward_scale = 1000.0;              ///< returns-to-go are divided by this
  bool normalize_states = true;              ///< states normalized with dataset mean/std (+1e-6)

  /// The dataset as the user named it: `minari_id` when set, else `path` (for messages).
  const std::string& label() const { return minari_id.empty() ? path : minari_id; }
};

/// What the learning rate does after the warm-up.
enum class LrDecay {
  kNone,    ///< stays at the peak (the Decision Transformer recipe)
  kCosine,  ///< follows a half cosine from the peak to 0 at the last update
};

/// `train:` — optimisation.
struct OptimConfig {
  int64_t steps = 100000;        ///< gradient updates
  int64_t batch_size = 64;       ///< windows per update
  double lr = 1e-3;              ///< AdamW peak learning rate
  double weight_decay = 1e-4;    ///< AdamW weight decay (all parameters, as DT)
  int64_t warmup_steps = 10000;  ///< linear warm-up from 0 to lr, then `lr_decay`
  LrDecay lr_decay = LrDecay::kNone;  ///< after the warm-up: constant or cosine to 0
  double grad_clip = 0.25;       ///< max global gradient norm
  double ema_decay = 0.0;        ///< 0: off. Otherwise a Polyak average of the weights is kept
                                 ///< (avg = d avg + (1 - d) w after each update, with d = min(ema_decay,
                                 ///< (1 + n) / (10 + n)) at update n) and evaluations, evaluate-policy and
                                 ///< load_agent() use it instead of the last iterate
  Precision precision = Precision::kFP32;  ///< fp32 | bf16: bf16 runs the big matrix products in bfloat16
                                 ///< (master weights, optimizer state, loss and the delicate ops stay
                                 ///< float32; docs/precision.md); evaluations during the run use it too
  uint64_t seed = 0;             ///< seeds the model init, dropout and the window sampler
  int64_t sampler_streams = 0;   ///< random streams the global batch is drawn from, stream s taking
                                 ///< its share of batch_size (dist::share_of). 0: one per rank (1 for a
                                 ///< one-process run). A one-process run with N streams draws the very
                                 ///< windows an N-rank run draws (stream 0 is seeded with `seed`)
  int64_t threads = 1;           ///< torch intra-op threads (1 is fastest on 2 cores with OpenBLAS)
  int64_t blas_threads = 1;      ///< OpenBLAS threads (0: leave OpenBLAS's default); 1 avoids spinning
                                 ///< BLAS threads collapsing under any CPU contention
  int64_t log_every = 100;       ///< steps between rows of log.csv
  int64_t checkpoint_every = 1000;  ///< steps between checkpoints (and at the end)
};

/// `eval:` — periodic and final evaluation in flowrl's environments.
struct EvalConfig {
  int64_t every = 10000;            ///< steps between evaluations (0: only at the end)
  int64_t episodes = 10;            ///< episodes per target at periodic evaluations
  int64_t final_episodes = 100;     ///< episodes per target at the end (0: none)
  std::vector<double> targets;      ///< target returns (raw, e.g. 3600 1800 for hopper)
  int64_t threads = 2;              ///< env-stepping threads
  uint64_t seed = 1000;             ///< evaluation seed (episode seeds derive from it)
};

/// A whole train-agent run.
struct TrainConfig {
  DatasetConfig dataset;
  DecisionTransformerOptions model{1, 1};  ///< state/act dims are filled from the dataset
  OptimConfig train;
  EvalConfig eval;
  std::string device = "cpu";  ///< cpu | cuda
  /// model.context: episode — a whole-episode model: context = max_ep_len, training windows are
  /// episode prefixes from t = 0 (episodes drawn with p = length / total), every batch trimmed to its longest
  /// window, and evaluations act through the recurrent state (Flow-Attention; docs/recurrent.md).
  bool episode_context = false;

  /// A Flow-Attention model whose context covers the episode acts through its recurrent state (the
  /// window's actions at a constant cost per step), whether its config says `episode` or a number >=
  /// max_ep_len (recurrent_by_default()); every other model acts with its K-step window.
  bool acts_recurrently() const { return recurrent_by_default(model); }

  /// Reads every section from `cfg` (unknown keys are errors). State/act dims are left at 0 and
  /// filled in from the dataset. Throws flowrl::Error naming the file and key.
  static TrainConfig from(config::Config& cfg);
};

/// Default evaluation targets of an env (the DT paper's): hopper 3600/1800, halfcheetah 12000/6000,
/// walker2d 5000/2500, also for their versioned Gymnasium ids (Hopper-v5, hopper-v5). Throws
/// flowrl::Error for other envs.
std::vector<double> default_targets(const std::string& env);

}  // namespace flowrl
