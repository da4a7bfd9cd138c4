// flowrl/backbone/flow_attention.h — Flow-Attention (Wu et al., ICML 2022), causal and non-causal.
//
// Shape legend: B batch, L query (sink) length, S key/value (source) length, H heads, d head width.
// Numbers follow the authors' reference module exactly (see docs/flow-attention.md); the causal path
// is computed chunk by chunk so it never forms the (B, H, L, d, d) cumulative tensor of the reference.
#pragma once

#include <flowrl/backbone/options.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace flowrl {

class FlowAttentionState;  // flowrl/backbone/flow_recurrent.h
namespace flow {
struct KernelOptions;
}

/// Flow-Attention with query/key/value/output projections.
///
///   FlowAttention attn(FlowAttentionOptions(64, 4).causal(true).clamp(10));
///   auto y = attn(x, x, x);   // x: [B, L, 64] -> y: [B, L, 64]
class FlowAttentionImpl : public torch::nn::Cloneable<FlowAttentionImpl> {
 public:
  explicit FlowAttentionImpl(const FlowAttentionOptions& options);

  /// (Re)creates the submodules: query_projection, key_projection, value_projection, out_projection.
  void reset() override;

  /// queries [B, L, d_input], keys/values [B, S, d_input] -> [B, L, d_output].
  /// Causal requires L == S. Throws flowrl::Error on shape mismatches.
  torch::Tensor forward(const torch::Tensor& queries, const torch::Tensor& keys, const torch::Tensor& values);

  /// Recurrent causal self-attention (flowrl/backbone/flow_recurrent.h): continues the sequences held
  /// by `state` with the T tokens of x and returns their outputs, the rows forward(x_all, x_all, x_all)
  /// gives at those positions for the whole sequence so far.
  ///
  ///   FlowAttentionState state;
  ///   auto y1 = attn->step(x.narrow(1, 0, 1), state);   // [B, 1, d_input] -> [B, 1, d_output]
  ///   auto y2 = attn->step(x.narrow(1, 1, 5), state);   // the next 5 tokens
  ///
  /// x [B, T, d_input] -> [B, T, d_output]. `lengths` ([B] integer: tokens of x each row consumes;
  /// or [B] bool: rows that consume the whole block) as in flow::causal_step; outputs at padding
  /// positions carry no meaning (their attention output is 0, then out_projection's bias), and nothing
  /// of a padding token reaches the state. Projections run in the current precision, the kernel in
  /// float32 (float64 for a float64 module) as in forward(). Throws flowrl::Error unless the module is
  /// causal and x is [B, T, d_input] with the state's B.
  torch::Tensor step(const torch::Tensor& x, FlowAttentionState& state, const torch::Tensor& lengths = {});

  /// The kernel settings forward() and step() use (eps, clamp, competition, allocation, chunk_size).
  flow::KernelOptions kernel_options() const;

  /// The options the module was built with.
  FlowAttentionOptions options;

  torch::nn::Linear query_projection{nullptr}, key_projection{nullptr}, value_projection{nullptr},
      out_projection{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(FlowAttention);

/// The attention kernels on already-projected, head-split tensors. Exposed for tests and benchmarks.
namespace flow {

/// Flow-Attention kernel settings.
struct KernelOptions {
  double eps = 1e-6;
  double clamp = 1.0;
  bool competition = true;
  bool allocation = true;
  int64_t chunk_size = 32;
};

/// Non-causal kernel. q [B,H,L,d], k [B,H,S,d], v [B,H,S,dv] (raw, before phi) -> [B,H,L,dv].
torch::Tensor noncausal(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const KernelOptions& opt);

/// Causal kernel, chunked: memory O(B*H*L*(d + dv + chunk)) plus one d x dv state per chunk.
/// q, k [B,H,L,d], v [B,H,L,dv] -> [B,H,L,dv].
torch::Tensor causal(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const KernelOptions& opt);

/// Causal kernel by the reference's naive formula: materializes the (B,H,L,d,dv) cumulative sum.
/// For tests and benchmarks only.
torch::Tensor causal_naive(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                           const KernelOptions& opt);

}  // namespace flow
}  // namespace flowrl
