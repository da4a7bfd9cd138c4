// flowrl/forecast/models.h — the two forecasting heads on the shared Flowformer backbone, and the
// batching of data::ForecastSeries windows into tensors.
//
// Shape legend: B batch, L look-back, H horizon, N variates, F time features, D d_model.
#pragma once

#include <flowrl/backbone/flowformer.h>
#include <flowrl/data/timeseries.h>
#include <flowrl/forecast/options.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <vector>

namespace flowrl {

/// A batch of windows: inputs, targets and their time features.
struct ForecastBatch {
  torch::Tensor x;       ///< [B, L, N] scaled look-back values
  torch::Tensor y;       ///< [B, H, N] scaled target values
  torch::Tensor x_mark;  ///< [B, L, F] time features of the look-back
  torch::Tensor y_mark;  ///< [B, H, F] time features of the horizon
};

/// Copies windows `indices` of `split` into float32 tensors on `device`. Throws flowrl::Error for an
/// index outside [0, series.num_windows(split)).
ForecastBatch make_forecast_batch(const data::ForecastSeries& series, data::Split split,
                                  const std::vector<int64_t>& indices, torch::Device device = torch::kCPU);

/// Per-variate instance normalization statistics of a look-back window.
struct InstanceNorm {
  torch::Tensor mean;  ///< [B, 1, N]
  torch::Tensor std;   ///< [B, 1, N] sqrt(population variance + eps)
  /// (x - mean) / std for x [B, T, N].
  torch::Tensor normalize(const torch::Tensor& x) const;
  /// y * std + mean for y [B, T, N].
  torch::Tensor denormalize(const torch::Tensor& y) const;
  /// Statistics of x [B, L, N] over the L steps (population variance, as iTransformer's use_norm).
  static InstanceNorm of(const torch::Tensor& x, double eps);
};

/// The inverted (iTransformer / iFlowformer) head. Each variate's look-back is one token.
///
///   InvertedForecaster net(InvertedForecasterOptions(96, 96, FlowformerOptions(128, 8).mlp_ratio(1)));
///   auto y = net(x, x_mark, y_mark);   // [B, 96, N]
class InvertedForecasterImpl : public torch::nn::Cloneable<InvertedForecasterImpl> {
 public:
  explicit InvertedForecasterImpl(const InvertedForecasterOptions& options);

  /// (Re)creates embedding, dropout, encoder and projection.
  void reset() override;

  /// x [B, L, N], x_mark [B, L, F] (ignored unless use_marks), y_mark [B, H, F] (ignored) -> [B, H, N].
  /// Throws flowrl::Error when L differs from options.seq_len().
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& x_mark, const torch::Tensor& y_mark);

  /// The options the head was built with.
  InvertedForecasterOptions options;

  torch::nn::Linear embedding{nullptr};   ///< L -> D, one token per series
  torch::nn::Dropout dropout{nullptr};    ///< on the token embeddings
  Flowformer encoder{nullptr};            ///< non-causal, across tokens
  torch::nn::Linear projection{nullptr};  ///< D -> H
  torch::nn::Linear skip{nullptr};        ///< L -> H linear shortcut (only with linear_skip)
};
TORCH_MODULE(InvertedForecaster);

/// The temporal head: time steps are tokens; the horizon is predicted in one pass.
///
///   TemporalForecaster net(TemporalForecasterOptions(96, 96, 7, 4, FlowformerOptions(64, 4)));
///   auto y = net(x, x_mark, y_mark);   // [B, 96, 7]
class TemporalForecasterImpl : public torch::nn::Cloneable<TemporalForecasterImpl> {
 public:
  explicit TemporalForecasterImpl(const TemporalForecasterOptions& options);

  /// (Re)creates the embeddings, the position table, the encoder, the horizon map and the output.
  void reset() override;

  /// x [B, L, N], x_mark [B, L, F], y_mark [B, H, F] -> [B, H, N]. Throws flowrl::Error on a shape
  /// that does not match the options.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& x_mark, const torch::Tensor& y_mark);

  /// The options the head was built with.
  TemporalForecasterOptions options;

  torch::nn::Conv1d value_embedding{nullptr};  ///< N -> D, circular, no bias
  torch::nn::Linear time_embedding{nullptr};   ///< F -> D, no bias (absent when n_marks == 0)
  torch::Tensor horizon_token;                 ///< [D] placeholder of the H future steps (horizon_tokens)
  torch::nn::Linear time_projection{nullptr};  ///< L -> H across time (without horizon_tokens)
  torch::Tensor positions;                     ///< [L + H, D] sinusoidal table (buffer)
  torch::nn::Dropout dropout{nullptr};         ///< on the summed embeddings
  Flowformer encoder{nullptr};                 ///< non-causal, across the L + H steps
  torch::nn::Linear output{nullptr};           ///< D -> N
};
TORCH_MODULE(TemporalForecaster);

}  // namespace flowrl
