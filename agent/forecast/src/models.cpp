// The forecasting heads: inverted (variates as tokens) and temporal (time steps as tokens), both on
// flowrl::Flowformer; and the window batching.
//
// Shape legend: B batch, L look-back, H horizon, N variates, F time features, D d_model, T tokens.
#include <flowrl/core/error.h>
#include <flowrl/forecast/models.h>

#include <cmath>
#include <cstring>

namespace flowrl {

// --- batching ---

ForecastBatch make_forecast_batch(const data::ForecastSeries& series, data::Split split,
                                  const std::vector<int64_t>& indices, torch::Device device) {
  const int64_t B = static_cast<int64_t>(indices.size());
  const int64_t L = series.seq_len, H = series.pred_len, N = series.n_vars, F = series.n_marks;
  const int64_t windows = series.num_windows(split);
  auto x = torch::empty({B, L, N});       // [B,L,N]
  auto y = torch::empty({B, H, N});       // [B,H,N]
  auto x_mark = torch::empty({B, L, F});  // [B,L,F]
  auto y_mark = torch::empty({B, H, F});  // [B,H,F]
  for (int64_t b = 0; b < B; ++b) {
    const int64_t i = indices[static_cast<size_t>(b)];
    FLOWRL_CHECK(i >= 0 && i < windows, "make_forecast_batch: window ", i, " is outside the ", windows, " ",
                 data::split_name(split), " windows");
    // a window's rows are contiguous in the row-major series
    std::memcpy(x.data_ptr<float>() + b * L * N, series.input(split, i), sizeof(float) * L * N);
    std::memcpy(y.data_ptr<float>() + b * H * N, series.target(split, i), sizeof(float) * H * N);
    if (F > 0) {
      std::memcpy(x_mark.data_ptr<float>() + b * L * F, series.input_marks(split, i), sizeof(float) * L * F);
      std::memcpy(y_mark.data_ptr<float>() + b * H * F, series.target_marks(split, i), sizeof(float) * H * F);
    }
  }
  if (device.is_cpu()) return {x, y, x_mark, y_mark};
  return {x.to(device), y.to(device), x_mark.to(device), y_mark.to(device)};
}

// --- instance norm ---

InstanceNorm InstanceNorm::of(const torch::Tensor& x, double eps) {
  InstanceNorm n;
  n.mean = x.mean(1, /*keepdim=*/true);                                                  // [B,1,N]
  n.std = torch::sqrt(x.var(1, /*unbiased=*/false, /*keepdim=*/true) + eps);             // [B,1,N]
  return n;
}

torch::Tensor InstanceNorm::normalize(const torch::Tensor& x) const { return (x - mean) / std; }  // [B,T,N]

torch::Tensor InstanceNorm::denormalize(const torch::Tensor& y) const { return y * std + mean; }  // [B,T,N]

namespace {

void check_input(const char* who, const torch::Tensor& x, int64_t L) {
  FLOWRL_CHECK(x.dim() == 3 && x.size(1) == L, who, ": x must be [B, ", L, ", N], got ",
               detail::concat(x.sizes()), "; the model was built for seq_len ", L);
}

}  // namespace

// --- inverted head ---

InvertedForecasterImpl::InvertedForecasterImpl(const InvertedForecasterOptions& options_) : options(options_) {
  reset();
}

void InvertedForecasterImpl::reset() {
  FLOWRL_CHECK(options.seq_len() > 0 && options.pred_len() > 0,
               "InvertedForecaster: seq_len and pred_len must be positive, got ", options.seq_len(), " and ",
               options.pred_len());
  const auto D = options.backbone().d_model();
  embedding = register_module("embedding", torch::nn::Linear(options.seq_len(), D));
  dropout = register_module("dropout", torch::nn::Dropout(options.backbone().dropout()));
  encoder = register_module("encoder", Flowformer(FlowformerOptions(options.backbone()).causal(false)));
  projection = register_module("projection", torch::nn::Linear(D, options.pred_len()));
  if (options.linear_skip()) skip = register_module("skip", torch::nn::Linear(options.seq_len(), options.pred_len()));
}

torch::Tensor InvertedForecasterImpl::forward(const torch::Tensor& x, const torch::Tensor& x_mark,
                                              const torch::Tensor& /*y_mark*/) {
  check_input("InvertedForecaster", x, options.seq_len());
  const auto N = x.size(2);
  InstanceNorm norm;
  auto h = x;                                                              // [B,L,N]
  if (options.instance_norm()) {
    norm = InstanceNorm::of(x, options.norm_eps());
    h = norm.normalize(x);                                                 // [B,L,N]
  }
  // one token per variate (plus one per time feature)
  auto series = h.transpose(1, 2);                                         // [B,N,L]
  if (options.use_marks() && x_mark.defined() && x_mark.size(2) > 0) {
    series = torch::cat({series, x_mark.transpose(1, 2)}, 1);              // [B,N+F,L]
  }
  auto tokens = dropout(embedding(series));                                // [B,N+F,D]
  auto encoded = encoder(tokens);                                          // [B,N+F,D]
  auto y = projection(encoded).transpose(1, 2).narrow(2, 0, N);            // [B,H,N]
  if (options.linear_skip()) y = y + skip(h.transpose(1, 2)).transpose(1, 2);  // [B,H,N]
  return options.instance_norm() ? norm.denormalize(y) : y;                // [B,H,N]
}

// --- temporal head ---

TemporalForecasterImpl::TemporalForecasterImpl(const TemporalForecasterOptions& options_) : options(options_) {
  reset();
}

void TemporalForecasterImpl::reset() {
  const auto L = options.seq_len(), H = options.pred_len(), N = options.n_vars(), F = options.n_marks();
  FLOWRL_CHECK(L > 0 && H > 0 && N > 0 && F >= 0, "TemporalForecaster: seq_len, pred_len, n_vars must be positive "
               "and n_marks non-negative, got ", L, ", ", H, ", ", N, ", ", F);
  FLOWRL_CHECK(options.value_kernel() > 0 && options.value_kernel() % 2 == 1 && options.value_kernel() / 2 <= L,
               "TemporalForecaster: value_kernel must be odd, positive and at most 2 x seq_len + 1 (", 2 * L + 1,
               "), got ", options.value_kernel());
  const auto D = options.backbone().d_model();
  value_embedding = register_module(
      "value_embedding", torch::nn::Conv1d(torch::nn::Conv1dOptions(N, D, options.value_kernel())
                                               .padding(options.value_kernel() / 2)
                                               .padding_mode(torch::kCircular)
                                               .bias(false)));
  if (F > 0) time_embedding = register_module("time_embedding", torch::nn::Linear(torch::nn::LinearOptions(F, D).bias(false)));
  if (options.horizon_tokens()) {
    horizon_token = register_parameter("horizon_token", torch::randn({D}) * 0.02);  // [D]
  } else {
    time_projection = register_module("time_projection", torch::nn::Linear(L, H));
  }
  // sinusoidal positions: sin on even channels, cos on odd ones
  auto pos = torch::arange(L + H, torch::kFloat).unsqueeze(1);                     // [L+H,1]
  auto freq = torch::exp(torch::arange(0, D, 2, torch::kFloat) * (-std::log(10000.0) / D));  // [ceil(D/2)]
  auto table = torch::zeros({L + H, D});                                           // [L+H,D]
  table.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, torch::indexing::None, 2)},
                   torch::sin(pos * freq));
  table.index_put_({torch::indexing::Slice(), torch::indexing::Slice(1, torch::indexing::None, 2)},
                   torch::cos(pos * freq).narrow(1, 0, D / 2));
  positions = register_buffer("positions", table);
  dropout = register_module("dropout", torch::nn::Dropout(options.backbone().dropout()));
  encoder = register_module("encoder", Flowformer(FlowformerOptions(options.backbone()).causal(false)));
  output = register_module("output", torch::nn::Linear(D, N));
}

