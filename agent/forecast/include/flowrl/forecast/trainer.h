// flowrl/forecast/trainer.h — training and evaluation of a forecasting head under the standard
// long-horizon protocol: Adam on the MSE, validation-based early stopping and lr schedule, the
// best-validation weights restored (and checkpointed), then MSE/MAE over every test window on the
// normalized scale.
//
// Shape legend: B batch, L look-back, H horizon, N variates, F time features.
#pragma once

#include <flowrl/data/timeseries.h>
#include <flowrl/forecast/options.h>
#include <torch/nn/modules/container/any.h>
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace flowrl {

/// Error metrics over all windows x horizon steps x variates of one split (normalized scale).
struct ForecastMetrics {
  double mse = 0.0;     ///< mean((prediction - target)^2)
  double mae = 0.0;     ///< mean(|prediction - target|)
  int64_t windows = 0;  ///< windows evaluated (all of the split)
};

/// What happened in one epoch.
struct ForecastEpochLog {
  int64_t epoch = 0;         ///< 1-based
  double lr = 0.0;           ///< learning rate used in the epoch
  double train_mse = 0.0;    ///< mean training loss over the epoch's steps
  double val_mse = 0.0;      ///< validation MSE after the epoch
  int64_t steps = 0;         ///< optimizer steps
  double seconds = 0.0;      ///< wall time of the epoch (training and validation)
};

/// The outcome of train_forecaster().
struct ForecastTrainResult {
  std::vector<ForecastEpochLog> epochs;  ///< one entry per epoch run
  int64_t best_epoch = 0;                ///< 1-based epoch with the lowest validation MSE
  ForecastMetrics val;                   ///< validation metrics of the restored best model
  ForecastMetrics test;                  ///< test metrics of the restored best model
  bool stopped_early = false;            ///< patience ran out before `epochs`
  double train_seconds = 0.0;            ///< wall time of the epochs (training + validation)
  double test_seconds = 0.0;             ///< wall time of the final test evaluation
};

/// Predictions of `model` (called as forward(x, x_mark, y_mark) -> [B, H, N]) on every window of
/// `split`, compared with the targets. The module is put in eval mode.
ForecastMetrics evaluate_forecaster(torch::nn::AnyModule& model, const data::ForecastSeries& series,
                                    data::Split split, int64_t batch_size = 256, torch::Device device = torch::kCPU);

/// Trains `model` on the training windows (shuffled each epoch), validates after each epoch, keeps
/// the best weights (in memory and, if options.checkpoint() is set, on disk), restores them and
/// evaluates the test split. Throws flowrl::Error on invalid options or an unwritable checkpoint.
ForecastTrainResult train_forecaster(torch::nn::AnyModule& model, const data::ForecastSeries& series,
                                     const ForecastTrainerOptions& options, torch::Device device = torch::kCPU);

/// The learning rate of epoch `epoch` (0-based) under `options`.
double forecast_learning_rate(const ForecastTrainerOptions& options, int64_t epoch);

/// Saves the module's parameters and buffers to `path` (a torch archive). Throws flowrl::Error if
/// the file cannot be written.
void save_forecaster(torch::nn::AnyModule& model, const std::string& path);

/// Loads parameters and buffers saved by save_forecaster() into a module of the same structure.
/// Throws flowrl::Error naming the path when the file is missing or does not match.
void load_forecaster(torch::nn::AnyModule& model, const std::string& path);

}  // namespace flowrl
