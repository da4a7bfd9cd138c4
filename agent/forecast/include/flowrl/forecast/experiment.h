// flowrl/forecast/experiment.h — one forecasting run end to end, as train-forecaster does it:
// config -> data -> model -> training -> test metrics -> result.json + best.pt in the run folder.
#pragma once

#include <flowrl/forecast/config.h>
#include <flowrl/forecast/trainer.h>

#include <string>

namespace flowrl {

/// The outcome of run_forecast_experiment().
struct ForecastExperimentResult {
  ForecastTrainResult train;   ///< per-epoch log, best epoch, val/test metrics
  int64_t parameters = 0;      ///< trainable parameters of the model
  std::string run_dir;         ///< folder of the files below
  std::string result_json;     ///< run_dir/result.json
  std::string checkpoint;      ///< run_dir/best.pt (best validation weights)
  std::string windows_csv;     ///< run_dir/test-windows.csv (a few test windows and their forecasts)
  double total_seconds = 0.0;  ///< wall time including data loading
  double cpu_seconds = 0.0;    ///< CPU time (user + system, all threads) of the run
};

/// Runs `config` on `device` ("cpu" or "cuda"): seeds torch, sets the torch thread count, trains,
/// evaluates, writes run_dir/config.yaml, run_dir/best.pt and run_dir/result.json. Throws
/// flowrl::Error for user errors (config, data, unavailable CUDA, unwritable output folder).
///
/// With `group` (a data-parallel run; every rank calls it with the same config), training is split
/// over the ranks and rank 0 alone writes the run folder.
ForecastExperimentResult run_forecast_experiment(const ForecastConfig& config, const std::string& device = "cpu",
                                                 dist::GroupPtr group = nullptr);

/// A few test windows with the model's forecasts, as CSV for scripts/plot-forecast.py: columns
/// window,variate,step,value,forecast, one row per window x variate x step; steps -(L-1)..0 are the
/// look-back (forecast empty), 1..H the horizon; values on the normalized scale. The windows are
/// round(k (W-1) / 3) for k = 0..3 of the W test windows, the same for every head and seed.
std::string forecast_windows_csv(torch::nn::AnyModule& model, const data::ForecastSeries& series,
                                 torch::Device device = torch::kCPU);

/// The JSON run_forecast_experiment() writes (exposed for tests).
std::string forecast_result_json(const ForecastConfig& config, const ForecastExperimentResult& result,
                                 const std::string& device, int64_t threads);

}  // namespace flowrl
