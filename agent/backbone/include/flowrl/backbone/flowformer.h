// flowrl/backbone/flowformer.h — Flowformer blocks (GPT-2 style pre-LN) and the block stack.
//
// Shape legend: B batch, T tokens, D d_model, H heads, L layers.
#pragma once

#include <flowrl/backbone/flow_recurrent.h>
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

#include <vector>

namespace flowrl {

/// The recurrent state of a causal Flow-Attention Flowformer: one FlowAttentionState per block,
/// sized by the first FlowformerImpl::step. Everything else in a block (LayerNorm, MLP, residuals)
/// acts on each token alone and carries nothing.
///
/// State size per layer, per row: H (d dv + 4 d + 1) running sums with competition and allocation
/// on (H d dv + H d without either), d = dv = D / H, so D^2 / H + 4 D + H, plus one token count; in
/// float64 by default. The DT's 128 wide, 1 head block: 16,897 sums = 132 KiB per layer and row.
/// It does not grow with the number of tokens.
///
///   FlowformerState state;
///   for (int64_t t = 0; t < T; ++t) h[t] = net->step(x.narrow(1, t, 1), state);   // [B,1,D] -> [B,1,D]
class FlowformerState {
 public:
  /// An empty state; `accumulate` is the type of every layer's running sums (see FlowAttentionState).
  explicit FlowformerState(torch::Dtype accumulate = torch::kFloat64) : accumulate_(accumulate) {}

  /// True once a step has sized the per-layer states.
  bool defined() const { return !layers.empty() && layers.front().defined(); }
  /// Tokens each row has consumed, [B] int64 (undefined while empty).
  torch::Tensor count() const { return defined() ? layers.front().count : torch::Tensor(); }
  /// Back to empty.
  void reset() { layers.clear(); }
  /// Rows where `rows` ([B] bool) is true start over in every layer.
  void reset_rows(const torch::Tensor& rows) {
    for (auto& l : layers) l.reset_rows(rows);
  }
  /// Elements held by all layers.
  int64_t numel() const {
    int64_t n = 0;
    for (const auto& l : layers) n += l.numel();
    return n;
  }
  /// Bytes held by all layers.
  int64_t nbytes() const {
    int64_t n = 0;
    for (const auto& l : layers) n += l.nbytes();
    return n;
  }
  /// The type of the running sums.
  torch::Dtype accumulate() const { return accumulate_; }

  /// One state per block, in block order (empty until the first step).
  std::vector<FlowAttentionState> layers;

 private:
  torch::Dtype accumulate_;
};

/// One pre-LN block: x += Attn(LN1 x); x += MLP(LN2 x). MLP: D -> mlp_ratio*D -> D, then dropout.
class FlowformerBlockImpl : public torch::nn::Cloneable<FlowformerBlockImpl> {
 public:
  explicit FlowformerBlockImpl(const FlowformerOptions& options);

  /// (Re)creates ln1, attn, ln2, mlp.
  void reset() override;

  /// Self-attention block: x [B, T, D] -> [B, T, D].
  torch::Tensor forward(const torch::Tensor& x);

  /// The block on the next T tokens of the sequences `state` holds (causal Flow-Attention only):
  /// x [B, T, D] -> [B, T, D], the rows forward() gives at those positions. `lengths` as in
  /// FlowAttentionImpl::step. Throws flowrl::Error for softmax attention (it has no fixed-size state)
  /// and for non-causal blocks.
  torch::Tensor step(const torch::Tensor& x, FlowAttentionState& state, const torch::Tensor& lengths = {});

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

  /// Runs the stack on the next T tokens (T = 1: one token) of the sequences `state` holds and
  /// returns their outputs: x [B, T, D] -> [B, T, D], equal (to round-off) to the last T rows of
  /// forward() over the whole sequence so far, at a cost per token that does not grow with its position.
  /// `lengths` ([B] integer: tokens of x each row consumes; [B] bool: rows that consume the whole block)
  /// lets rows of different lengths share a batch: a row's padding tokens reach no state, and their
  /// outputs carry no meaning. Needs causal Flow-Attention blocks: throws flowrl::Error for softmax
  /// attention (no fixed-size recurrent state; run forward() over the prefix instead), for a
  /// non-causal stack, and for x not [B, T, D] with the state's B.
  torch::Tensor step(torch::Tensor x, FlowformerState& state, const torch::Tensor& lengths = {});

  /// The options the stack was built with.
  FlowformerOptions options;

  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm ln_f{nullptr};
};
TORCH_MODULE(Flowformer);

}  // namespace flowrl
