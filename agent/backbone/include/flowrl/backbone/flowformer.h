// flowrl/backbone/flowformer.h — Flowformer blocks (GPT-2 style pre-LN) and the block stack.
//
// Shape legend: B batch, T tokens, D d_model.
#pragma once

#include <flowrl/backbone/options.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace flowrl {

/// One pre-LN block: x += Attn(LN1 x); x += MLP(LN2 x). MLP: D -> mlp_ratio*D -> D, then dropout.
class FlowformerBlockImpl : public torch::nn::Cloneable<FlowformerBlockImpl> {
 public:
  explicit FlowformerBlockImpl(const FlowformerOptions& options);

  /// (Re)creates ln1, attn, ln2, mlp.
  void reset() override;

  /// Self-attention block: x [B, T, D] -> [B, T, D].
  torch::Tensor forward(const torch::Tensor& x);

  /// The options the block was built with.
  FlowformerOptions options;

  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr};
  /// FlowAttention or SoftmaxAttention, per options.attention().
  torch::nn::AnyModule attn;
  torch::nn::Sequential mlp{nullptr};
  torch::nn::Linear fc{nullptr}, proj{nullptr};  ///< mlp's two layers (registered under mlp)
  torch::nn::Dropout mlp_dropout{nullptr};       ///< mlp's dropout (registered under mlp)
};
TORCH_MODULE(FlowformerBlock);

/// A stack of FlowformerBlocks followed by a final LayerNorm.
///
///   Flowformer net(FlowformerOptions(128, 1).layers(3).causal(true).clamp(10));
///   auto h = net(x);   // x: [B, T, 128] -> h: [B, T, 128]
class FlowformerImpl : public torch::nn::Cloneable<FlowformerImpl> {
 public:
  explicit FlowformerImpl(const FlowformerOptions& options);

  /// (Re)creates blocks and ln_f.
  void reset() override;

  /// x [B, T, D] -> [B, T, D].
  torch::Tensor forward(torch::Tensor x);

  /// The options the stack was built with.
  FlowformerOptions options;

  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm ln_f{nullptr};
};
TORCH_MODULE(Flowformer);

}  // namespace flowrl
