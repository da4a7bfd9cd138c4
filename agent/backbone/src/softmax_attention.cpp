// Softmax (scaled dot-product) multi-head attention, the quadratic baseline.
//
// Shape legend: B batch, H heads, L queries, S keys/values, d head width.
#include <flowrl/backbone/softmax_attention.h>

#include <cmath>
#include <limits>

#include "attention_common.h"

namespace flowrl {

namespace softmax {

torch::Tensor kernel(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, bool causal) {
  // The two products run in the inputs' type (bf16 under a bf16 PrecisionGuard), the scaling,
  // masking and softmax in float32.
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  auto scores = detail::widen(torch::matmul(q, k.transpose(-1, -2))) * scale;  // [B,H,L,S]
  if (causal) {
    const auto L = q.size(2);
    auto future = torch::ones({L, L}, q.options().dtype(torch::kBool)).triu(1);  // [L,L]
    scores = scores.masked_fill(future, -std::numeric_limits<double>::infinity());
  }
  return torch::matmul(torch::softmax(scores, -1).to(v.scalar_type()), v);   // [B,H,L,dv]
}

}  // namespace softmax

SoftmaxAttentionImpl::SoftmaxAttentionImpl(const SoftmaxAttentionOptions& options_) : options(options_) {
  reset();
}

void SoftmaxAttentionImpl::reset() { detail::reset_attention(*this, "SoftmaxAttention"); }

torch::Tensor SoftmaxAttentionImpl::forward(const torch::Tensor& queries, const torch::Tensor& keys,
                                            const torch::Tensor& values) {
  const bool causal = options.causal();
  return detail::attend(*this, queries, keys, values, "SoftmaxAttention",
                        [&](const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
                          return softmax::kernel(q, k, v, causal);
                        });
}

}  // namespace flowrl
