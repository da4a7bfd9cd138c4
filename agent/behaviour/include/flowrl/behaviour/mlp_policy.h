// flowrl/behaviour/mlp_policy.h — behaviour policies stored in the "mlp-policy/1" HDF5 format.
//
// The format (data/policies/README.md) holds an MLP exported from RL Baselines3 Zoo agents:
//   h = normalize_obs ? clip((obs - obs_mean) / sqrt(obs_var + obs_eps), -obs_clip, obs_clip) : obs
//   for each layer i:  h = activation_i(W_i h + b_i)
//   deterministic action = output == "tanh" ? tanh(h) : clip(h, -1, 1)
// Stochastic actions:
//   tanh output (SAC, TQC): tanh(mu + exp(log_std) * N(0,1)), log_std = clamp(W h_last + b, -20, 2)
//                           from the state-dependent head on the last hidden layer's output
//   clip output (A2C/PPO/TRPO): clip(mu + exp(log_std) * N(0,1), -1, 1), log_std a parameter vector
//   no log_std (ARS): clip(mu + noise_std * N(0,1), -1, 1) with a noise_std the caller chooses
// Weights are float32 in the file and used in double precision here.
//
//   auto policy = MlpPolicy::load("data/policies/hopper-trpo.h5");
//   Action a = policy.act(obs);
#pragma once

#include <flowrl/envs/env.h>
#include <flowrl/envs/random.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flowrl::behaviour {

using envs::Action;
using envs::Observation;

/// How the last layer's output becomes an action.
enum class OutputKind {
  kTanh,  ///< tanh(h) (squashed Gaussian: SAC, TQC)
  kClip,  ///< clip(h, -1, 1) (A2C, PPO, TRPO, ARS)
};

/// A layer's activation.
enum class ActivationKind { kReLU, kTanh, kNone };

/// Where the stochastic policy's log-std comes from.
enum class LogStdKind {
  kNone,            ///< no log-std (ARS): the caller picks a noise scale
  kStateDependent,  ///< a linear head on the last hidden layer's output, clamped to [-20, 2]
  kParameter,       ///< a state-independent vector
};

/// One dense layer: y = activation(W x + b).
struct DenseLayer {
  int64_t in = 0;                ///< input width
  int64_t out = 0;               ///< output width
  std::vector<double> weight;    ///< [out, in], row-major
  std::vector<double> bias;      ///< [out]; empty when the layer has no bias
  ActivationKind activation = ActivationKind::kNone;  ///< applied after the affine map

  /// activation(W x + b).
  std::vector<double> forward(const std::vector<double>& x) const;
};

/// The descriptive root attributes of a policy file.
struct MlpPolicyInfo {
  std::string file;              ///< path it was loaded from
  std::string format;            ///< "mlp-policy/1"
  std::string env_id;            ///< Gym id it was trained on, e.g. "Hopper-v3"
  std::string algorithm;         ///< e.g. "trpo"
  std::string source;            ///< where the weights came from
  std::string license;           ///< the weights' license
  double zoo_eval_last_mean = 0; ///< return the collection reported for the last checkpoint
  double zoo_eval_best_mean = 0; ///< return the collection reported for the best checkpoint
};

/// The Gaussian (before squashing/clipping) a stochastic action is drawn from.
struct ActionDistribution {
  std::vector<double> mean;     ///< mu: the last layer's output
  std::vector<double> log_std;  ///< per action dimension; empty for LogStdKind::kNone
};

/// A feed-forward behaviour policy read from an mlp-policy/1 file.
class MlpPolicy {
 public:
  /// Reads `path`. Throws flowrl::Error naming the file and the offending key when the file is not a
  /// valid mlp-policy/1 file (missing attribute or dataset, wrong shape, unknown activation, ...).
  static MlpPolicy load(const std::string& path);

  /// Observation width the first layer expects.
  int64_t obs_dim() const;
  /// Action width the last layer produces.
  int64_t act_dim() const;
  /// The file's descriptive attributes.
  const MlpPolicyInfo& info() const { return info_; }
  /// tanh or clip output.
  OutputKind output() const { return output_; }
  /// Source of the stochastic log-std.
  LogStdKind log_std_kind() const { return log_std_kind_; }
  /// The layers, input to output.
  const std::vector<DenseLayer>& layers() const { return layers_; }
  /// Whether observations are normalized before the first layer.
  bool normalizes_observations() const { return normalize_obs_; }

  /// The input of the first layer (normalized and clipped when the file says so).
  std::vector<double> preprocess(const Observation& obs) const;
  /// The Gaussian a stochastic action is drawn from.
  ActionDistribution distribution(const Observation& obs) const;
  /// Deterministic action: tanh(mu) or clip(mu, -1, 1). Throws flowrl::Error on a wrong obs size.
  Action act(const Observation& obs) const;
  /// Stochastic action drawn with `rng` (see the file comment). `noise_std` is required for policies
  /// without a log-std (ARS) and ignored otherwise; a missing one is a flowrl::Error.
  Action sample(const Observation& obs, envs::Rng& rng, std::optional<double> noise_std = std::nullopt) const;

 private:
  // mean and (when state-dependent) the last hidden activation
  std::vector<double> forward(const Observation& obs, std::vector<double>* last_hidden) const;

  MlpPolicyInfo info_;
  OutputKind output_ = OutputKind::kClip;
  LogStdKind log_std_kind_ = LogStdKind::kNone;
  bool normalize_obs_ = false;
  double obs_clip_ = 0.0;
  double obs_eps_ = 0.0;
  std::vector<double> obs_mean_;
  std::vector<double> obs_var_;
  std::vector<DenseLayer> layers_;
  DenseLayer log_std_head_;        // kStateDependent
  std::vector<double> log_std_;    // kParameter
};

}  // namespace flowrl::behaviour