torch::Tensor TemporalForecasterImpl::forward(const torch::Tensor& x, const torch::Tensor& x_mark,
                                              const torch::Tensor& y_mark) {
  const auto L = options.seq_len(), H = options.pred_len(), N = options.n_vars(), F = options.n_marks();
  check_input("TemporalForecaster", x, L);
  FLOWRL_CHECK(x.size(2) == N, "TemporalForecaster: x has ", x.size(2), " variates, the model was built for ", N);
  const auto B = x.size(0);
  InstanceNorm norm;
  auto h = x;                                                              // [B,L,N]
  if (options.instance_norm()) {
    norm = InstanceNorm::of(x, options.norm_eps());
    h = norm.normalize(x);                                                 // [B,L,N]
  }
  if (F > 0) {
    FLOWRL_CHECK(x_mark.defined() && y_mark.defined() && x_mark.sizes() == torch::IntArrayRef({B, L, F}) &&
                     y_mark.sizes() == torch::IntArrayRef({B, H, F}),
                 "TemporalForecaster: x_mark/y_mark must be [B, L, ", F, "] and [B, H, ", F, "]");
  }
  // look-back tokens: values + calendar + position
  auto past = value_embedding(h.transpose(1, 2)).transpose(1, 2)          // [B,L,D]
              + positions.narrow(0, 0, L);                                 // [B,L,D]
  if (F > 0) past = past + time_embedding(x_mark);                         // [B,L,D]
  torch::Tensor future;
  if (options.horizon_tokens()) {
    // placeholders for the horizon, encoded together with the look-back
    future = horizon_token.expand({B, H, horizon_token.size(0)})           // [B,H,D]
             + positions.narrow(0, L, H);                                  // [B,H,D]
    if (F > 0) future = future + time_embedding(y_mark);                   // [B,H,D]
    auto encoded = encoder(dropout(torch::cat({past, future}, 1)));        // [B,L+H,D]
    future = encoded.narrow(1, L, H);                                      // [B,H,D]
  } else {
    // encode the look-back, then map its L steps to the H horizon steps
    auto encoded = encoder(dropout(past));                                 // [B,L,D]
    future = time_projection(encoded.transpose(1, 2)).transpose(1, 2);     // [B,H,D]
    if (F > 0) future = future + time_embedding(y_mark);                   // [B,H,D]
  }
  auto y = output(future);                                                 // [B,H,N]
  return options.instance_norm() ? norm.denormalize(y) : y;                // [B,H,N]
}

}  // namespace flowrl
