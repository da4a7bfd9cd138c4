// flowrl/backbone/options.h — option structs of the backbone modules.
//
// Options follow the PyTorch C++ frontend: required arguments in the constructor, everything else a
// chainable setter with a default, e.g.
//   FlowAttention attn(FlowAttentionOptions(128, 4).causal(true).clamp(10.0));
#pragma once

#include <torch/arg.h>

#include <cstdint>

namespace flowrl {

/// Options shared by FlowAttention and SoftmaxAttention.
///
///   FlowAttention attn(FlowAttentionOptions(/*d_model=*/64, /*n_heads=*/4).causal(true));
struct FlowAttentionOptions {
  /// d_model: width of the projected queries/keys/values (split over n_heads heads).
  FlowAttentionOptions(int64_t d_model, int64_t n_heads)
      : d_model_(d_model), n_heads_(n_heads), d_input_(d_model), d_output_(d_model) {}

  /// Width of the projected queries, keys and values; must be divisible by n_heads.
  TORCH_ARG(int64_t, d_model);
  /// Number of heads.
  TORCH_ARG(int64_t, n_heads);
  /// Width of the inputs (default: d_model).
  TORCH_ARG(int64_t, d_input);
  /// Width of the output (default: d_model).
  TORCH_ARG(int64_t, d_output);
  /// Causal self-attention: position t sees positions <= t only (requires L == S).
  TORCH_ARG(bool, causal) = false;
  /// Added to both operands of every normalising dot product (Flow-Attention only).
  TORCH_ARG(double, eps) = 1e-6;
  /// Bound c of the clamp on the conserved outgoing flow (1 core, 5 language model, 10 RL).
  TORCH_ARG(double, clamp) = 1.0;
  /// Dropout on the attention output (after out_projection).
  TORCH_ARG(double, dropout) = 0.05;
  /// Source competition (softmax over conserved outgoing flow); false is the paper's ablation C = 1.
  TORCH_ARG(bool, competition) = true;
  /// Sink allocation (sigmoid of conserved incoming flow); false is the paper's ablation A = 1.
  TORCH_ARG(bool, allocation) = true;
  /// Chunk length of the causal Flow-Attention kernel (memory O(B*H*L*chunk) for the intra-chunk part).
  TORCH_ARG(int64_t, chunk_size) = 32;
};

/// SoftmaxAttention takes the same options (eps, clamp, competition, allocation, chunk_size are unused).
using SoftmaxAttentionOptions = FlowAttentionOptions;

/// Which attention a Flowformer block uses.
enum class AttentionKind { kFlow, kSoftmax };

/// The MLP activation of a Flowformer block.
enum class Activation { kReLU, kGELU };

/// Options of FlowformerBlock and Flowformer (a stack of blocks plus a final LayerNorm).
///
///   Flowformer net(FlowformerOptions(/*d_model=*/128, /*n_heads=*/1).layers(3).causal(true).clamp(10));
struct FlowformerOptions {
  FlowformerOptions(int64_t d_model, int64_t n_heads) : d_model_(d_model), n_heads_(n_heads) {}

  /// Token width.
  TORCH_ARG(int64_t, d_model);
  /// Attention heads per block.
  TORCH_ARG(int64_t, n_heads);
  /// Number of blocks.
  TORCH_ARG(int64_t, layers) = 2;
  /// Flow-Attention (default) or softmax attention.
  TORCH_ARG(AttentionKind, attention) = AttentionKind::kFlow;
  /// Causal self-attention in every block.
  TORCH_ARG(bool, causal) = false;
  /// MLP hidden width = mlp_ratio * d_model.
  TORCH_ARG(int64_t, mlp_ratio) = 4;
  /// MLP activation.
  TORCH_ARG(Activation, activation) = Activation::kReLU;
  /// Dropout on the attention output and on the MLP output (residual dropout).
  TORCH_ARG(double, dropout) = 0.1;
  /// Flow-Attention clamp bound.
  TORCH_ARG(double, clamp) = 1.0;
  /// Flow-Attention eps.
  TORCH_ARG(double, eps) = 1e-6;
  /// Flow-Attention source competition (false: ablation).
  TORCH_ARG(bool, competition) = true;
  /// Flow-Attention sink allocation (false: ablation).
  TORCH_ARG(bool, allocation) = true;
  /// Causal Flow-Attention chunk length.
  TORCH_ARG(int64_t, chunk_size) = 32;
  /// LayerNorm epsilon.
  TORCH_ARG(double, layer_norm_eps) = 1e-5;

  // (TORCH_ARG leaves the access level private.)
 public:
  /// The attention options a block of this stack uses.
  FlowAttentionOptions attention_options() const {
    return FlowAttentionOptions(d_model_, n_heads_)
        .causal(causal_)
        .eps(eps_)
        .clamp(clamp_)
        .dropout(dropout_)
        .competition(competition_)
        .allocation(allocation_)
        .chunk_size(chunk_size_);
  }
};

}  // namespace flowrl
