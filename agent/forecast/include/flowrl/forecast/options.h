// flowrl/forecast/options.h — option structs of the forecasting heads and of their trainer.
//
// Both heads wrap the shared flowrl::Flowformer backbone (the same class the RL agent uses); the
// backbone part of their options is a FlowformerOptions. Shape legend: B batch, L look-back,
// H horizon, N variates, F time features, D d_model.
#pragma once

#include <flowrl/backbone/options.h>
#include <torch/arg.h>

#include <cstdint>
#include <string>
#include <utility>

namespace flowrl::dist {
class Group;
/// A pointer to a Group (TORCH_ARG needs a one-word type).
using GroupPtr = Group*;
}  // namespace flowrl::dist

namespace flowrl {

/// The two forecasting heads.
enum class ForecastHead {
  kInverted,  ///< iTransformer-style: one token per variate (and per time feature)
  kTemporal,  ///< one token per time step, look-back plus horizon placeholders
};

/// Options of InvertedForecaster: per-variate instance normalization, each variate's L-long series
/// embedded as one token, a non-causal Flowformer across the variate tokens, Linear(D -> H), and
/// de-normalization.
///
///   InvertedForecaster net(InvertedForecasterOptions(96, 192, FlowformerOptions(128, 8).mlp_ratio(1)));
struct InvertedForecasterOptions {
  /// seq_len L, pred_len H; `backbone` is the Flowformer stack across tokens (forced non-causal).
  InvertedForecasterOptions(int64_t seq_len, int64_t pred_len, FlowformerOptions backbone)
      : seq_len_(seq_len), pred_len_(pred_len), backbone_(std::move(backbone)) {}

  /// Look-back L (the token embedding is Linear(L -> D)).
  TORCH_ARG(int64_t, seq_len);
  /// Horizon H (the projection is Linear(D -> H)).
  TORCH_ARG(int64_t, pred_len);
  /// The Flowformer across variate tokens; d_model is the token width D.
  TORCH_ARG(FlowformerOptions, backbone);
  /// Subtract each variate's look-back mean and divide by its std (RevIN without affine), undo at the end.
  TORCH_ARG(bool, instance_norm) = true;
  /// Epsilon under the square root of the instance-norm variance.
  TORCH_ARG(double, norm_eps) = 1e-5;
  /// Append the F time-feature series as extra tokens (as iTransformer does); their outputs are dropped.
  TORCH_ARG(bool, use_marks) = true;
  /// Add a linear shortcut Linear(L -> H), shared by the variates, from the normalized look-back to
  /// the normalized forecast (RLinear), so the Flowformer path models what a linear map misses.
  TORCH_ARG(bool, linear_skip) = false;
};

/// Options of TemporalForecaster: tokens are time steps. The L look-back steps carry a value
/// embedding (circular Conv1d over the N variates, kernel 3), a calendar embedding Linear(F -> D) and
/// a sinusoidal position; a non-causal Flowformer encodes them. The horizon is predicted in one pass
/// (direct multi-horizon output, no autoregression), in one of two ways:
///  - horizon_tokens(false) (default): Linear(L -> H) across time maps the L encoded steps to H
///    horizon features, which get the horizon's calendar embedding, then Linear(D -> N). The encoder
///    sees L tokens whatever H is.
///  - horizon_tokens(true): H learned placeholder tokens (plus calendar and position) are appended,
///    the Flowformer encodes all L + H tokens, and Linear(D -> N) reads the last H (costs grow with H).
///
///   TemporalForecaster net(TemporalForecasterOptions(96, 96, 7, 4, FlowformerOptions(64, 4)));
struct TemporalForecasterOptions {
  /// seq_len L, pred_len H, n_vars N, n_marks F; `backbone` encodes the L + H tokens (non-causal).
  TemporalForecasterOptions(int64_t seq_len, int64_t pred_len, int64_t n_vars, int64_t n_marks,
                            FlowformerOptions backbone)
      : seq_len_(seq_len), pred_len_(pred_len), n_vars_(n_vars), n_marks_(n_marks),
        backbone_(std::move(backbone)) {}

  /// Look-back L.
  TORCH_ARG(int64_t, seq_len);
  /// Horizon H.
  TORCH_ARG(int64_t, pred_len);
  /// Variates N.
  TORCH_ARG(int64_t, n_vars);
  /// Time features F per step (0: no calendar embedding).
  TORCH_ARG(int64_t, n_marks);
  /// The Flowformer over the L + H time-step tokens; d_model is the token width D.
  TORCH_ARG(FlowformerOptions, backbone);
  /// Per-variate instance normalization of the look-back (undone on the output).
  TORCH_ARG(bool, instance_norm) = true;
  /// Epsilon under the square root of the instance-norm variance.
  TORCH_ARG(double, norm_eps) = 1e-5;
  /// Kernel width of the circular value-embedding convolution (odd).
  TORCH_ARG(int64_t, value_kernel) = 3;
  /// Encode H placeholder tokens with the look-back (true) instead of projecting across time (false).
  TORCH_ARG(bool, horizon_tokens) = false;
};

/// The learning-rate schedule of ForecastTrainerOptions.
enum class LrSchedule {
  kType1,     ///< TSLib `type1`: lr for epoch e (0-based) is lr * 0.5^max(0, e - 1)
  kConstant,  ///< lr throughout
  kCosine,    ///< cosine decay from lr to 0 over `epochs`, per epoch
};

/// Options of train_forecaster(): Adam on the MSE, validation-based early stopping and lr schedule.
///
///   auto result = train_forecaster(model, series, ForecastTrainerOptions().epochs(10).lr(1e-4));
struct ForecastTrainerOptions {
  /// Training windows per step (the last partial batch of an epoch is dropped, like TSLib's train loader).
  TORCH_ARG(int64_t, batch_size) = 32;
  /// Windows per forward pass when evaluating (every val/test window is evaluated).
  TORCH_ARG(int64_t, eval_batch_size) = 256;
  /// Maximum epochs.
  TORCH_ARG(int64_t, epochs) = 10;
  /// Adam learning rate.
  TORCH_ARG(double, lr) = 1e-4;
  /// Adam weight decay (L2).
  TORCH_ARG(double, weight_decay) = 0.0;
  /// Learning-rate schedule, applied per epoch.
  TORCH_ARG(LrSchedule, lr_schedule) = LrSchedule::kType1;
  /// Stop after this many epochs without a lower validation MSE.
  TORCH_ARG(int64_t, patience) = 3;
  /// Clip the gradient norm to this value (0: no clipping).
  TORCH_ARG(double, grad_clip) = 0.0;
  /// Cap on steps per epoch (0: a full pass over the training windows). For smoke runs.
  TORCH_ARG(int64_t, max_steps_per_epoch) = 0;
  /// Seed of the window shuffling (model initialization is seeded by the caller).
  TORCH_ARG(uint64_t, seed) = 2021;
  /// Draw a progress bar on stderr (redrawn in place on a terminal, one line per epoch otherwise).
  TORCH_ARG(bool, progress) = true;
  /// Where the best-validation weights are saved (torch archive); empty: keep them in memory only.
  TORCH_ARG(std::string, checkpoint) = "";
  /// The ranks of a data-parallel run (flowrl/dist/group.h); nullptr: one process. Each batch is
  /// split over the ranks (batch_size stays the global batch) and the gradients are summed; rank 0
  /// alone writes the checkpoint.
  TORCH_ARG(dist::GroupPtr, group) = nullptr;
};

}  // namespace flowrl
