// flowrl/agent/trainer.h — train a Decision Transformer from a D4RL-layout file, and evaluate it.
//
// Reading order of trainer.cpp: evaluation of target returns -> run directory set-up -> the
// training loop (sample, forward, masked MSE, AdamW with warm-up and clipping) -> logging,
// periodic evaluation, checkpoints.
#pragma once

#include <flowrl/agent/decision_transformer.h>
#include <flowrl/agent/train_config.h>
#include <flowrl/backbone/runtime.h>
#include <flowrl/data/normalizer.h>
#include <flowrl/envs/evaluate.h>

#include <optional>
#include <string>
#include <vector>

namespace flowrl::dist {
class Group;
}

namespace flowrl {

/// The evaluation of one target return.
struct TargetEvaluation {
  double target = 0.0;             ///< raw target return
  envs::EvaluationResult result;  ///< per-episode returns and summaries (normalized x100)
};

/// Options of evaluate_targets().
struct TargetEvaluationOptions {
  std::string env;                 ///< env name (hopper, halfcheetah, walker2d, or a D4RL name)
  std::vector<double> targets;     ///< raw target returns
  int64_t episodes = 10;           ///< per target
  int64_t first_episode = 0;       ///< index of the first episode (EvaluateOptions::first_episode)
  uint64_t seed = 1000;            ///< episode seeds derive from it (the same for every target)
  int64_t threads = 2;             ///< env-stepping threads
  double reward_scale = 1000.0;    ///< as in training
  torch::Device device = torch::kCPU;
  Precision precision = Precision::kFP32;  ///< of the policy's forward passes
  bool recurrent = false;          ///< act through the recurrent state (DTPolicyOptions::recurrent)
};

/// Runs `episodes` episodes per target, all episodes of a target together (one batched forward
/// pass per environment step).
std::vector<TargetEvaluation> evaluate_targets(DecisionTransformer model, const data::StateNormalizer& normalizer,
                                               const TargetEvaluationOptions& options);

/// Where and how train_agent() runs.
struct TrainRunOptions {
  std::string run_dir;           ///< output folder (created)
  bool resume = false;           ///< continue from run_dir's latest checkpoint
  std::string resolved_yaml;     ///< the config as resolved, written to run_dir/config.yaml
  bool progress = true;          ///< progress bar on stderr (rank 0's)
  /// The ranks of a data-parallel run (flowrl/dist/group.h), joined; nullptr: one process. Every rank
  /// calls train_agent() with the same config; rank 0 alone writes run_dir.
  dist::Group* group = nullptr;
};

/// What train_agent() returns.
struct TrainResult {
  int64_t steps = 0;                             ///< updates done in total
  double last_loss = 0.0;                        ///< loss of the last update
  double wall_seconds = 0.0;                     ///< this invocation's wall time
  double steps_per_second = 0.0;                 ///< this invocation's update rate
  double allreduce_ms_per_step = 0.0;            ///< gradient all-reduce time per update (data-parallel runs)
  std::vector<TargetEvaluation> final_evaluation;  ///< eval.final_episodes per target (may be empty)
  /// A resumed run was already complete (every update done, its eval-final.json written or not
  /// wanted): nothing was trained, evaluated or written.
  bool already_finished = false;
};

/// The learning rate of update `step` (0-based): linear warm-up to `optim.lr` over
/// `optim.warmup_steps` updates, then constant or a half cosine down to 0 at update `optim.steps`.
double learning_rate(const OptimConfig& optim, int64_t step);

/// Trains (or resumes) a run. With run.group, every rank of a data-parallel run calls it: the global
/// batch train.batch_size is split over the ranks, gradients are summed, evaluations are split and
/// gathered; the run folder is the same as a one-process run's. Throws flowrl::Error on user errors (bad data, existing run dir
/// without --resume, ...).
TrainResult train_agent(TrainConfig config, const TrainRunOptions& options);

/// "target 3600: normalized 85.1 +- 12.0 (return 2748 +- 390), 100 episodes" lines.
std::string format_target_evaluations(const std::vector<TargetEvaluation>& evaluations);
/// What an evaluation report says about the weights it evaluated: the head of eval-final.json
/// (train-agent) and of evaluate-policy --checkpoint --json.
struct EvaluationSource {
  std::string dir_key = "run_dir";  ///< the folder's key: "run_dir" (train-agent) or "checkpoint" (evaluate-policy)
  std::string dir;                  ///< the run or checkpoint folder
  int64_t step = 0;                 ///< the update the weights come from
  std::string env;                  ///< the evaluation environment
  std::string weights;              ///< weights_label(): last iterate or weight average
  Precision precision = Precision::kFP32;  ///< of the evaluation's forward passes
};

/// The evaluations as a JSON document: `{<source fields>, "targets": [{"target": R, "evaluation":
/// {...}}, ...]}`; the source fields are left out when `source` is empty.
std::string target_evaluations_json(const std::vector<TargetEvaluation>& evaluations,
                                    const std::optional<EvaluationSource>& source = std::nullopt);

/// torch device from "cpu" / "cuda" (throws flowrl::Error if CUDA is requested but absent).
torch::Device parse_device(const std::string& name);

}  // namespace flowrl
