// flowrl/backbone/softmax_attention.h — scaled dot-product (softmax) multi-head attention, the
// baseline Flow-Attention is compared with. Same options and interface as FlowAttention.
//
// Shape legend: B batch, L query length, S key/value length, H heads, d head width.
#pragma once

#include <flowrl/backbone/options.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace flowrl {

/// Softmax attention with the same projections (and submodule names) as FlowAttention.
///
///   SoftmaxAttention attn(SoftmaxAttentionOptions(64, 4).causal(true));
class SoftmaxAttentionImpl : public torch::nn::Cloneable<SoftmaxAttentionImpl> {
 public:
  explicit SoftmaxAttentionImpl(const SoftmaxAttentionOptions& options);

  /// (Re)creates the submodules.
  void reset() override;

  /// queries [B, L, d_input], keys/values [B, S, d_input] -> [B, L, d_output]. Causal requires L == S.
  torch::Tensor forward(const torch::Tensor& queries, const torch::Tensor& keys, const torch::Tensor& values);

  /// The options the module was built with.
  SoftmaxAttentionOptions options;

  torch::nn::Linear query_projection{nullptr}, key_projection{nullptr}, value_projection{nullptr},
      out_projection{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(SoftmaxAttention);

namespace softmax {
/// Scaled dot-product kernel on head-split tensors: q [B,H,L,d], k [B,H,S,d], v [B,H,S,dv] -> [B,H,L,dv].
/// Causal masks positions > t (requires L == S). Exposed for tests and benchmarks.
torch::Tensor kernel(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, bool causal);
}  // namespace softmax

}  // namespace flowrl
