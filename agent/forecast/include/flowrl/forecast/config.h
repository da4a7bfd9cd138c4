// flowrl/forecast/config.h — the YAML configuration of a forecasting run (configs/forecast/*.yaml),
// `--set key=value` overrides, and building the model and data it describes.
//
// The YAML mirrors ForecastConfig one to one; an unknown key or a value of the wrong type is an
// error naming the key. Example (configs/forecast/etth1_inverted_96.yaml):
//
//   name: etth1_inverted_96
//   seed: 2021
//   data:  {dir: ../../data/timeseries, file: ETTh1.csv, split: auto, freq: h, seq_len: 96, pred_len: 96}
//   model: {head: inverted, d_model: 256, n_heads: 8, layers: 2, mlp_ratio: 1, dropout: 0.1}
//   train: {batch_size: 32, epochs: 10, lr: 0.0001, lr_schedule: type1, patience: 3, threads: 1}
//   output: {dir: runs/forecast}
#pragma once

#include <flowrl/data/timeseries.h>
#include <flowrl/backbone/precision.h>
#include <flowrl/forecast/options.h>
#include <torch/nn/modules/container/any.h>

#include <cstdint>
#include <string>
#include <vector>

namespace flowrl {

/// `data:` — which file, which split, which window lengths.
struct ForecastDataConfig {
  std::string dir = "../../data/timeseries";  ///< folder of the CSV; relative: to the config file's folder
  std::string file = "ETTh1.csv";             ///< CSV name inside `dir`
  std::string target = "OT";                  ///< column moved last (TSLib's target); "" keeps the order
  std::string split = "auto";                 ///< auto (from the file name) | etth | ettm | ratio
  std::string freq = "h";                     ///< time features: t | h | d | w | m
  int64_t seq_len = 96;                       ///< look-back L
  int64_t pred_len = 96;                      ///< horizon H
  bool scale = true;                          ///< standardize with train-split statistics
};

/// `model:` — head and backbone.
struct ForecastModelConfig {
  ForecastHead head = ForecastHead::kInverted;  ///< inverted | temporal
  int64_t d_model = 128;                        ///< token width D
  int64_t n_heads = 8;                          ///< attention heads
  int64_t layers = 2;                           ///< Flowformer blocks
  int64_t mlp_ratio = 1;                        ///< MLP width = mlp_ratio * d_model
  double dropout = 0.1;                         ///< embedding, attention-output and MLP dropout
  AttentionKind attention = AttentionKind::kFlow;  ///< flow | softmax
  Activation activation = Activation::kGELU;    ///< relu | gelu
  double clamp = 1.0;                           ///< Flow-Attention competition clamp
  bool instance_norm = true;                    ///< per-variate normalization of the look-back
  bool use_marks = true;                        ///< time features: extra tokens (inverted), embedding (temporal)
  bool linear_skip = false;                     ///< inverted head: add a Linear(L -> H) shortcut
  int64_t value_kernel = 3;                     ///< temporal head: value-embedding conv width
  bool horizon_tokens = false;                  ///< temporal head: encode H placeholder tokens (else Linear(L -> H))
};

/// A whole run: the YAML file's content after overrides.
struct ForecastConfig {
  std::string name = "forecast";     ///< run name; results go to output.dir/name/seed<seed>/
  int64_t seed = 2021;               ///< torch and shuffling seed
  ForecastDataConfig data;           ///< `data:`
  ForecastModelConfig model;         ///< `model:`
  ForecastTrainerOptions train;      ///< `train:` (checkpoint and seed are filled in by the runner)
  int64_t threads = 1;               ///< `train.threads`: torch intra-op threads (0: torch's default)
  Precision precision = Precision::kFP32;  ///< `train.precision`: fp32 | bf16 (flowrl/backbone/precision.h)
  std::string output_dir = "runs/forecast";  ///< `output.dir`; relative: to the working directory
  std::string base_dir = ".";        ///< folder relative data.dir is resolved against (the config's)

  /// data.dir/data.file, with a relative dir resolved against base_dir.
  std::string data_path() const;
  /// output_dir/name/seed<seed>.
  std::string run_dir() const;
};

/// Reads `path` and applies `overrides` ("a.b=value", YAML-parsed values). Throws flowrl::Error for a
/// missing/unparsable file, an unknown key, a wrong type or value (naming the key), or a bad override.
ForecastConfig load_forecast_config(const std::string& path, const std::vector<std::string>& overrides = {});

/// As load_forecast_config() for YAML text; `source` names it in errors, relative data.dir resolves
/// against the working directory.
ForecastConfig parse_forecast_config(const std::string& yaml, const std::vector<std::string>& overrides = {},
                                     const std::string& source = "<config>");

/// The config as YAML (every key, after overrides): what a run records next to its results.
std::string forecast_config_to_yaml(const ForecastConfig& config);

/// Reads config.data_path() and prepares the windows. Throws flowrl::Error (from the loader) naming
/// the file.
data::ForecastSeries load_forecast_series(const ForecastConfig& config);

/// The head config.model describes, for `series`' shapes, as an AnyModule with forward(x, x_mark, y_mark).
torch::nn::AnyModule make_forecaster(const ForecastModelConfig& model, const data::ForecastSeries& series);

}  // namespace flowrl
