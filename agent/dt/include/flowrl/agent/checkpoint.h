// flowrl/agent/checkpoint.h — run directories and checkpoints of train-agent.
//
// RUN_DIR/
//   config.yaml                 the resolved config (every key, defaults included)
//   log.csv, eval.csv           training log and periodic evaluations
//   checkpoints/step-NNNNNNNN/  model.pt, optimizer.pt, state.yaml (step, RNG states, normalizer),
//                               average.pt (the weight average, when train.ema_decay > 0)
//   checkpoints/latest          name of the newest complete checkpoint (only that one is kept)
//   eval-final.json             the final evaluation
// A checkpoint is written into a temporary folder, flushed to the disk and renamed into place, then
// `latest` is replaced by rename; only then is the previous checkpoint removed. A crash, a power loss
// or a stopped VM leaves a complete checkpoint behind.
#pragma once

#include <flowrl/agent/decision_transformer.h>
#include <flowrl/agent/dt_policy.h>
#include <flowrl/agent/train_config.h>
#include <flowrl/data/normalizer.h>
#include <torch/optim/adamw.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flowrl {

/// Everything besides the tensors that a resumed run needs.
struct CheckpointState {
  int64_t step = 0;                  ///< updates done
  std::string sampler_rng;           ///< DTSampler::rng_state()
  std::string torch_rng;             ///< torch's CPU generator state (hex)
  std::string cuda_rng;              ///< the CUDA generator's state (hex); empty for a CPU run
  /// Data-parallel runs: ranks that trained it, and the states of sampler streams 1.. and of ranks
  /// 1.. (the fields above are stream 0's and rank 0's). state.yaml keys sampler_rng_<s>, torch_rng_<r>,
  /// cuda_rng_<r>.
  int64_t ranks = 1;
  std::vector<std::string> more_sampler_rngs;  ///< streams 1 .. S-1
  std::vector<std::string> more_torch_rngs;    ///< ranks 1 .. N-1
  std::vector<std::string> more_cuda_rngs;     ///< ranks 1 .. N-1 (GPU runs)
  data::StateNormalizer normalizer;  ///< the training data's state statistics
  int64_t state_dim = 0;             ///< observation width
  int64_t act_dim = 0;               ///< action width
  int64_t dataset_rows = -1;         ///< rows of the training file; -1 where a checkpoint predates the field
  /// The model options the weights were trained with (model_signature()); empty where a checkpoint
  /// predates the field.
  std::string model;
};

/// The options of a Decision Transformer as one line of `key=value` pairs named as in the config
/// (`model.` omitted), e.g. "embed_dim=128 layers=3 ...": what a checkpoint records of its model.
std::string model_signature(const DecisionTransformerOptions& options);

/// Checks that `options` (from a run's config.yaml) are the ones `state` was trained with; throws
/// flowrl::Error naming each key that differs and the fix.
void check_model_matches(const CheckpointState& state, const DecisionTransformerOptions& options,
                         const std::string& checkpoint_dir);

/// Writes a checkpoint of `step` under run_dir/checkpoints atomically and points `latest` at it;
/// removes older checkpoints. `average` (optional) is the Polyak average of the weights. Throws
/// flowrl::Error naming the path on I/O failure.
void save_checkpoint(const std::string& run_dir, DecisionTransformer& model, torch::optim::AdamW* optimizer,
                     const CheckpointState& state, DecisionTransformer* average = nullptr);

/// Folder of the newest checkpoint of a run (the one `checkpoints/latest` names); nullopt when the
/// run has none yet. Throws flowrl::Error when `latest` names a folder that is missing or incomplete.
std::optional<std::string> latest_checkpoint(const std::string& run_dir);

/// Reads state.yaml of a checkpoint folder. Throws flowrl::Error naming the file.
CheckpointState load_checkpoint_state(const std::string& checkpoint_dir);

/// Loads model (and, if given, optimizer and weight-average) tensors of a checkpoint folder into
/// existing objects. Throws flowrl::Error when a requested file is missing or does not fit.
void load_checkpoint_tensors(const std::string& checkpoint_dir, DecisionTransformer& model,
                             torch::optim::AdamW* optimizer, DecisionTransformer* average = nullptr);

/// A trained agent read back from a run directory: config, model (eval mode) and normalizer.
struct LoadedAgent {
  TrainConfig config;                ///< the run's resolved config
  DecisionTransformer model{nullptr};  ///< the policy: the weight average if the run kept one
  bool averaged = false;             ///< `model` holds the weight average (train.ema_decay > 0)
  data::StateNormalizer normalizer;
  int64_t step = 0;                  ///< updates the checkpoint holds
  std::string checkpoint_dir;        ///< which checkpoint was read
  torch::Device device = torch::kCPU;  ///< where `model` lives
};

/// Which weights a policy holds, as evaluation JSON names them: "average" or "last_iterate".
inline const char* weights_label(bool averaged) { return averaged ? "average" : "last_iterate"; }

/// Loads the newest checkpoint of `run_dir` onto `device`. Throws flowrl::Error with the fix when
/// the folder is not a run directory or has no checkpoint.
LoadedAgent load_agent(const std::string& run_dir, torch::Device device = torch::kCPU);

/// The policy of a loaded run aiming at `target_return` (raw, in the environment's reward units),
/// with the run's state normalizer and return-to-go scale, on the agent's device. It acts as
/// `acting` says (resolve_acting(): by default through the recurrent state for a Flow-Attention model
/// whose context covers the episode, through the window otherwise).
DTPolicy make_policy(const LoadedAgent& agent, double target_return, Acting acting = Acting::kAuto);

/// The current state of torch's default generator of `device` (CPU, or the CUDA device's, which
/// drives dropout on the GPU) as hex text, and back.
std::string torch_rng_state(torch::Device device = torch::kCPU);
void set_torch_rng_state(const std::string& hex, torch::Device device = torch::kCPU);

}  // namespace flowrl
